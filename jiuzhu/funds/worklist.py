"""资金发放's lines on the home page's work list (core/worklist.py), gathered from its parts."""

from jiuzhu.funds import fund_worklist, purchase_worklist

ITEMS = [*fund_worklist.ITEMS, *purchase_worklist.ITEMS]
