"""Reads of the application API: one page of the scoped application list with its filters, newest first,
by keyset (the id: applications are numbered as they are taken), so a page costs the same at any depth."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.models import OPEN_STATUSES, Application, ApplicationItem, ApplicationStatus, Channel
from jiuzhu.intake.selectors import applications_in_scope
from jiuzhu.intake.services import invalid, today

# What a list row shows (schemas.ApplicationOut), read as plain values: a page of model instances with their
# prefetched items cost more Python than the queries themselves.
LIST_FIELDS = ("id", "query_code", "channel", "status", "region__code", "region__full_name", "applicant_name",
               "applicant_id_cipher", "person_id", "emergency", "submitted_at", "accepted_at", "due_date")
ITEM_FIELDS = ("item", "department", "status", "due_date")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class ApplicationFilters:
    status: str = ""
    item: str = ""
    channel: str = ""
    overdue: bool = False

    def as_audit(self) -> dict:
        """The filters as the auditor's log shows them: Chinese labels and values, as the window list's."""
        shown = {}
        if self.status:
            shown["状态"] = ApplicationStatus(self.status).label
        if self.item:
            shown["事项"] = ITEM_BY_CODE[self.item].name
        if self.channel:
            shown["渠道"] = Channel(self.channel).label
        if self.overdue:
            shown["超期"] = "是"
        return shown


def parse_filters(*, status: str = "", item: str = "", channel: str = "", overdue: bool = False,
                  ) -> ApplicationFilters:
    status, item, channel = (status or "").strip(), (item or "").strip(), (channel or "").strip()
    if status and status not in ApplicationStatus.values:
        raise invalid(f"未知的申请状态：{status[:30]}", "status")
    if item and item not in ITEM_BY_CODE:
        raise invalid(f"未知的救助事项：{item[:30]}", "item")
    if channel and channel not in Channel.values:
        raise invalid(f"未知的申请渠道：{channel[:30]}", "channel")
    return ApplicationFilters(status=status, item=item, channel=channel, overdue=bool(overdue))


def parse_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise invalid("翻页标记无效：请使用上一页返回的 next_cursor", "cursor")
    return int(cursor)


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid(f"每页条数应在 1 到 {MAX_LIMIT} 之间", "limit")
    return limit


def application_list(*, actor, filters: ApplicationFilters) -> QuerySet[Application]:
    """The actor's applications (scope: selectors.applications_in_scope) with the filters, newest first."""
    qs = applications_in_scope(actor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.item:
        qs = qs.filter(Exists(ApplicationItem.objects.filter(application=OuterRef("pk"), item=filters.item)))
    if filters.overdue:  # open and past its deadline: the partial index application_open_due
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today())
    return qs.order_by("-pk")


def application_row(app: Application) -> dict:
    """One application as a list row (LIST_FIELDS and its items), from the model."""
    row = {f: getattr(app, f) for f in LIST_FIELDS if "__" not in f}
    row.update({"region__code": app.region.code, "region__full_name": app.region.full_name,
                "items": [{f: getattr(i, f) for f in ITEM_FIELDS} for i in app.items.order_by("pk")]})
    return row


def application_page(*, actor, filters: ApplicationFilters, cursor: int | None, limit: int,
                     ) -> tuple[list[dict], int | None]:
    """One page (at most `limit` rows after the id `cursor`, as application_row dicts) and the cursor of the
    next page (None at the end)."""
    qs = application_list(actor=actor, filters=filters)
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs.values(*LIST_FIELDS)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["items"] = []
    for item in ApplicationItem.objects.filter(application_id__in=list(by_id)).order_by("pk").values(
            "application_id", *ITEM_FIELDS):
        by_id[item.pop("application_id")]["items"].append(item)
    return rows, (rows[-1]["id"] if more else None)
