"""Reads of DNA 比对: a client's referrals, and which clients wait for one (the work list and its page).

A client waits when in stay, unidentified, with no referral yet, or when the referral asked for is not collected.
Overdue: past the 7-working-day deadline, or long-stay (unidentified over 10 days) without any referral. The
deadline of a client with no referral is counted in SQL without a per-row calendar: add_working_days is
monotonic in its start, so every admission up to `overdue_admitted_by(on)` is past due on `on`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jiuzhu.core.workdays import add_working_days
from jiuzhu.familysearch.models import DNA_DUE_WORKING_DAYS, DnaReferral, DnaStatus
from jiuzhu.rescue import cases_selectors
from jiuzhu.rescue.models import STAY_STATUSES, RescueCase


def today() -> dt.date:
    return timezone.localdate()


def overdue_admitted_by(on: dt.date) -> dt.date:
    """The latest admission day whose referral deadline is before `on` (a few calendar steps back)."""
    day = on - dt.timedelta(days=DNA_DUE_WORKING_DAYS)
    while add_working_days(day, DNA_DUE_WORKING_DAYS) >= on:
        day -= dt.timedelta(days=1)
    return day


def _unidentified() -> Q:
    return Q(status__in=STAY_STATUSES, identity_confirmed=False)


def _no_referral() -> Q:
    return ~Exists(DnaReferral.objects.filter(case=OuterRef("pk")))


def _requested(**extra) -> Q:
    return Q(pk__in=DnaReferral.objects.filter(status=DnaStatus.REQUESTED, **extra).values("case_id"))


def overdue_q(on: dt.date) -> Q:
    late = Q(long_stay=True) | Q(admitted_on__lte=overdue_admitted_by(on))
    return _unidentified() & ((_no_referral() & late) | _requested(due_on__lt=on))


def due_q(on: dt.date) -> Q:
    """Waiting, not overdue yet."""
    return _unidentified() & ((_no_referral() & Q(long_stay=False, admitted_on__gt=overdue_admitted_by(on)))
                              | _requested(due_on__gte=on))


SHOW = {"overdue": ("已超过 7 个工作日期限", overdue_q), "due": ("期限内待办", due_q)}


def waiting(*, actor, show: str = "overdue"):
    """The clients of the list page, in scope (RESCUE_CASES; 403 without it), oldest admission first."""
    q = SHOW.get(show, SHOW["overdue"])[1](today())
    return cases_selectors.cases_in_scope(actor).filter(q).select_related("station").order_by("admitted_on", "pk")


def case_get(*, actor, case_id: int) -> RescueCase:
    """The record of the DNA page, audited; 404 out of scope."""
    return cases_selectors.case_get(actor=actor, case_id=case_id, purpose="dna_referral")


def referrals_of(case: RescueCase) -> list[DnaReferral]:
    return list(DnaReferral.objects.filter(case=case).select_related("requested_by", "collected_by", "result_by")
                .order_by("-requested_on", "-pk"))
