"""Work-list lines of the window part (see worklist.py)."""

ITEMS: list = []
NEXT_STEPS: list = []
