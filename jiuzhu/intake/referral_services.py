"""Referrals (转办) from the window to the responsible departments, and the department's handling of them.

    officer  referral_send        item PENDING, no referral open     → Referral SENT, item REFERRED
    clerk    referral_accept      SENT                               → ACCEPTED
    clerk    referral_return      SENT | ACCEPTED (reason required)  → RETURNED, item PENDING again
    clerk    referral_complete    SENT | ACCEPTED (outcome required) → COMPLETED, item GRANTED | REFUSED
    officer  referral_resend      after RETURNED (note required)     → a new Referral(previous=returned), SENT

A returned referral is never changed again: the re-send is a new row pointing at it, so the history stays.
Each write: capability → scope → status (re-checked under a row lock) → one transaction → audit row → event on
the applicant's household chain (the application's person, household and region). Every step is timed by its
*_at field. Deadlines are working days on the official calendar (core/workdays.py) from the item's time limit
in force for the applicant's region (catalog.item_terms).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import is_department_actor, region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake.catalog import CIVIL_AFFAIRS, item_terms
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import (
    REFERRAL_OPEN_STATUSES,
    Application,
    ApplicationItem,
    ApplicationStatus,
    ItemStatus,
    Referral,
    ReferralResult,
    ReferralStatus,
)
from jiuzhu.intake.services import clean_amount, clean_note, invalid

NOTE_MAX = 500
# An application a window has taken up (an online one must be accepted first); closed ones take no referral.
REFERABLE_APPLICATION_STATUSES = (ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS)


# ---- Guards -------------------------------------------------------------------------------------------------

def _require_officer(actor, application: Application) -> None:
    """The window's side: INTAKE, not a department, the application's region in the actor's scope."""
    require(actor, Capability.INTAKE)
    if is_department_actor(actor):
        raise DomainError("部门经办人员不能转办事项，只能办理转给本部门的事项", code="forbidden")
    if not region_in_scope(actor, application.region):
        raise DomainError("该申请不在您的管辖范围内", code="out_of_scope")


def _require_clerk(actor, referral: Referral) -> None:
    """The department's side: INTAKE, a clerk of the very organisation the referral was sent to."""
    require(actor, Capability.INTAKE)
    if not is_department_actor(actor) or actor.organization_id is None:
        raise DomainError("只有承办部门的经办人员才能办理转办事项", code="forbidden")
    if actor.organization_id != referral.organization_id:
        raise DomainError("该转办事项不是转给本部门的", code="out_of_scope")


def _require_status(referral: Referral, *allowed: str, doing: str) -> None:
    if referral.status not in allowed:
        raise DomainError(f"该转办是“{referral.get_status_display()}”状态，不能{doing}", code="invalid_status")


def _lock_referral(referral: Referral) -> Referral:
    """Re-reads the referral's status under a row lock, so two clerks cannot both act on it."""
    referral.status = Referral.objects.select_for_update().only("status").get(pk=referral.pk).status
    return referral


def _lock_item(item: ApplicationItem) -> ApplicationItem:
    item.status = ApplicationItem.objects.select_for_update().only("status").get(pk=item.pk).status
    return item


def _has_open_referral(item: ApplicationItem) -> bool:
    return Referral.objects.filter(application_item=item, status__in=REFERRAL_OPEN_STATUSES).exists()


def _latest(item: ApplicationItem) -> Referral | None:
    return Referral.objects.filter(application_item=item).order_by("-sent_at", "-pk").first()


def _item_sendable(item: ApplicationItem, application: Application) -> None:
    if application.status not in REFERABLE_APPLICATION_STATUSES:
        doing = "请先受理该申请" if application.status == ApplicationStatus.SUBMITTED else "不能再转办"
        raise DomainError(f"该申请是“{application.get_status_display()}”状态，{doing}", code="invalid_status")
    if item.department == CIVIL_AFFAIRS:
        raise DomainError(f"“{item.get_item_display()}”由民政部门自行办理，不转办", code="invalid_status")
    if item.status != ItemStatus.PENDING:
        raise DomainError(f"该事项是“{item.get_status_display()}”状态，不能转办", code="invalid_status")
    if _has_open_referral(item):
        raise DomainError("该事项已有未办结的转办", code="invalid_status")


# ---- The receiving department ----------------------------------------------------------------------------

def departments_for(item: ApplicationItem) -> list[Organization]:
    """The department organisations of the item's department code whose region is the applicant's region or
    one above it, nearest first (the default receiver is the first)."""
    region = item.application.region
    codes = region.ancestor_codes()
    rows = list(Organization.objects.filter(kind=OrganizationKind.DEPARTMENT, department=item.department,
                                            region__code__in=codes).select_related("region"))
    return sorted(rows, key=lambda org: (-len(org.region.path), org.name, org.pk))


