"""Rescue's lines on the home page's work list (core/worklist.py), one module per part."""

from jiuzhu.rescue import cases_worklist, street_worklist

ITEMS = [*cases_worklist.ITEMS, *street_worklist.ITEMS]
NEXT_STEPS = [*cases_worklist.NEXT_STEPS, *street_worklist.NEXT_STEPS]
