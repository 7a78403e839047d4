"""Reads of the follow-up app, scoped (core.scoping; out of scope is 404), persons shown audited.

Who sees what:
- a ledger entry: the station that sent the client home (and the station above it), and every follow-up user of
  the home region's subtree (home station, civil-affairs office, township, village);
- a visit: the users of its region's subtree, and the sending station;
- an at-risk person and a repeat alert: the users of the region's subtree (the roster goes to the township)."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_persons_shown, audit_read
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import scope_q
from jiuzhu.followup.models import (
    AtRiskPerson,
    AtRiskStatus,
    FollowupVisit,
    RepeatAlert,
    ReturneeEntry,
    VisitStatus,
)

ENTRY_OBJECT_TYPE = "followup.returneeentry"
AT_RISK_OBJECT_TYPE = "followup.atriskperson"


def today() -> dt.date:
    return timezone.localdate()


def _any(*qs: Q | None) -> Q | None:
    """OR of scope filters; None (sees everything) wins."""
    if any(q is None for q in qs):
        return None
    return reduce(or_, qs)


def entry_scope_q(actor, prefix: str = "") -> Q | None:
    return _any(scope_q(actor, region_field=f"{prefix}station__region", organization_field=f"{prefix}station"),
                scope_q(actor, region_field=None, region_path_field=f"{prefix}home_region_path"))


def _filtered(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def entries_in_scope(actor) -> QuerySet[ReturneeEntry]:
    qs = ReturneeEntry.objects.select_related("station", "home_region", "home_office", "case")
    return _filtered(qs, entry_scope_q(actor))


def visits_in_scope(actor) -> QuerySet[FollowupVisit]:
    q = _any(scope_q(actor, region_field=None, region_path_field="region_path"),
             scope_q(actor, region_field="entry__station__region", organization_field="entry__station"))
    return _filtered(FollowupVisit.objects.select_related("entry", "at_risk", "region", "application", "warning"), q)


def visits_to_record(actor) -> QuerySet[FollowupVisit]:
    """Visits the actor may record: those of their region's subtree only (the sending station reads them)."""
    q = scope_q(actor, region_field=None, region_path_field="region_path")
    return _filtered(FollowupVisit.objects.select_related("entry", "at_risk", "region", "application", "warning"), q)


def at_risk_in_scope(actor) -> QuerySet[AtRiskPerson]:
    q = scope_q(actor, region_field=None, region_path_field="region_path")
    return _filtered(AtRiskPerson.objects.select_related("region"), q)


def alerts_in_scope(actor) -> QuerySet[RepeatAlert]:
    q = scope_q(actor, region_field=None, region_path_field="home_region_path")
    return _filtered(RepeatAlert.objects.select_related("case", "case__station", "home_region", "entry",
                                                        "at_risk"), q)


def relapse_inbox_qs(actor) -> QuerySet[ReturneeEntry]:
    """The rural-revitalisation office's inbox: the 防止返贫监测对象 notified to it in the system, and nothing
    else of the ledger (a department sees only what was sent to it, ROLES.md)."""
    require(actor, Capability.HANDLE_WARNINGS)
    if actor.organization_id is None:
        return ReturneeEntry.objects.none()
    return ReturneeEntry.objects.select_related("station", "home_region", "case").filter(
        relapse_office_id=actor.organization_id, relapse_notified_at__isnull=False)


def relapse_inbox(*, actor, show: str = "waiting") -> list[ReturneeEntry]:
    qs = relapse_inbox_qs(actor)
    if show == "waiting":
        qs = qs.filter(relapse_received_at__isnull=True)
    entries = list(qs.order_by("-relapse_notified_at", "-pk")[:500])
    audit_entries_shown(actor, [e.pk for e in entries], purpose="relapse_inbox")
    return entries


def get_or_404(qs: QuerySet, pk: int):
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return found


# ---- Lists -----------------------------------------------------------------------------------------------------

def week_end(on: dt.date) -> dt.date:
    return on + dt.timedelta(days=6 - on.weekday())  # Sunday of this week


VISIT_FILTERS = {
    "week": ("本周及以前应回访", lambda on: Q(status=VisitStatus.PLANNED, due_on__lte=week_end(on))),
    "overdue": ("已超期未回访", lambda on: Q(status=VisitStatus.PLANNED, due_on__lt=on)),
    "planned": ("全部待回访", lambda on: Q(status=VisitStatus.PLANNED)),
    "hardship": ("发现困难、未转入申请", lambda on: Q(status=VisitStatus.DONE, application__isnull=True,
                                                      warning__isnull=True)
                 & ~Q(hardship="")),
    "done": ("已回访", lambda on: Q(status=VisitStatus.DONE)),
}

