"""Per-client-address limits for the public forms (no sign-in): at most N submissions of one kind from one
address within a window. The address itself is never stored: each app keeps, on the rows it writes anyway (a
sighting, a tip, a code sent), the address's keyed hash (core.crypto.keyed_hash, salted with the limit's
purpose so one address hashes differently per form), and the limit counts those rows. No table of its own: the
rows that are counted are the records of what was submitted, so nothing needs cleaning up.

    TIP_LIMIT = RateLimit("fs-tip", 5, dt.timedelta(hours=1), "同一网络一小时内提交的线索过多，请稍后再试")
    key = TIP_LIMIT.key(client_ip(request))
    TIP_LIMIT.check(NoticeTip.objects, key=key)             # DomainError code "rate_limited" (views: 429)
    NoticeTip.objects.create(..., client_hash=key)

Counting is bounded (at most `limit` rows read) and served by an index on (client_hash, <time field>) the app
declares. Two requests from one address at the same instant may both pass the count: a limit against floods of
form posts, not an exact quota (sign-in lockouts use django-axes, which is exact)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError

RATE_LIMITED = "rate_limited"  # DomainError.code: views answer 429


@dataclass(frozen=True)
class RateLimit:
    purpose: str  # salts the hash: "rescue-report", "fs-tip", …
    limit: int
    window: dt.timedelta
    message: str  # Chinese, shown as is

    def key(self, address: str | None) -> str:
        """The keyed hash kept on the row instead of the address ("-" when the server saw none)."""
        return keyed_hash(f"{self.purpose}:{address or '-'}")

    def used(self, rows: QuerySet, *, key: str, key_field: str = "client_hash", time_field: str = "created_at",
             now: dt.datetime | None = None) -> int:
        """How many of `rows` this key wrote within the window, counted up to the limit only."""
        since = (now or timezone.now()) - self.window
        return rows.filter(**{key_field: key, f"{time_field}__gt": since}).order_by().values("pk")[:self.limit] \
            .count()

    def check(self, rows: QuerySet, *, key: str, key_field: str = "client_hash", time_field: str = "created_at",
              now: dt.datetime | None = None) -> None:
        """Raises DomainError(message, code "rate_limited") once the key wrote `limit` rows within the window."""
        if self.used(rows, key=key, key_field=key_field, time_field=time_field, now=now) >= self.limit:
            raise DomainError(self.message, code=RATE_LIMITED)
