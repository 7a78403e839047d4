"""Reads of the hotline: the call log of the user's jurisdiction (by the region the call concerns) and open
complaints. Out of scope is 404; a department sees no calls."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor, scoped
from jiuzhu.intake.models import CallOutcome, ComplaintStatus, HotlineCall
from jiuzhu.intake.services import today

CALL_SCOPE = {"region_field": "region"}
PAGE_SIZE = 30


def calls_in_scope(actor) -> QuerySet[HotlineCall]:
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):
        return HotlineCall.objects.none()
    return scoped(HotlineCall.objects.all(), actor, **CALL_SCOPE)


def call_get(*, actor, call_id: int) -> HotlineCall:
    require(actor, Capability.INTAKE)
    queryset = HotlineCall.objects.none() if is_department_actor(actor) else \
        HotlineCall.objects.select_related("region", "received_by", "answered_by", "application")
    return get_scoped_or_404(queryset, actor, scope=CALL_SCOPE, pk=call_id)


def open_complaints(actor) -> QuerySet[HotlineCall]:
    return calls_in_scope(actor).filter(complaint_status=ComplaintStatus.OPEN)


def overdue_complaints(actor) -> QuerySet[HotlineCall]:
    return open_complaints(actor).filter(complaint_due_date__lt=today())


@dataclass(frozen=True)
class CallFilters:
    outcome: str = ""
    open_complaints: bool = False
    overdue: bool = False
    region: object = None

    def as_query(self) -> dict:
        return {k: v for k, v in {"outcome": self.outcome, "open": "1" if self.open_complaints else "",
                                  "overdue": "1" if self.overdue else ""}.items() if v}


def parse_filters(data, region=None) -> CallFilters:
    outcome = (data.get("outcome") or "").strip()
    return CallFilters(outcome=outcome if outcome in CallOutcome.values else "",
                       open_complaints=data.get("open") == "1", overdue=data.get("overdue") == "1", region=region)


def call_list(*, actor, filters: CallFilters) -> QuerySet[HotlineCall]:
    rows = calls_in_scope(actor).select_related("region", "received_by")
    if filters.region is not None:
        rows = rows.filter(region__path__startswith=filters.region.path)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.open_complaints or filters.overdue:
        rows = rows.filter(complaint_status=ComplaintStatus.OPEN)
    if filters.overdue:
        rows = rows.filter(complaint_due_date__lt=today())
    return rows.order_by("-received_at", "-pk")


def is_overdue(call: HotlineCall) -> bool:
    return (call.complaint_status == ComplaintStatus.OPEN and call.complaint_due_date is not None
            and call.complaint_due_date < today())
