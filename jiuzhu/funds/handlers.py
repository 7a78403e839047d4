"""What the funds app does when the registry's events happen (core/events.py reads HANDLERS here)."""

from jiuzhu.funds.events import HANDLERS

__all__ = ["HANDLERS"]