def receiving_department(item: ApplicationItem, organization: Organization | None = None) -> Organization:
    """`organization` when it is one of the item's departments above the applicant's region; else the nearest."""
    candidates = departments_for(item)
    if organization is not None:
        if organization.pk not in {org.pk for org in candidates}:
            raise invalid("所选部门不是该事项的责任部门，或不在申请人所在地", "organization")
        return next(org for org in candidates if org.pk == organization.pk)
    if not candidates:
        raise invalid(f"申请人所在地没有登记“{item.get_item_display()}”的责任部门，无法转办", "organization")
    return candidates[0]


def referral_due_date(item: ApplicationItem, on: dt.date) -> dt.date:
    terms = item_terms(item.item, item.application.region, on)
    return add_working_days(on, terms.time_limit)


# ---- Events -------------------------------------------------------------------------------------------------

def _event(kind: str, referral: Referral, application: Application, actor, summary: str, payload: dict | None = None):
    item = referral.application_item
    return record_event(kind=kind, subject=referral, actor=actor, person_id=application.person_id,
                        household_id=application.household_id, region=application.region,
                        summary=f"转办（{item.get_item_display()}，{referral.organization.name}）：{summary}"[:300],
                        payload={"application": application.pk, "item": item.item, "referral": referral.pk,
                                 "organization": referral.organization_id, **(payload or {})})


def _create(*, actor, item: ApplicationItem, application: Application, organization: Organization, note: str,
            previous: Referral | None) -> Referral:
    now = timezone.now()
    day = timezone.localdate(now)
    referral = Referral(application_item=item, organization=organization, previous=previous, note=note,
                        due_date=referral_due_date(item, day), sent_by=actor, sent_at=now)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:  # one_open_referral_per_item: another officer referred it a moment ago
        raise DomainError("该事项已有未办结的转办", code="invalid_status") from None
    ApplicationItem.objects.filter(pk=item.pk).update(status=ItemStatus.REFERRED)
    item.status = ItemStatus.REFERRED
    referral.application_item = item
    return referral


# ---- The window's side ----------------------------------------------------------------------------------------

def referral_send(*, actor, item: ApplicationItem, note: str = "", organization: Organization | None = None)\
        -> Referral:
    """转办: sends an open item to its responsible department (the nearest one above the applicant's region,
    or `organization` if it is one of them), with a deadline of the item's time limit in working days."""
    application = item.application
    _require_officer(actor, application)
    note = clean_note(note, "note", "转办说明", required=False)
    _item_sendable(item, application)
    latest = _latest(item)
    if latest is not None and latest.status == ReferralStatus.RETURNED:
        raise DomainError("该事项的转办已被部门退回：请说明补正或修改的情况后“重新转办”", code="invalid_status")
    receiver = receiving_department(item, organization)
    with transaction.atomic():
        _lock_item(item)
        _item_sendable(item, application)
        referral = _create(actor=actor, item=item, application=application, organization=receiver, note=note,
                           previous=None)
        audit_change(AuditAction.CREATE, actor, referral, person_id=application.person_id,
                     changes={"item": item.item, "organization": receiver.pk,
                              "due_date": referral.due_date.isoformat()})
        _event(IntakeEvent.REFERRAL_SENT, referral, application, actor,
               f"转{receiver.name}办理，期限 {referral.due_date:%Y-%m-%d}" + (f"；{note}" if note else ""),
               {"due_date": referral.due_date.isoformat()})
    return referral


def referral_resend(*, actor, referral: Referral, note: str, organization: Organization | None = None) -> Referral:
    """重新转办 after a return: a new referral pointing at the returned one, with a new deadline; the note says
    what changed (materials added, the department's question answered)."""
    item = referral.application_item
    application = item.application
    _require_officer(actor, application)
    note = clean_note(note, "note", "重新转办说明（补正或修改了什么）", required=True, minimum=4)
    _require_status(referral, ReferralStatus.RETURNED, doing="重新转办")
    latest = _latest(item)
    if latest is not None and latest.pk != referral.pk:
        raise DomainError("该事项此后已重新转办过，请在最新的转办上操作", code="invalid_status")
    _item_sendable(item, application)
    receiver = receiving_department(item, organization or referral.organization)
    with transaction.atomic():
        _lock_item(item)
        _item_sendable(item, application)
        new = _create(actor=actor, item=item, application=application, organization=receiver, note=note,
                      previous=referral)
        audit_change(AuditAction.CREATE, actor, new, person_id=application.person_id,
                     changes={"item": item.item, "organization": receiver.pk, "previous": referral.pk,
                              "due_date": new.due_date.isoformat()})
        _event(IntakeEvent.REFERRAL_SENT, new, application, actor,
               f"退回后重新转{receiver.name}办理，期限 {new.due_date:%Y-%m-%d}；{note}",
               {"due_date": new.due_date.isoformat(), "previous": referral.pk, "resent": True})
    return new


