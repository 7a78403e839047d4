"""Intake's lines on the home page's work list (core/worklist.py), one module per part."""

from jiuzhu.intake import hotline_worklist, referral_worklist, window_worklist

ITEMS = window_worklist.ITEMS + referral_worklist.ITEMS + hotline_worklist.ITEMS
NEXT_STEPS = window_worklist.NEXT_STEPS + referral_worklist.NEXT_STEPS + hotline_worklist.NEXT_STEPS
