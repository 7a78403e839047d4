"""Reads of the face-use ledger page (人脸比对使用台账): the FaceSearchLog rows of the actor's jurisdiction
(selectors.search_logs_in_scope: FAMILY_SEARCH, scoped by the log's region), filtered by day range and purpose,
each row turned into what the page and the export show. A row names the searched record by its number only (the
rescue record's number, the report's receipt number), never a name: the ledger says who used the face module,
when and why, not who was searched for. A public photo search (网上以图寻亲) has no record and no operator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jiuzhu.core.scoping import scope_q
from jiuzhu.familysearch import selectors
from jiuzhu.familysearch.public_services import PHOTO_SEARCH_PURPOSE
from jiuzhu.rescue.models import RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

LOG_OBJECT_TYPE = "familysearch.facesearchlog"
PURPOSE_LIMIT = 50  # distinct purposes offered in the filter (staff type their own; the automatic ones are few)


@dataclass(frozen=True)
class LedgerFilter:
    day_from: dt.date | None = None
    day_to: dt.date | None = None
    purpose: str = ""

    def as_dict(self) -> dict:
        return {"day_from": self.day_from.isoformat() if self.day_from else "",
                "day_to": self.day_to.isoformat() if self.day_to else "", "purpose": self.purpose}

    def as_audit(self) -> dict:
        """The filters as the auditor's log shows them: Chinese labels."""
        shown = {"起始日期": self.day_from.isoformat() if self.day_from else "",
                 "截止日期": self.day_to.isoformat() if self.day_to else "", "比对事由": self.purpose}
        return {k: v for k, v in shown.items() if v}


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None  # a mistyped date filters nothing, as the other lists do


def filter_from(params) -> LedgerFilter:
    return LedgerFilter(day_from=_day(params.get("day_from")), day_to=_day(params.get("day_to")),
                        purpose=(params.get("purpose") or "").strip()[:100])


def ledger(*, actor, f: LedgerFilter) -> QuerySet:
    """The ledger rows in scope, newest first (403 without FAMILY_SEARCH)."""
    qs = selectors.search_logs_in_scope(actor).select_related("case", "report")
    if f.day_from:
        qs = qs.filter(day__gte=f.day_from)
    if f.day_to:
        qs = qs.filter(day__lte=f.day_to)
    if f.purpose:
        qs = qs.filter(purpose=f.purpose)
    return qs


def purposes(*, actor) -> list[str]:
    return list(selectors.search_logs_in_scope(actor).order_by("purpose").values_list("purpose", flat=True)
                .distinct()[:PURPOSE_LIMIT])


@dataclass(frozen=True)
class LedgerRow:
    searched_at: dt.datetime
    record: str  # 救助记录 number, 寻亲登记 receipt number, or 网上以图寻亲
    case_id: int | None  # set when the actor may open the case's face page
    operator: str
    organization: str
    purpose: str
    photos: int
    candidates: int
    best_distance: float | None
    summary: str


def _summary(log) -> str:
    if log.purpose == PHOTO_SEARCH_PURPOSE and not log.case_id and not log.report_id:
        if not log.photos:
            return "照片未通过人脸检测"
        return f"显示寻亲公告 {log.candidates} 份" if log.candidates else "未找到相似的寻亲公告"
    if not log.candidates:
        return "未找到相似人员"
    kinds = [r.get("kind") for r in log.result or []]
    parts = [f"{label} {kinds.count(kind)} 条" for kind, label in (("case", "救助记录"), ("report", "寻亲登记"))
             if kinds.count(kind)]
    return "候选：" + "、".join(parts) if parts else f"候选 {log.candidates} 人"


def _record(log) -> str:
    if log.case_id:
        return f"救助记录 {log.case.number}"
    if log.report_id:
        return f"寻亲登记 {log.report.receipt_number or log.report_id}"
    return PHOTO_SEARCH_PURPOSE


def rows_of(actor, logs) -> list[LedgerRow]:
    """The page's (or the export's chunk's) rows; the case link only for records in the actor's case scope (one
    query)."""
    logs = list(logs)
    case_ids = {log.case_id for log in logs if log.case_id}
    q = scope_q(actor, **CASE_SCOPE)
    if case_ids and q is not None:
        case_ids = set(RescueCase.objects.filter(q, pk__in=case_ids).values_list("pk", flat=True))
    return [LedgerRow(
        searched_at=log.searched_at, record=_record(log), case_id=log.case_id if log.case_id in case_ids else None,
        operator=str(log.operator) if log.operator_id
        else ("公众（网上）" if not (log.case_id or log.report_id) else "系统自动"),
        organization=log.organization.name if log.organization_id else "", purpose=log.purpose, photos=log.photos,
        candidates=log.candidates, best_distance=log.best_distance, summary=_summary(log)) for log in logs]
