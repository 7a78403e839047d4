"""What the family-search app does when rescue's events happen. core/events.py reads `HANDLERS` from each app's
handlers.py; the table is kept in events.py beside the app's own kinds, as rescue and follow-up do."""

from jiuzhu.familysearch.events import HANDLERS

__all__ = ["HANDLERS"]
