"""The window's steps on an application after it is taken (application_create in services.py): accepting an
online application or a lead, refusing to accept it, the one-time notice, materials brought in, the township's
初审意见 and the county's decision on an in-house item, closing (办结), withdrawal, and assist-first (先行救助).

Every write follows core's rule: capability → scope → status guard → one transaction (the status re-read under
a row lock) → audit_change → record_event with the application's person and household, so the step is on the
household's assistance chain. A refused step raises DomainError with a Chinese message.

Status: SUBMITTED → (accept) MATERIALS_PENDING or IN_PROGRESS; MATERIALS_PENDING → (materials received, none
missing) IN_PROGRESS; MATERIALS_PENDING or IN_PROGRESS → (close, every item decided and no referral open)
COMPLETED; SUBMITTED or MATERIALS_PENDING → NOT_ACCEPTED (with the reason); any open status → WITHDRAWN.
An in-house item: PENDING → (propose) PROPOSED → (decide) GRANTED or REFUSED; the approver may also decide a
PENDING item directly. Referred items are the referrals part's (referral_services.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Region, RegionLevel
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import is_department_actor, region_in_scope
from jiuzhu.core.workdays import add_working_days
from jiuzhu.intake import settings_catalog as sc
from jiuzhu.intake.catalog import CIVIL_AFFAIRS, item_terms
from jiuzhu.intake.events import IntakeEvent
from jiuzhu.intake.models import (
    ITEM_OPEN_STATUSES,
    REFERRAL_OPEN_STATUSES,
    Application,
    ApplicationItem,
    ApplicationStatus,
    AssistFirst,
    ItemStatus,
    MaterialChecklist,
    Referral,
    RequiredMaterial,
)
from jiuzhu.intake.services import application_create, clean_amount, clean_id_number, clean_note

# The one-time notice gives the applicant this many working days to bring what is missing. A constant for now
# (the region settings catalogue is not the window part's file); the printed notice shows the date.
NOTICE_COMPLETE_DAYS = 10
# Assist-first: the paperwork (materials, the county's confirmation) is due 5 working days after the payment,
# the shortest item time limit of the catalogue's urgent lines (急难型临时救助 3, 惠民殡葬 5) rounded to a week.
ASSIST_FIRST_PAPERWORK_DAYS = 5
ACCEPTED_OPEN = (ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS)
OPEN = (ApplicationStatus.SUBMITTED, *ACCEPTED_OPEN)


# ---- Guards ---------------------------------------------------------------------------------------------

def _require_window(actor, application: Application, capability: str = Capability.INTAKE) -> None:
    """Civil affairs' side (window, township or county officer) with the capability, the application in scope."""
    require(actor, capability)
    if is_department_actor(actor):
        raise DomainError("部门经办人员只能办理转办给本部门的事项", code="forbidden")
    if not region_in_scope(actor, application.region):
        raise DomainError("该申请不在您的管辖范围内", code="out_of_scope")


def takes_applications(actor) -> bool:
    """Civil affairs' side takes applications (一表登记) and works them; a department handles only the items
    referred to it. Asked by the window's pages and the menu (apps.py)."""
    return can(actor, Capability.INTAKE) and not is_department_actor(actor)


def serves_a_village(actor) -> bool:
    """A coordinator or grid worker serves one village: they register leads, a window accepts them."""
    return actor.region_id is not None and actor.region.level == RegionLevel.VILLAGE


def _require_status(application: Application, allowed, doing: str) -> None:
    if application.status not in allowed:
        raise DomainError(f"该申请是“{application.get_status_display()}”状态，不能{doing}", code="invalid_status")


def _require_item_status(item: ApplicationItem, allowed, doing: str) -> None:
    if item.status not in allowed:
        raise DomainError(f"该事项是“{item.get_status_display()}”状态，不能{doing}", code="invalid_status")


def _lock(application: Application) -> Application:
    """Re-reads the status under a row lock, so two officers cannot both act on the application."""
    current = Application.objects.select_for_update().only("status").get(pk=application.pk)
    application.status = current.status
    return application


def _lock_item(item: ApplicationItem) -> ApplicationItem:
    current = ApplicationItem.objects.select_for_update().only("status").get(pk=item.pk)
    item.status = current.status
    return item


def _event(kind: str, application: Application, actor, summary: str, payload: dict | None = None):
    return record_event(kind=kind, subject=application, actor=actor, person_id=application.person_id,
                        household_id=application.household_id, region=application.region,
                        summary=summary, payload={"query_code": application.query_code, **(payload or {})})


