"""The rescue app's lines on the home page's work list (core/worklist.py), one module per part."""

from jiuzhu.rescue import street_worklist

# ---- cases part: add its ITEMS and NEXT_STEPS here ----
ITEMS = [*street_worklist.ITEMS]
NEXT_STEPS = [*street_worklist.NEXT_STEPS]
