"""Work-list lines of the referral part (see worklist.py)."""

ITEMS: list = []
NEXT_STEPS: list = []