def _audit(actor, obj, application: Application, changes: dict) -> None:
    audit_change(AuditAction.UPDATE if obj is application else AuditAction.CREATE, actor, obj,
                 person_id=application.person_id, changes={"application": application.pk, **changes})


def missing_materials(application: Application):
    """The lines not yet received, every item at once, in the items' order (the one-time notice's list)."""
    return RequiredMaterial.objects.filter(application_item__application=application, received=False)\
        .select_related("application_item").order_by("application_item_id", "pk")


def open_referrals(application: Application):
    return Referral.objects.filter(application_item__application=application, status__in=REFERRAL_OPEN_STATUSES)


# ---- Taking an application with the registration form -----------------------------------------------------

def application_take(*, actor, register_household: bool = False, hukou_type: str = "", **fields) -> Application:
    """一表登记 at a window: application_create, and when asked, the applicant registered first as a one-person
    household in the low-income registry (registry.services.household_register), both in one transaction, so
    the application is linked to the new person. Without the option it is application_create as such."""
    if not register_household:
        return application_create(actor=actor, **fields)
    from jiuzhu.registry.services import household_register, household_register_check

    region: Region | None = fields.get("region")
    if region is None or region.level != "village":
        raise DomainError("登记到低收入人口库时，居住地须选到村（社区）", code="validation_error", field="region")
    number = clean_id_number(fields.get("applicant_id_number", ""))
    household = {"region_code": region.code, "address": fields.get("address", ""), "hukou_type": hukou_type}
    members = [{"id_number": number, "name": fields.get("applicant_name", ""), "relation": "head",
                "phone": fields.get("applicant_phone", "")}]
    try:
        household_register_check(actor=actor, household=household, members=members)
    except DomainError as exc:
        raise DomainError(f"登记到低收入人口库未成功：{exc.message}", code=exc.code,
                          field="register_household") from None
    with transaction.atomic():
        household_register(actor=actor, household=household, members=members)
        return application_create(actor=actor, **fields)


# ---- Accepting, or refusing to accept -----------------------------------------------------------------

def application_accept(*, actor, application: Application) -> Application:
    """A SUBMITTED application (online, a lead, a rescue station's transfer) taken up by a window: the actor
    becomes the first officer (首问负责), and every deadline is counted from today in working days."""
    _require_window(actor, application)
    if serves_a_village(actor):
        raise DomainError("村（社区）只登记线索，须由乡镇（街道）或县级窗口受理", code="forbidden")
    _require_status(application, (ApplicationStatus.SUBMITTED,), "受理")
    now = timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        _lock(application)
        _require_status(application, (ApplicationStatus.SUBMITTED,), "受理")
        items = list(application.items.all())
        for item in items:
            item.due_date = add_working_days(day, item_terms(item.item, application.region, day).time_limit)
        ApplicationItem.objects.bulk_update(items, ["due_date"])
        missing = missing_materials(application).exists()
        application.status = ApplicationStatus.MATERIALS_PENDING if missing else ApplicationStatus.IN_PROGRESS
        application.first_officer = actor
        application.organization = actor.organization
        application.accepted_at = now
        application.due_date = max(i.due_date for i in items)
        application.save(update_fields=["status", "first_officer", "organization", "accepted_at", "due_date"])
        _audit(actor, application, application, {"status": application.status})
        _event(IntakeEvent.APPLICATION_ACCEPTED, application, actor,
               f"窗口受理（{actor.organization or actor}），办结期限 {application.due_date:%Y-%m-%d}",
               {"due_date": application.due_date.isoformat()})
    return application


def application_not_accept(*, actor, application: Application, reason: str) -> Application:
    """不予受理, with the written reason the applicant is told (SUBMITTED or MATERIALS_PENDING only)."""
    _require_window(actor, application)
    allowed = (ApplicationStatus.SUBMITTED, ApplicationStatus.MATERIALS_PENDING)
    _require_status(application, allowed, "不予受理")
    reason = clean_note(reason, "reason", "不予受理理由", maximum=500)
    with transaction.atomic():
        _lock(application)
        _require_status(application, allowed, "不予受理")
        if open_referrals(application).exists():
            raise DomainError("有转办事项尚在部门办理中，不能不予受理", code="invalid_status")
        _finish(application, actor, ApplicationStatus.NOT_ACCEPTED, refusal_reason=reason)
        _audit(actor, application, application, {"status": application.status, "reason": reason})
        _event(IntakeEvent.APPLICATION_NOT_ACCEPTED, application, actor, f"不予受理：{reason}"[:300],
               {"reason": reason})
    return application


