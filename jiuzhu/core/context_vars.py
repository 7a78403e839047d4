"""What the current request is, for audit rows written deep inside services."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
current_token_id: ContextVar[int | None] = ContextVar("current_token_id", default=None)