# ---- The department's side -------------------------------------------------------------------------------------

def _application(referral: Referral) -> Application:
    return referral.application_item.application


def referral_accept(*, actor, referral: Referral) -> Referral:
    """接收: the department takes the referral up (SENT → ACCEPTED)."""
    _require_clerk(actor, referral)
    _require_status(referral, ReferralStatus.SENT, doing="接收")
    application = _application(referral)
    now = timezone.now()
    with transaction.atomic():
        _lock_referral(referral)
        _require_status(referral, ReferralStatus.SENT, doing="接收")
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACCEPTED, accepted_by=actor,
                                                       accepted_at=now)
        referral.status, referral.accepted_by, referral.accepted_at = ReferralStatus.ACCEPTED, actor, now
        audit_change(AuditAction.UPDATE, actor, referral, person_id=application.person_id,
                     changes={"status": ReferralStatus.ACCEPTED.value})
        _event(IntakeEvent.REFERRAL_ACCEPTED, referral, application, actor, "部门已接收，办理中")
    return referral


def referral_return(*, actor, referral: Referral, reason: str) -> Referral:
    """退回: back to the window with a written reason (never silently); the item waits at the window again."""
    _require_clerk(actor, referral)
    reason = clean_note(reason, "reason", "退回理由", required=True, minimum=4)
    _require_status(referral, *REFERRAL_OPEN_STATUSES, doing="退回")
    application = _application(referral)
    now = timezone.now()
    with transaction.atomic():
        _lock_referral(referral)
        _require_status(referral, *REFERRAL_OPEN_STATUSES, doing="退回")
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.RETURNED, returned_by=actor,
                                                       returned_at=now, return_reason=reason)
        referral.status, referral.returned_by, referral.returned_at, referral.return_reason = (
            ReferralStatus.RETURNED, actor, now, reason)
        ApplicationItem.objects.filter(pk=referral.application_item_id, status=ItemStatus.REFERRED)\
            .update(status=ItemStatus.PENDING)
        referral.application_item.status = ItemStatus.PENDING
        audit_change(AuditAction.UPDATE, actor, referral, person_id=application.person_id,
                     changes={"status": ReferralStatus.RETURNED.value, "reason": reason})
        _event(IntakeEvent.REFERRAL_RETURNED, referral, application, actor, f"部门退回：{reason}",
               {"reason": reason})
    return referral


def referral_complete(*, actor, referral: Referral, result: str, outcome: str, amount=None) -> Referral:
    """办结: the department's outcome. Granted (an amount may be given) or refused (the outcome is the written
    reason the applicant will read); the item takes the result, its outcome and reason copied."""
    _require_clerk(actor, referral)
    if result not in ReferralResult.values:
        raise invalid("请选择办理结果（给予救助或不予救助）", "result")
    granted = result == ReferralResult.GRANTED
    outcome = clean_note(outcome, "outcome", "办理情况" if granted else "不予救助的理由", required=True, minimum=4)
    amount = clean_amount(amount)
    if not granted and amount:
        raise invalid("不予救助时不填写救助金额", "amount")
    _require_status(referral, *REFERRAL_OPEN_STATUSES, doing="办结")
    application = _application(referral)
    now = timezone.now()
    with transaction.atomic():
        _lock_referral(referral)
        _require_status(referral, *REFERRAL_OPEN_STATUSES, doing="办结")
        accepted = {} if referral.accepted_at else {"accepted_by": actor, "accepted_at": now}
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.COMPLETED, completed_by=actor,
                                                       completed_at=now, result=result, outcome=outcome,
                                                       amount=amount, **accepted)
        referral.status, referral.completed_by, referral.completed_at = ReferralStatus.COMPLETED, actor, now
        referral.result, referral.outcome, referral.amount = result, outcome, amount
        for key, value in accepted.items():
            setattr(referral, key, value)
        item_status = ItemStatus.GRANTED if granted else ItemStatus.REFUSED
        ApplicationItem.objects.filter(pk=referral.application_item_id).update(
            status=item_status, outcome=outcome, refusal_reason="" if granted else outcome,
            amount=amount if granted else None, decided_by=actor, decided_at=now)
        referral.application_item.status = item_status
        audit_change(AuditAction.UPDATE, actor, referral, person_id=application.person_id,
                     changes={"status": ReferralStatus.COMPLETED.value, "result": result,
                              "amount": str(amount) if amount is not None else None})
        money = f"，金额 {amount} 元" if amount is not None else ""
        _event(IntakeEvent.REFERRAL_COMPLETED, referral, application, actor,
               f"部门办结：{ReferralResult(result).label}{money}；{outcome}",
               {"result": result, "amount": str(amount) if amount is not None else None})
    return referral