def _finish(application: Application, actor, status: str, **fields) -> None:
    now = timezone.now()
    for name, value in {"status": status, "closed_at": now, "closed_by": actor, **fields}.items():
        setattr(application, name, value)
    application.save(update_fields=["status", "closed_at", "closed_by", *fields])


# ---- The one-time notice and the materials -----------------------------------------------------------------

def notice_issue(*, actor, application: Application) -> MaterialChecklist:
    """一次性告知书: every material still missing, of every item, listed at once, with a completion deadline
    NOTICE_COMPLETE_DAYS working days from today. Numbered 告知-<query code>-<n> (n: the application's n-th)."""
    _require_window(actor, application)
    _require_status(application, (ApplicationStatus.MATERIALS_PENDING,), "出具一次性告知书")
    with transaction.atomic():
        _lock(application)
        _require_status(application, (ApplicationStatus.MATERIALS_PENDING,), "出具一次性告知书")
        missing = [{"item": m.application_item.item, "item_name": m.application_item.get_item_display(),
                    "name": m.name} for m in missing_materials(application)]
        if not missing:
            raise DomainError("材料已齐全，无需出具一次性告知书", code="invalid_status")
        n = application.notices.count() + 1
        notice = MaterialChecklist.objects.create(
            application=application, number=f"告知-{application.query_code}-{n}", missing=missing,
            complete_by=add_working_days(timezone.localdate(), NOTICE_COMPLETE_DAYS), issued_by=actor)
        _audit(actor, notice, application, {"number": notice.number, "missing": len(missing)})
        _event(IntakeEvent.NOTICE_ISSUED, application, actor,
               f"出具一次性告知书 {notice.number}：缺少 {len(missing)} 项材料，{notice.complete_by:%Y-%m-%d} 前补齐",
               {"notice": notice.pk, "missing": [m["name"] for m in missing]})
    return notice


def materials_receive(*, actor, application: Application, material_ids: list[int]) -> list[RequiredMaterial]:
    """Materials brought in (补正): the lines are marked received; once none is missing, MATERIALS_PENDING →
    IN_PROGRESS. Lines already received are left as they were."""
    _require_window(actor, application)
    _require_status(application, ACCEPTED_OPEN, "登记收到材料")
    try:
        ids = sorted({int(i) for i in material_ids})
    except (TypeError, ValueError):
        raise DomainError("所选材料有误，请刷新页面后重试", code="validation_error", field="materials") from None
    if not ids:
        raise DomainError("请勾选收到的材料", code="validation_error", field="materials")
    with transaction.atomic():
        _lock(application)
        _require_status(application, ACCEPTED_OPEN, "登记收到材料")
        rows = list(RequiredMaterial.objects.select_for_update().filter(
            pk__in=ids, application_item__application=application))
        if len(rows) != len(ids):
            raise DomainError("所选材料不属于该申请，请刷新页面后重试", code="validation_error", field="materials")
        now = timezone.now()
        fresh = [m for m in rows if not m.received]
        for m in fresh:
            m.received, m.received_at, m.received_by = True, now, actor
        RequiredMaterial.objects.bulk_update(fresh, ["received", "received_at", "received_by"])
        complete = not missing_materials(application).exists()
        if complete and application.status == ApplicationStatus.MATERIALS_PENDING:
            application.status = ApplicationStatus.IN_PROGRESS
            application.save(update_fields=["status"])
        _audit(actor, application, application, {"received": [m.name for m in fresh], "status": application.status})
        names = "、".join(m.name for m in fresh) or "（均已收到过）"
        _event(IntakeEvent.MATERIALS_RECEIVED, application, actor,
               (f"收到材料：{names}" + ("；材料已齐全" if complete else ""))[:300],
               {"materials": [m.pk for m in fresh], "complete": complete})
    return rows


# ---- In-house items: 初审意见 and the decision -----------------------------------------------------------------

def _require_in_house(item: ApplicationItem, doing: str) -> None:
    if item.department != CIVIL_AFFAIRS:
        raise DomainError(f"“{item.get_item_display()}”由责任部门办理，请转办，不能在此{doing}",
                          code="invalid_status")


def _item_missing(item: ApplicationItem) -> list[str]:
    return list(item.materials.filter(received=False).values_list("name", flat=True))


