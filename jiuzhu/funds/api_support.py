"""What the funds API's routers share: the error responses and one page of a list (limit and offset, checked)."""

from __future__ import annotations

from jiuzhu.core.api_support import page_bounds
from jiuzhu.core.schemas import ErrorOut

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def paged(qs, limit: int | None, offset: int | None, *, row, audit=None) -> dict:
    """One page of a list: bounds checked, the persons on it audited (`audit(rows)`, one statement), rows shaped."""
    limit, offset = page_bounds(limit, offset)
    rows = list(qs[offset:offset + limit])
    if audit is not None:
        audit(rows)
    return {"results": [row(r) for r in rows], "total": qs.count(), "limit": limit, "offset": offset}
