"""What the follow-up app does when rescue's events happen. core/events.py reads `HANDLERS` from each app's
handlers.py; the table is kept in events.py beside the app's own kinds, as rescue does."""

from jiuzhu.followup.events import HANDLERS

__all__ = ["HANDLERS"]