def item_propose(*, actor, item: ApplicationItem, proposal: str) -> ApplicationItem:
    """The window officer's 初审意见 on an in-house item whose materials are complete: PENDING → PROPOSED."""
    application = item.application
    _require_window(actor, application)
    _require_status(application, ACCEPTED_OPEN, "提出初审意见")
    _require_in_house(item, "提出初审意见")
    _require_item_status(item, (ItemStatus.PENDING,), "提出初审意见")
    proposal = clean_note(proposal, "proposal", "初审意见", maximum=500)
    with transaction.atomic():
        _lock(application)
        _lock_item(item)
        _require_status(application, ACCEPTED_OPEN, "提出初审意见")
        _require_item_status(item, (ItemStatus.PENDING,), "提出初审意见")
        missing = _item_missing(item)
        if missing:
            raise DomainError(f"该事项材料尚未齐全（缺少{'、'.join(missing)}），请先补正材料", code="invalid_status")
        item.status, item.proposal, item.proposed_by, item.proposed_at = (
            ItemStatus.PROPOSED, proposal, actor, timezone.now())
        item.save(update_fields=["status", "proposal", "proposed_by", "proposed_at"])
        _audit(actor, application, application, {"item": item.item, "status": item.status})
        _event(IntakeEvent.ITEM_PROPOSED, application, actor,
               f"{item.get_item_display()}：初审意见：{proposal}"[:300], {"item": item.item})
    return item


def item_decide(*, actor, item: ApplicationItem, granted: bool, reason: str = "", outcome: str = "",
                amount=None) -> ApplicationItem:
    """The approver's decision (DECIDE_INTAKE) on an in-house item, PROPOSED or PENDING → GRANTED or REFUSED.
    A refusal needs the written reason the applicant is told; a grant needs the item's materials complete and
    may carry an amount."""
    application = item.application
    _require_window(actor, application, Capability.DECIDE_INTAKE)
    allowed = (ItemStatus.PENDING, ItemStatus.PROPOSED)
    _require_status(application, ACCEPTED_OPEN, "审核确认")
    _require_in_house(item, "审核确认")
    _require_item_status(item, allowed, "审核确认")
    reason = "" if granted else clean_note(reason, "reason", "不予救助理由", maximum=500)
    outcome = " ".join((outcome or "").split())
    if len(outcome) > 500:
        raise DomainError("办理结果不能超过 500 个字", code="validation_error", field="outcome")
    amount = clean_amount(amount) if granted else None
    with transaction.atomic():
        _lock(application)
        _lock_item(item)
        _require_status(application, ACCEPTED_OPEN, "审核确认")
        _require_item_status(item, allowed, "审核确认")
        if granted and (missing := _item_missing(item)):
            raise DomainError(f"该事项材料尚未齐全（缺少{'、'.join(missing)}），不能给予救助", code="invalid_status")
        item.status = ItemStatus.GRANTED if granted else ItemStatus.REFUSED
        item.refusal_reason, item.outcome, item.amount = reason, outcome, amount
        item.decided_by, item.decided_at = actor, timezone.now()
        item.save(update_fields=["status", "refusal_reason", "outcome", "amount", "decided_by", "decided_at"])
        _audit(actor, application, application, {"item": item.item, "status": item.status,
                                                 "amount": str(amount) if amount is not None else None})
        said = (f"给予救助{f'，{amount} 元' if amount is not None else ''}" if granted else f"不予救助：{reason}")
        _event(IntakeEvent.ITEM_DECIDED, application, actor, f"{item.get_item_display()}：{said}"[:300],
               {"item": item.item, "granted": granted, "amount": str(amount) if amount is not None else None})
    return item


# ---- Closing and withdrawal --------------------------------------------------------------------------------

def application_close(*, actor, application: Application, note: str = "") -> Application:
    """办结: every item decided (none pending, proposed or referred) and no referral open."""
    _require_window(actor, application)
    _require_status(application, ACCEPTED_OPEN, "办结")
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise DomainError("办理结果不能超过 500 个字", code="validation_error", field="note")
    with transaction.atomic():
        _lock(application)
        _require_status(application, ACCEPTED_OPEN, "办结")
        if open_referrals(application).exists():
            raise DomainError("有转办事项尚在部门办理中，不能办结", code="invalid_status")
        open_items = [i.get_item_display() for i in application.items.filter(status__in=ITEM_OPEN_STATUSES)]
        if open_items:
            raise DomainError(f"还有事项未办理完毕（{'、'.join(open_items)}），不能办结", code="invalid_status")
        _finish(application, actor, ApplicationStatus.COMPLETED, outcome_note=note)
        _audit(actor, application, application, {"status": application.status})
        _event(IntakeEvent.APPLICATION_CLOSED, application, actor, f"办结{f'：{note}' if note else ''}"[:300])
    return application


