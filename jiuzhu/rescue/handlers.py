"""What the rescue app does when a lower app's event happens. core/events.py reads `HANDLERS` from each app's
handlers.py; the table itself is kept in events.py beside the rescue app's own kinds (the skeleton's choice)."""

from jiuzhu.rescue.events import HANDLERS

__all__ = ["HANDLERS"]