ENTRY_FILTERS = {
    "all": ("全部", lambda on: Q()),
    "home_unknown": ("流出地待确定", lambda on: Q(home_region__isnull=True)),
    "letter": ("待寄送书面反馈", lambda on: Q(feedback_mode="letter", feedback_sent_at__isnull=True)),
    "unconfirmed": ("流出地未确认收到", lambda on: Q(feedback_sent_at__isnull=False,
                                                     receipt_confirmed_at__isnull=True)),
    "not_arrived": ("未确认到家", lambda on: Q(receipt_confirmed_at__isnull=False, arrived_on__isnull=True)),
    "relapse": ("防止返贫监测对象（通报乡村振兴部门）", lambda on: Q(relapse_watch=True)),
}

AT_RISK_FILTERS = {
    "listed": ("已入库", lambda: Q(status=AtRiskStatus.LISTED)),
    "to_check": ("待县级审核", lambda: Q(status=AtRiskStatus.SUBMITTED)),
    "suggested": ("系统建议", lambda: Q(status=AtRiskStatus.SUGGESTED)),
    "returned": ("退回补正", lambda: Q(status=AtRiskStatus.RETURNED)),
    "all": ("全部", lambda: Q()),
}


def visit_search(*, actor, show: str) -> QuerySet[FollowupVisit]:
    require(actor, Capability.FOLLOWUP)
    label_filter = VISIT_FILTERS.get(show, VISIT_FILTERS["week"])
    return visits_in_scope(actor).filter(label_filter[1](today())).order_by("due_on", "pk")


def entry_search(*, actor, show: str, name: str = "") -> QuerySet[ReturneeEntry]:
    require(actor, Capability.FOLLOWUP)
    qs = entries_in_scope(actor).filter(ENTRY_FILTERS.get(show, ENTRY_FILTERS["all"])[1](today()))
    if name:
        qs = qs.filter(name__contains=name)
    return qs.order_by("-discharged_on", "-pk")


def at_risk_search(*, actor, show: str) -> QuerySet[AtRiskPerson]:
    require(actor, Capability.FOLLOWUP)
    return at_risk_in_scope(actor).filter(AT_RISK_FILTERS.get(show, AT_RISK_FILTERS["listed"])[1]()) \
        .order_by("region__code", "name", "pk")


def audit_entries_shown(actor, ids, *, purpose: str) -> int:
    """One READ row per returnee shown (a single INSERT … SELECT); not registry persons: object ids only."""
    return audit_persons_shown(actor=actor, persons=ids, purpose=purpose, object_type=ENTRY_OBJECT_TYPE)


def audit_at_risk_shown(actor, ids, *, purpose: str) -> int:
    return audit_persons_shown(actor=actor, persons=ids, purpose=purpose, object_type=AT_RISK_OBJECT_TYPE)


def audit_visits_shown(actor, visits, *, purpose: str) -> None:
    """The persons of a page of visits: returnees and at-risk persons, each as their own object type."""
    audit_entries_shown(actor, [v.entry_id for v in visits if v.entry_id], purpose=purpose)
    audit_at_risk_shown(actor, [v.at_risk_id for v in visits if v.at_risk_id], purpose=purpose)


# ---- One record ------------------------------------------------------------------------------------------------

def entry_get(*, actor, entry_id: int, purpose: str = "page") -> ReturneeEntry:
    require(actor, Capability.FOLLOWUP)
    entry = get_or_404(entries_in_scope(actor), entry_id)
    audit_read(actor, entry, detail={"purpose": purpose})
    return entry


def visit_get(*, actor, visit_id: int, purpose: str = "page") -> FollowupVisit:
    require(actor, Capability.FOLLOWUP)
    visit = get_or_404(visits_in_scope(actor), visit_id)
    audit_read(actor, visit.subject, detail={"purpose": purpose, "visit": visit.pk})
    return visit


def at_risk_get(*, actor, person_id: int, purpose: str = "page") -> AtRiskPerson:
    require(actor, Capability.FOLLOWUP)
    person = get_or_404(at_risk_in_scope(actor), person_id)
    audit_read(actor, person, detail={"purpose": purpose})
    return person


# ---- Counts for the statutory reports (no persons) --------------------------------------------------------------

def counts(*, actor) -> dict[str, int]:
    """The figures the 专项行动 report asks for, in the actor's scope: entries, feedback, visits, registry. Aggregates
    only: those who follow up, and those who make the statistics and reports (analysts, ROLES.md) without any list
    of persons."""
    if not can(actor, Capability.VIEW_STATISTICS):
        require(actor, Capability.FOLLOWUP)
    entries = entries_in_scope(actor)
    visits = visits_in_scope(actor)
    return {
        "entries": entries.count(),
        "feedback_sent": entries.filter(feedback_sent_at__isnull=False).count(),
        "arrived": entries.filter(arrived_on__isnull=False).count(),
        "visits_done": visits.filter(status=VisitStatus.DONE).count(),
        "visits_overdue": visits.filter(status=VisitStatus.PLANNED, due_on__lt=today()).count(),
        "handed_over": visits.filter(Q(application__isnull=False) | Q(warning__isnull=False)).count(),
        "at_risk_listed": at_risk_in_scope(actor).filter(status=AtRiskStatus.LISTED).count(),
        "repeat_alerts": alerts_in_scope(actor).count(),
    }