def application_withdraw(*, actor, application: Application, reason: str) -> Application:
    """The applicant withdraws (撤回): the open in-house items are withdrawn with it. Refused while a
    referral is open (the department is asked to return it first)."""
    _require_window(actor, application)
    _require_status(application, OPEN, "撤回")
    reason = clean_note(reason, "reason", "撤回原因", maximum=500)
    with transaction.atomic():
        _lock(application)
        _require_status(application, OPEN, "撤回")
        if open_referrals(application).exists():
            raise DomainError("有转办事项尚在部门办理中，请先联系部门退回后再撤回", code="invalid_status")
        application.items.filter(status__in=(ItemStatus.PENDING, ItemStatus.PROPOSED))\
            .update(status=ItemStatus.WITHDRAWN)
        _finish(application, actor, ApplicationStatus.WITHDRAWN, outcome_note=reason)
        _audit(actor, application, application, {"status": application.status, "reason": reason})
        _event(IntakeEvent.APPLICATION_WITHDRAWN, application, actor, f"申请人撤回：{reason}"[:300])
    return application


# ---- Assist-first (急难/先行救助) ---------------------------------------------------------------------------

def assist_first_limit(application: Application, on: dt.date | None = None) -> Decimal:
    return Decimal(str(setting_value(sc.ASSIST_FIRST_LIMIT_KEY, application.region, on or timezone.localdate(),
                                     default=Decimal("1000"))))


def assist_first_grant(*, actor, application: Application, amount, reason: str) -> AssistFirst:
    """Small temporary assistance paid at once, within the region's limit (intake_assist_first_limit); its
    paperwork is due ASSIST_FIRST_PAPERWORK_DAYS working days later. One outstanding at a time."""
    _require_window(actor, application)
    _require_status(application, ACCEPTED_OPEN, "先行救助")
    amount = clean_amount(amount, required=True)
    if amount <= 0:
        raise DomainError("救助金额应大于 0", code="validation_error", field="amount")
    day = timezone.localdate()
    limit = assist_first_limit(application, day)
    if amount > limit:
        raise DomainError(f"先行救助单次不能超过 {limit} 元（当地限额），超出部分请按临时救助程序审批",
                          code="validation_error", field="amount")
    reason = clean_note(reason, "reason", "急难情形", maximum=500)
    with transaction.atomic():
        _lock(application)
        _require_status(application, ACCEPTED_OPEN, "先行救助")
        if application.assist_first.filter(completed_at__isnull=True).exists():
            raise DomainError("该申请已有先行救助尚未补齐手续，请先补齐", code="invalid_status")
        assist = AssistFirst.objects.create(
            application=application, amount=amount, reason=reason, granted_by=actor, granted_at=timezone.now(),
            paperwork_due_date=add_working_days(day, ASSIST_FIRST_PAPERWORK_DAYS))
        _audit(actor, assist, application, {"amount": str(amount)})
        _event(IntakeEvent.ASSIST_FIRST_GRANTED, application, actor,
               f"先行救助 {amount} 元：{reason}；{assist.paperwork_due_date:%Y-%m-%d} 前补齐手续"[:300],
               {"assist_first": assist.pk, "amount": str(amount)})
    return assist


def assist_first_complete(*, actor, assist: AssistFirst, note: str) -> AssistFirst:
    """The assist-first's paperwork completed afterwards (补齐手续), with a note of what was done."""
    application = assist.application
    _require_window(actor, application)
    note = clean_note(note, "note", "补齐情况", maximum=500)
    with transaction.atomic():
        current = AssistFirst.objects.select_for_update().only("completed_at").get(pk=assist.pk)
        if current.completed_at is not None:
            raise DomainError("该先行救助的手续已补齐", code="invalid_status")
        assist.completed_by, assist.completed_at, assist.completion_note = actor, timezone.now(), note
        assist.save(update_fields=["completed_by", "completed_at", "completion_note"])
        _audit(actor, application, application, {"assist_first": assist.pk, "completed": True})
        _event(IntakeEvent.ASSIST_FIRST_COMPLETED, application, actor,
               f"先行救助 {assist.amount} 元手续已补齐：{note}"[:300], {"assist_first": assist.pk})
    return assist
