"""Reads of the referral part: the department's inbox (and the officers' list of their applications'
referrals), one referral with its application, an item with its referral history, and the work-list sets.
Scope comes from selectors.py (REFERRAL_SCOPE, APPLICATION_SCOPE): a clerk sees only referrals sent to their
own department, an officer those of applications in their region subtree; anything else is 404. Every person
shown is audited (set-based for lists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.http import Http404

from jiuzhu.core.audit import audit_persons_shown, audit_read
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.core.workdays import is_provisional, working_days_left
from jiuzhu.intake.models import (
    ITEM_OPEN_STATUSES,
    REFERRAL_OPEN_STATUSES,
    ApplicationItem,
    ItemStatus,
    Referral,
    ReferralStatus,
)
from jiuzhu.intake.referral_services import REFERABLE_APPLICATION_STATUSES
from jiuzhu.intake.selectors import applications_in_scope, referral_get, referrals_in_scope
from jiuzhu.intake.services import today

PAGE_SIZE = 50
OPEN = "open"  # the inbox's default filter: 待接收 and 办理中
STATUS_FILTERS = [(OPEN, "待办（待接收、办理中）"), *ReferralStatus.choices, ("all", "全部")]


def applicant_id_masked(application) -> str:
    try:
        return mask_id_number(decrypt_text(application.applicant_id_cipher))
    except ValueError:
        return "（无法读取）"


def applicant_id_shown(actor, application) -> str:
    """The applicant's number as this actor may see it (full only with VIEW_FULL_ID; never beside a birth
    date: pages show no birth date)."""
    try:
        number = decrypt_text(application.applicant_id_cipher)
    except ValueError:
        return "（无法读取）"
    return number if can(actor, Capability.VIEW_FULL_ID) else mask_id_number(number)


def deadline_text(due: dt.date | None, *, on: dt.date | None = None, done: bool = False) -> str:
    """"2026-10-12（还剩 3 个工作日）" / "（今天到期）" / "（已超期 2 个工作日）"; provisional years say so."""
    if due is None:
        return "未设期限"
    text = f"{due:%Y-%m-%d}"
    if not done:
        left = working_days_left(on or today(), due)
        if left > 0:
            text += f"（还剩 {left} 个工作日）"
        elif left == 0:
            text += "（今天到期）" if due == (on or today()) else "（期限已到）"
        else:
            text += f"（已超期 {-left} 个工作日）"
    if is_provisional(due):
        text += "（该年放假安排未公布，暂按周末推算）"
    return text


# ---- The inbox --------------------------------------------------------------------------------------------

@dataclass
class InboxFilters:
    status: str = OPEN
    overdue: bool = False

    def query(self) -> str:
        return f"status={self.status}" + ("&overdue=1" if self.overdue else "")


def parse_filters(params) -> InboxFilters:
    status = params.get("status") or OPEN
    if status not in {code for code, _ in STATUS_FILTERS}:
        status = OPEN
    return InboxFilters(status=status, overdue=params.get("overdue") in {"1", "on", "true"})


def inbox(*, actor, filters: InboxFilters | None = None) -> QuerySet[Referral]:
    """The clerk's referrals (their department's only) or an officer's (their applications'): open first,
    oldest deadline first."""
    filters = filters or InboxFilters()
    rows = referrals_in_scope(actor).select_related(
        "organization", "sent_by", "application_item", "application_item__application",
        "application_item__application__organization", "application_item__application__region")
    if filters.status == OPEN or filters.overdue:
        rows = rows.filter(status__in=REFERRAL_OPEN_STATUSES)
    if filters.status not in (OPEN, "all"):
        rows = rows.filter(status=filters.status)
    if filters.overdue:
        rows = rows.filter(due_date__lt=today())
    if filters.status in (OPEN,) or filters.overdue:
        return rows.order_by("due_date", "pk")
    still_open = Case(When(status__in=REFERRAL_OPEN_STATUSES, then=Value(0)), default=Value(1),
                      output_field=IntegerField())
    return rows.order_by(still_open, "due_date", "pk")


def inbox_rows(actor, referrals: list[Referral]) -> list[dict]:
    """What a row shows: item, applicant (masked number), deadline with working days left, the sending window.
    The registry persons shown are audited, set-based."""
    audit_persons_shown(actor=actor, persons=sorted({r.application_item.application.person_id for r in referrals
                                                     if r.application_item.application.person_id}),
                        purpose="referral_inbox")
    on = today()
    rows = []
    for r in referrals:
        application = r.application_item.application
        is_open = r.status in REFERRAL_OPEN_STATUSES
        rows.append({"r": r, "item": r.application_item, "application": application,
                     "applicant": application.applicant_name, "id_masked": applicant_id_masked(application),
                     "deadline": deadline_text(r.due_date, on=on, done=not is_open),
                     "overdue": is_open and r.due_date < on, "open": is_open,
                     "window": application.organization.name if application.organization_id else "网上申请",
                     "sent_by": r.sent_by.full_name or r.sent_by.username})
    return rows


# ---- One referral, one item ----------------------------------------------------------------------------------

def referral_view(*, actor, referral_id: int, purpose: str = "referral") -> Referral:
    """One referral in scope (404 otherwise); showing its applicant is audited."""
    referral = referral_get(actor=actor, referral_id=referral_id)
    referral = Referral.objects.select_related(
        "organization", "sent_by", "accepted_by", "returned_by", "completed_by", "application_item",
        "application_item__application", "application_item__application__region",
        "application_item__application__organization", "application_item__application__first_officer",
    ).get(pk=referral.pk)
    audit_read(actor, referral.application_item.application, person_id=referral.application_item.application.person_id,
               detail={"purpose": purpose, "referral": referral.pk})
    return referral


def item_get(*, actor, item_id: int, purpose: str = "item_referrals") -> ApplicationItem:
    """An application's item for the window's side (officers in the application's scope); departments reach
    items only through their referrals, so for them it is 404."""
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):
        raise Http404("记录不存在或不在您的管辖范围内")
    item = ApplicationItem.objects.select_related("application", "application__region",
                                                  "application__organization", "application__first_officer")\
        .filter(pk=item_id, application__in=applications_in_scope(actor)).first()
    if item is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    audit_read(actor, item.application, person_id=item.application.person_id,
               detail={"purpose": purpose, "item": item.pk})
    return item


def item_history(item: ApplicationItem) -> list[Referral]:
    """Every referral of the item, oldest first (a re-send after its returned predecessor)."""
    return list(Referral.objects.filter(application_item=item).select_related(
        "organization", "sent_by", "accepted_by", "returned_by", "completed_by").order_by("sent_at", "pk"))


def item_actions(actor, item: ApplicationItem, history: list[Referral]) -> dict:
    """Which form the window's side gets for this item: 转办 (open, nothing open, never returned last),
    重新转办 (the last referral returned), or none."""
    officer = can(actor, Capability.INTAKE) and not is_department_actor(actor)
    latest = history[-1] if history else None
    referable = (officer and item.department != "" and item.status == ItemStatus.PENDING
                 and item.application.status in REFERABLE_APPLICATION_STATUSES)
    return {
        "officer": officer,
        "may_send": referable and latest is None,
        "may_resend": referable and latest is not None and latest.status == ReferralStatus.RETURNED,
        "latest": latest,
        "item_open": item.status in ITEM_OPEN_STATUSES,
    }


def materials(application, *, actor, item: ApplicationItem) -> list[ApplicationItem]:
    """The items and their materials a referral's page shows: a department sees only the item referred to it
    (it sees only what was sent to it); the window's side sees every item of the application."""
    rows = application.items.prefetch_related("materials").order_by("pk")
    if is_department_actor(actor):
        rows = rows.filter(pk=item.pk)
    return list(rows)


# ---- Work-list sets ------------------------------------------------------------------------------------------

def waiting_acceptance(actor) -> QuerySet[Referral]:
    return referrals_in_scope(actor).filter(status=ReferralStatus.SENT)


def in_progress(actor) -> QuerySet[Referral]:
    return referrals_in_scope(actor).filter(status=ReferralStatus.ACCEPTED)


def overdue_open(actor) -> QuerySet[Referral]:
    """Open referrals the sweep has marked late (their deadline passed)."""
    return referrals_in_scope(actor).filter(status__in=REFERRAL_OPEN_STATUSES, overdue_notified_on__isnull=False)


def returned_to_resend(actor) -> QuerySet[Referral]:
    """Returned referrals whose item still waits at the window (not re-sent since, not otherwise decided)."""
    resent = Referral.objects.filter(previous=OuterRef("pk"))
    return referrals_in_scope(actor).filter(status=ReferralStatus.RETURNED,
                                            application_item__status=ItemStatus.PENDING)\
        .filter(~Exists(resent))


# ---- What the deadline sweep marked, for the level above (督办) -------------------------------------------------

def overdue_applications(actor) -> QuerySet:
    """Open applications in the actor's scope that the sweep marked late."""
    from jiuzhu.intake.models import OPEN_Q

    return applications_in_scope(actor).filter(OPEN_Q, overdue_notified_on__isnull=False)


def overdue_assist_first(actor) -> QuerySet:
    """Assist-first grants whose paperwork is past its deadline and not completed, in the actor's scope."""
    from jiuzhu.intake.models import AssistFirst

    return AssistFirst.objects.filter(application__in=applications_in_scope(actor), completed_at__isnull=True,
                                      paperwork_due_date__lt=today())
