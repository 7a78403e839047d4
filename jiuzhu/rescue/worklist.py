"""Rescue's lines on the home page's work list (core/worklist.py), one module per part."""

from jiuzhu.rescue import cases_worklist

# ---- street part: add street_worklist.ITEMS / NEXT_STEPS here ----
ITEMS = cases_worklist.ITEMS
NEXT_STEPS = cases_worklist.NEXT_STEPS
