"""API of the feed part of monitoring (added to the monitoring router by api.py)."""

from ninja import Router

router = Router(tags=["动态监测"])
