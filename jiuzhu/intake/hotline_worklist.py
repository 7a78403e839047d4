"""Work-list lines of the hotline part (see worklist.py)."""

ITEMS: list = []
NEXT_STEPS: list = []
