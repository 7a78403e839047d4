"""What the funds API's routers share: the error responses and one page of a list (limit and offset, checked)."""

from __future__ import annotations

from jiuzhu.core.errors import invalid
from jiuzhu.core.schemas import ErrorOut

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
DEFAULT_LIMIT = 50  # views.PAGE_SIZE
MAX_LIMIT = 200


def page_bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid(f"每页条数应在 1 到 {MAX_LIMIT} 之间", "limit")
    if offset < 0:
        raise invalid("起始位置不能为负数", "offset")
    return limit, offset


def paged(qs, limit: int | None, offset: int | None, *, row, audit=None) -> dict:
    """One page of a list: bounds checked, the persons on it audited (`audit(rows)`, one statement), rows shaped."""
    limit, offset = page_bounds(limit, offset)
    rows = list(qs[offset:offset + limit])
    if audit is not None:
        audit(rows)
    return {"results": [row(r) for r in rows], "total": qs.count(), "limit": limit, "offset": offset}
