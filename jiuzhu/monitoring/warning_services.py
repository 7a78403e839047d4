"""Handling a warning to the end (预警处置): field visit (铁脚板核实), the four dispositions, the department's
answer, the death rebuttal, and the overdue sweep.

Each write is one transaction with its audit row and its chain event (record_event with the warning's
household and person, so the step is on the household's 一户一条救助链). Registry data changes only through
registry services (grant_create, tier_assess_household, tier_decision_end, grant_terminate): never a direct
write into a registry table.

Status: OPEN → (visit) VISITED → implement policy / case conference / termination decided → CLOSED;
VISITED → refer → REFERRED → (department answers) → the officer closes it → CLOSED. A death warning may be
rebutted (未死亡证明) from OPEN or VISITED → CLOSED."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core import files
from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event, record_events_by_query
from jiuzhu.core.models import Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import is_department_actor, region_in_scope
from jiuzhu.core.workdays import add_working_days, is_provisional
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import (
    Disposition,
    FeedKind,
    TerminationStatus,
    VisitResult,
    Warning,
    WarningConference,
    WarningFile,
    WarningReferral,
    WarningStatus,
    WarningTermination,
    WarningVisit,
)
from jiuzhu.registry import services as registry
from jiuzhu.registry.models import (
    AssistanceCategory,
    AssistanceGrant,
    DecisionStatus,
    GrantStatus,
    Person,
    TierDecision,
)

REFERRAL_DAYS_DEFAULT = 10  # working days a department has to answer, unless the officer sets another
REFERRAL_DAYS_MAX = 60
DEATH_FEEDS = {FeedKind.DEATH_PUBLIC_SECURITY, FeedKind.DEATH_CREMATION, FeedKind.DEATH_HOSPITAL}


# ---- Guards -------------------------------------------------------------------------------------------

def _require_handler(actor, warning: Warning) -> None:
    """The owner's side (township or county officer): HANDLE_WARNINGS, not a department, warning in scope."""
    require(actor, Capability.HANDLE_WARNINGS)
    if is_department_actor(actor):
        raise DomainError("部门经办人员只能答复转介给本部门的预警", code="forbidden")
    if not region_in_scope(actor, warning.region):
        raise DomainError("该预警不在您的管辖范围内", code="out_of_scope")


def _require_status(warning: Warning, *allowed: str, doing: str) -> None:
    if warning.status not in allowed:
        raise DomainError(f"该预警是“{warning.get_status_display()}”状态，不能{doing}", code="invalid_status")


def _text(value: str, field: str, label: str, *, minimum: int = 2, maximum: int = 500) -> str:
    value = " ".join((value or "").split())
    if len(value) < minimum:
        raise DomainError(f"请填写{label}（至少 {minimum} 个字）", code="validation_error", field=field)
    if len(value) > maximum:
        raise DomainError(f"{label}不能超过 {maximum} 个字", code="validation_error", field=field)
    return value


def _day(value: dt.date | None, field: str, label: str) -> dt.date:
    if value is None:
        raise DomainError(f"{label}必填", code="validation_error", field=field)
    if value > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天", code="validation_error", field=field)
    return value


def _event(kind: str, warning: Warning, actor, summary: str, payload: dict | None = None):
    """The step on the household's chain (and the warning's own history: subject = the warning)."""
    return record_event(kind=kind, subject=warning, actor=actor, person_id=warning.person_id,
                        household_id=warning.household_id, region=warning.region,
                        summary=f"预警处置（{warning.indicator.name}）：{summary}",
                        payload={"warning": warning.pk, **(payload or {})})


def _audit_person(warning: Warning) -> int | None:
    return warning.person_id or (warning.household.head_id if warning.household_id else None)


class _Files:
    """Around a write that may store files: `keep` stores an upload (PDF, JPEG or PNG: core/files.py) and
    creates its row; if the transaction fails, the encrypted bytes no row points at are removed.

        with _Files() as kept, transaction.atomic():
            row = kept.keep(actor, warning, upload, purpose)"""

    def __enter__(self):
        self.keys: list[str] = []
        return self

    def keep(self, actor, warning: Warning, upload, purpose: str, filename: str | None = None) -> WarningFile:
        data = upload if isinstance(upload, bytes) else files.upload_bytes(upload)
        name = (filename or getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        facts = files.file_facts(data)
        key = files.stored_file_save(data=data)
        self.keys.append(key)
        return WarningFile.objects.create(warning=warning, purpose=purpose, original_filename=name or "未命名文件",
                                          content_type=facts.content_type, size=facts.size, sha256=facts.sha256,
                                          file_key=key, uploaded_by=actor)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for key in self.keys:
                files.stored_file_delete(key)
        return False


def _lock(warning: Warning) -> Warning:
    """Re-reads the warning's status under a row lock, so two officers cannot both act on it."""
    current = Warning.objects.select_for_update().only("status").get(pk=warning.pk)
    warning.status = current.status
    return warning


# ---- Due dates ------------------------------------------------------------------------------------------

def due_date_for(start: dt.date, working_days: int) -> tuple[dt.date, bool]:
    """(deadline, provisional): `working_days` working days after `start` on China's official calendar
    (make-up working days count, holidays do not); provisional when the year's arrangement is not yet known
    and weekends alone were used."""
    due = add_working_days(start, working_days)
    return due, is_provisional(due) or is_provisional(start)


# ---- Field visit (铁脚板核实) -------------------------------------------------------------------------------

def warning_visit_record(*, actor, warning: Warning, visited_on: dt.date, visitors: str, findings: str,
                         result: str, upload=None, filename: str | None = None) -> WarningVisit:
    """A field visit, recorded from a phone: OPEN → VISITED (a second visit is kept too, status unchanged)."""
    _require_handler(actor, warning)
    _require_status(warning, WarningStatus.OPEN, WarningStatus.VISITED, doing="登记核实")
    visited_on = _day(visited_on, "visited_on", "核实日期")
    visitors = _text(visitors, "visitors", "核实人员", maximum=200)
    findings = _text(findings, "findings", "核实情况", minimum=4, maximum=2000)
    if result not in VisitResult.values:
        raise DomainError("请选择核实结论", code="validation_error", field="result")
    with _Files() as stored, transaction.atomic():
        _lock(warning)
        _require_status(warning, WarningStatus.OPEN, WarningStatus.VISITED, doing="登记核实")
        kept = stored.keep(actor, warning, upload, WarningFile.Purpose.VISIT, filename) if upload else None
        visit = WarningVisit.objects.create(warning=warning, visited_on=visited_on, visitors=visitors,
                                            findings=findings, result=result, file=kept, recorded_by=actor)
        Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.VISITED)
        warning.status = WarningStatus.VISITED
        audit_change("create", actor, visit, person_id=_audit_person(warning),
                     changes={"warning": warning.pk, "result": result, "file": bool(kept)})
        _event(MonitoringEvent.WARNING_VISITED, warning, actor,
               f"{visited_on} 入户核实（{visitors}），结论：{VisitResult(result).label}；{findings[:120]}",
               {"visit": visit.pk, "result": result})
    return visit


# ---- Closing ----------------------------------------------------------------------------------------------

def _close(warning: Warning, actor, disposition: str) -> None:
    now = timezone.now()
    Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.CLOSED, disposition=disposition,
                                                 closed_at=now, closed_by=actor)
    warning.status, warning.disposition, warning.closed_at, warning.closed_by = (
        WarningStatus.CLOSED, disposition, now, actor)


def _require_visited(warning: Warning, doing: str) -> None:
    _require_status(warning, WarningStatus.VISITED, doing=doing + "（请先登记入户核实）"
                    if warning.status == WarningStatus.OPEN else doing)


# ---- 1. Implement policy (落实政策) ---------------------------------------------------------------------------

IMPLEMENT_GRANT = "grant"  # start the missing assistance: registry grant_create
IMPLEMENT_ASSESS = "assess"  # assess the household's tier now, for the approver's queue
IMPLEMENT_REGISTERED = "registered"  # a person not in the registry, registered since through the form
IMPLEMENT_WAYS = {IMPLEMENT_GRANT: "登记救助发放", IMPLEMENT_ASSESS: "重新评估分层、送审批",
                  IMPLEMENT_REGISTERED: "已登记入库（未在库人员）"}


def warning_implement_policy(*, actor, warning: Warning, way: str, note: str = "", grant: dict | None = None,
                             on: dt.date | None = None) -> Warning:
    """落实政策: the missing assistance is started through the registry's own service, then the warning
    is closed; both in one transaction, both on the chain.

    way="grant": grant = grant_create's arguments (category, period_start, monthly_amount, once_amount,
    service, person_id, acknowledge); needs Capability.PROPOSE_GRANTS (the registry's guard).
    way="assess": tier_assess_household, the suggestion waits in the approver's queue (RUN_ASSESSMENT).
    way="registered": a person found outside the registry (主动发现) has been registered through the form:
    the person whose ID number hash is the warning's is looked up and the warning is linked to them."""
    _require_handler(actor, warning)
    _require_visited(warning, "落实政策")
    if way not in IMPLEMENT_WAYS:
        raise DomainError("请选择落实方式", code="validation_error", field="way")
    note = " ".join((note or "").split())[:300]
    with transaction.atomic():
        _lock(warning)
        _require_visited(warning, "落实政策")
        payload: dict = {"way": way}
        if way == IMPLEMENT_GRANT:
            if warning.household_id is None:
                raise DomainError("该预警对象不在低收入人口库中，请先登记家庭", code="validation_error", field="way")
            made = registry.grant_create(actor=actor, household=warning.household, **(grant or {}))
            payload["grant"] = made.pk
            text = f"登记{made.get_category_display()}（救助发放 #{made.pk}）"
        elif way == IMPLEMENT_ASSESS:
            if warning.household_id is None:
                raise DomainError("该预警对象不在低收入人口库中，请先登记家庭", code="validation_error", field="way")
            decisions = registry.tier_assess_household(actor=actor, household=warning.household, on=on)
            payload["decisions"] = [d.pk for d in decisions]
            text = "重新评估分层，建议已送审批队列" if decisions else "重新评估分层（无新的建议）"
        else:
            person = Person.objects.select_related("household").filter(
                id_number_hash=warning.subject_id_hash).first() if warning.subject_id_hash else None
            if person is None or not region_in_scope(actor, person.region):
                raise DomainError("尚未找到该人员的登记记录：请先通过“登记家庭”录入后再办结", code="not_registered",
                                  field="way")
            Warning.objects.filter(pk=warning.pk).update(person=person, household=person.household_id)
            warning.person, warning.household_id = person, person.household_id
            payload["person"] = person.pk
            text = f"未在库人员已登记入库（户号 {person.household_id}）"
        _close(warning, actor, Disposition.IMPLEMENT_POLICY)
        audit_change("update", actor, warning, person_id=_audit_person(warning),
                     changes={"disposition": Disposition.IMPLEMENT_POLICY.value, **payload})
        _event(MonitoringEvent.WARNING_DISPOSED, warning, actor,
               f"落实政策：{text}" + (f"；{note}" if note else ""), {"disposition": Disposition.IMPLEMENT_POLICY.value,
                                                                 **payload})
    return warning


# ---- 2. Refer to a department (转介部门) -------------------------------------------------------------------------

def warning_refer(*, actor, warning: Warning, organization: Organization, request: str,
                  working_days: int = REFERRAL_DAYS_DEFAULT, on: dt.date | None = None) -> WarningReferral:
    """Sends the warning to a department with a deadline in working days: VISITED → REFERRED."""
    _require_handler(actor, warning)
    _require_visited(warning, "转介部门")
    if organization is None or organization.kind != OrganizationKind.DEPARTMENT:
        raise DomainError("请选择协同部门", code="validation_error", field="organization")
    if not (organization.region.contains(warning.region) or warning.region.contains(organization.region)):
        raise DomainError("该部门不在预警对象的属地", code="validation_error", field="organization")
    request = _text(request, "request", "转介事项", maximum=500)
    try:
        working_days = int(working_days)
    except (TypeError, ValueError):
        raise DomainError("答复期限应为工作日天数", code="validation_error", field="working_days") from None
    if not 1 <= working_days <= REFERRAL_DAYS_MAX:
        raise DomainError(f"答复期限应为 1 到 {REFERRAL_DAYS_MAX} 个工作日", code="validation_error",
                          field="working_days")
    due, provisional = due_date_for(on or timezone.localdate(), working_days)
    with transaction.atomic():
        _lock(warning)
        _require_visited(warning, "转介部门")
        referral = WarningReferral.objects.create(warning=warning, organization=organization, request=request,
                                                  due_date=due, referred_by=actor)
        Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.REFERRED, referred_to=organization,
                                                     disposition=Disposition.REFER_DEPARTMENT)
        warning.status, warning.referred_to, warning.disposition = (WarningStatus.REFERRED, organization,
                                                                    Disposition.REFER_DEPARTMENT)
        audit_change("create", actor, referral, person_id=_audit_person(warning),
                     changes={"warning": warning.pk, "organization": organization.pk, "due_date": due.isoformat()})
        _event(MonitoringEvent.WARNING_REFERRED, warning, actor,
               f"转介{organization.name}：{request}；{working_days} 个工作日内（{due} 前）答复"
               + ("（节假日安排未公布，期限暂按周末推算）" if provisional else ""),
               {"referral": referral.pk, "organization": organization.pk, "due_date": due.isoformat(),
                "provisional": provisional})
    return referral


def referral_answer(*, actor, referral: WarningReferral, answer: str, upload=None,
                    filename: str | None = None) -> WarningReferral:
    """The department's answer in its inbox (its clerk: HANDLE_WARNINGS, its own organisation only)."""
    require(actor, Capability.HANDLE_WARNINGS)
    if actor.organization_id is None or referral.organization_id != actor.organization_id:
        raise DomainError("该转介不是发给本部门的", code="out_of_scope")
    if referral.answered_at is not None:
        raise DomainError("该转介已答复", code="invalid_status")
    answer = _text(answer, "answer", "答复内容", minimum=4, maximum=2000)
    warning = referral.warning
    with _Files() as stored, transaction.atomic():
        if not WarningReferral.objects.select_for_update().filter(pk=referral.pk, answered_at__isnull=True).exists():
            raise DomainError("该转介已答复", code="invalid_status")
        kept = stored.keep(actor, warning, upload, WarningFile.Purpose.ANSWER, filename) if upload else None
        now = timezone.now()
        WarningReferral.objects.filter(pk=referral.pk).update(answer=answer, answer_file=kept, answered_by=actor,
                                                              answered_at=now)
        referral.answer, referral.answer_file, referral.answered_by, referral.answered_at = answer, kept, actor, now
        audit_change("update", actor, referral, person_id=_audit_person(warning),
                     changes={"answered": now.isoformat(), "file": bool(kept)})
        late = timezone.localdate() > referral.due_date
        _event(MonitoringEvent.WARNING_ANSWERED, warning, actor,
               f"{referral.organization.name}答复：{answer[:150]}" + ("（超过答复期限）" if late else ""),
               {"referral": referral.pk, "late": late})
    return referral


def warning_close_referred(*, actor, warning: Warning, note: str) -> Warning:
    """After the department answered, the officer closes the warning with a conclusion."""
    _require_handler(actor, warning)
    _require_status(warning, WarningStatus.REFERRED, doing="办结转介")
    note = _text(note, "note", "办结意见", maximum=300)
    with transaction.atomic():
        _lock(warning)
        _require_status(warning, WarningStatus.REFERRED, doing="办结转介")
        if warning.referrals.filter(answered_at__isnull=True).exists():
            raise DomainError("部门尚未答复，答复后才能办结", code="not_answered")
        _close(warning, actor, Disposition.REFER_DEPARTMENT)
        audit_change("update", actor, warning, person_id=_audit_person(warning),
                     changes={"status": WarningStatus.CLOSED.value, "disposition": "refer_department"})
        _event(MonitoringEvent.WARNING_DISPOSED, warning, actor, f"部门已答复，办结：{note}",
               {"disposition": Disposition.REFER_DEPARTMENT.value})
    return warning


# ---- 3. Case conference (一事一议) ----------------------------------------------------------------------------

def warning_case_conference(*, actor, warning: Warning, held_on: dt.date, participants: str, decision: str,
                            amount: Decimal | None = None, person_id: int | None = None,
                            acknowledge: bool = False) -> WarningConference:
    """一事一议: participants, decision and the amount agreed; the warning is closed with it.

    An amount above zero is the assistance the conference agreed: it is started as a one-off 临时救助 from the
    conference day through the registry's own grant_create (its guards apply: Capability.PROPOSE_GRANTS, the
    household in scope, duplicate/excessive findings to acknowledge), in the same transaction, on the
    household's chain, and kept on the conference (one grant per conference: the warning is closed with it,
    so a second submission is refused by the status check under the row lock)."""
    _require_handler(actor, warning)
    _require_visited(warning, "一事一议")
    held_on = _day(held_on, "held_on", "议事日期")
    participants = _text(participants, "participants", "参会人员", maximum=300)
    decision = _text(decision, "decision", "议定事项", minimum=4, maximum=2000)
    if amount is not None:
        amount = Decimal(str(amount))
        if amount < 0 or amount > Decimal("9999999"):
            raise DomainError("议定金额应在 0 到 9,999,999 元之间", code="validation_error", field="amount")
        amount = amount.quantize(Decimal("0.01"))
    pays = amount is not None and amount > 0
    if pays:
        require(actor, Capability.PROPOSE_GRANTS)
        if warning.household_id is None:
            raise DomainError("该预警对象不在低收入人口库中，议定金额须先登记家庭后才能发放", code="validation_error",
                              field="amount")
    with transaction.atomic():
        _lock(warning)
        _require_visited(warning, "一事一议")
        grant = registry.grant_create(
            actor=actor, household=warning.household, category=AssistanceCategory.TEMPORARY, period_start=held_on,
            once_amount=amount, person_id=person_id, acknowledge=acknowledge) if pays else None
        conference = WarningConference.objects.create(warning=warning, held_on=held_on, participants=participants,
                                                      decision=decision, amount=amount, grant=grant,
                                                      recorded_by=actor)
        _close(warning, actor, Disposition.CASE_CONFERENCE)
        audit_change("create", actor, conference, person_id=_audit_person(warning),
                     changes={"warning": warning.pk, "amount": str(amount) if amount is not None else None,
                              "grant": grant.pk if grant else None})
        money = f"，议定金额 {registry.yuan(amount)} 元" if amount is not None else ""
        if grant is not None:
            money += f"，已登记临时救助（救助发放 #{grant.pk}）"
        _event(MonitoringEvent.WARNING_DISPOSED, warning, actor,
               f"一事一议（{held_on}，参会：{participants}）：{decision[:120]}{money}",
               {"disposition": Disposition.CASE_CONFERENCE.value, "conference": conference.pk,
                "amount": str(amount) if amount is not None else None, "grant": grant.pk if grant else None})
    return conference


# ---- 4. Verify and terminate (核查终止) ---------------------------------------------------------------------

def termination_targets(warning: Warning) -> dict[str, list]:
    """What could be ended for the warning's household: tiers in force and active grants (few rows)."""
    if warning.household_id is None:
        return {"tiers": [], "grants": []}
    tiers = TierDecision.objects.filter(household_id=warning.household_id,
                                        status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN])\
        .select_related("person").order_by("-valid_from")
    grants = AssistanceGrant.objects.filter(household_id=warning.household_id, status=GrantStatus.ACTIVE)\
        .select_related("person").order_by("-period_start")
    return {"tiers": list(tiers), "grants": list(grants)}


def warning_terminate_propose(*, actor, warning: Warning, target: str, end_date: dt.date,
                              reason: str) -> WarningTermination:
    """The officer proposes ending a tier ("tier:<id>") or a grant ("grant:<id>") of the household with the
    reason; the approver decides (warning_terminate_decide). The warning stays VISITED until then."""
    _require_handler(actor, warning)
    _require_visited(warning, "提出核查终止")
    reason = _text(reason, "reason", "终止理由", maximum=200)
    if end_date is None:
        raise DomainError("终止日期必填", code="validation_error", field="end_date")
    kind, _, raw = (target or "").partition(":")
    fields: dict = {}
    if kind == "tier" and raw.isdigit():
        fields["tier_decision"] = TierDecision.objects.filter(
            pk=int(raw), household_id=warning.household_id,
            status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN]).first()
    elif kind == "grant" and raw.isdigit():
        fields["grant"] = AssistanceGrant.objects.filter(pk=int(raw), household_id=warning.household_id,
                                                         status=GrantStatus.ACTIVE).first()
    if warning.household_id is None or not fields or None in fields.values():
        raise DomainError("请选择本户在保的层级认定或发放中的救助", code="validation_error", field="target")
    with transaction.atomic():
        _lock(warning)
        _require_visited(warning, "提出核查终止")
        if warning.terminations.filter(status=TerminationStatus.PENDING).exists():
            raise DomainError("该预警已有待审批的终止申请", code="invalid_status")
        termination = WarningTermination.objects.create(warning=warning, end_date=end_date, reason=reason,
                                                        proposed_by=actor, **fields)
        Warning.objects.filter(pk=warning.pk).update(disposition=Disposition.VERIFY_TERMINATE)
        warning.disposition = Disposition.VERIFY_TERMINATE
        audit_change("create", actor, termination, person_id=_audit_person(warning),
                     changes={"warning": warning.pk, "target": target, "end_date": end_date.isoformat()})
        _event(MonitoringEvent.WARNING_DISPOSED, warning, actor,
               f"核查终止：提请停止{_target_label(termination)}，{end_date} 止；理由：{reason}（待审批）",
               {"disposition": Disposition.VERIFY_TERMINATE.value, "termination": termination.pk,
                "stage": "proposed"})
    return termination


def _target_label(termination: WarningTermination) -> str:
    if termination.tier_decision_id:
        return f"层级认定（{termination.tier_decision.get_tier_display()}）"
    return f"{termination.grant.get_category_display()}（救助发放 #{termination.grant_id}）"


def warning_terminate_decide(*, actor, termination: WarningTermination, approve: bool,
                             note: str = "") -> WarningTermination:
    """The approver (Capability.DECIDE_TERMINATIONS) decides: approved → the registry ends the tier
    (tier_decision_end) or the grant (grant_terminate) and the warning is closed; rejected → the warning
    goes back to the officer (VISITED) with the approver's note."""
    require(actor, Capability.DECIDE_TERMINATIONS)
    warning = termination.warning
    if not region_in_scope(actor, warning.region):
        raise DomainError("该预警不在您的管辖范围内", code="out_of_scope")
    note = " ".join((note or "").split())[:300]
    if not approve and len(note) < 2:
        raise DomainError("不批准时请写明意见", code="validation_error", field="note")
    with transaction.atomic():
        if not WarningTermination.objects.select_for_update().filter(
                pk=termination.pk, status=TerminationStatus.PENDING).exists():
            raise DomainError("该终止申请已审批", code="invalid_status")
        if approve:
            if termination.tier_decision_id:
                registry.tier_decision_end(actor=actor, decision=termination.tier_decision,
                                           end_date=termination.end_date, reason=termination.reason)
            else:
                registry.grant_terminate(actor=actor, grant=termination.grant, end_date=termination.end_date,
                                         reason=termination.reason)
        status = TerminationStatus.APPROVED if approve else TerminationStatus.REJECTED
        now = timezone.now()
        WarningTermination.objects.filter(pk=termination.pk).update(status=status, decided_by=actor, decided_at=now,
                                                                    decision_note=note)
        termination.status, termination.decided_by, termination.decided_at, termination.decision_note = (
            status, actor, now, note)
        if approve:
            _close(warning, actor, Disposition.VERIFY_TERMINATE)
            text = f"核查终止：审批同意，已停止{_target_label(termination)}，{termination.end_date} 止"
        else:
            Warning.objects.filter(pk=warning.pk).update(disposition="")
            warning.disposition = ""
            text = f"核查终止：审批不同意停止{_target_label(termination)}；意见：{note}"
        audit_change("update", actor, termination, person_id=_audit_person(warning),
                     changes={"status": status.value, "note": note})
        _event(MonitoringEvent.WARNING_DISPOSED, warning, actor, text + (f"；{note}" if approve and note else ""),
               {"disposition": Disposition.VERIFY_TERMINATE.value, "termination": termination.pk,
                "stage": status.value})
    return termination


# ---- Death rebuttal (未死亡证明) -------------------------------------------------------------------------------

def is_death_warning(warning: Warning) -> bool:
    """A warning fired by a death record (any of the three death feeds)."""
    evidence = warning.evidence if isinstance(warning.evidence, dict) else {}
    feed = evidence.get("feed") or evidence.get("feed_kind") or ""
    return feed in DEATH_FEEDS or "death" in warning.indicator.code or "死亡" in warning.indicator.name


def warning_rebut_death(*, actor, warning: Warning, upload, note: str, filename: str | None = None) -> Warning:
    """The township rebuts a death warning with a 未死亡证明 (PDF, JPEG or PNG, core/files.py): the person is
    alive, the record was wrong; the warning is closed as 核实不实 and nothing in the registry changes."""
    _require_handler(actor, warning)
    _require_status(warning, WarningStatus.OPEN, WarningStatus.VISITED, doing="上传未死亡证明")
    if not is_death_warning(warning):
        raise DomainError("只有死亡预警可以用未死亡证明核销", code="validation_error")
    if upload is None:
        raise DomainError("请上传未死亡证明（PDF、JPEG 或 PNG）", code="validation_error", field="file")
    note = _text(note, "note", "核实说明", maximum=300)
    with _Files() as stored, transaction.atomic():
        _lock(warning)
        _require_status(warning, WarningStatus.OPEN, WarningStatus.VISITED, doing="上传未死亡证明")
        kept = stored.keep(actor, warning, upload, WarningFile.Purpose.REBUTTAL, filename)
        _close(warning, actor, Disposition.REBUTTED)
        audit_change("update", actor, warning, person_id=_audit_person(warning),
                     changes={"disposition": Disposition.REBUTTED.value, "file": kept.sha256})
        _event(MonitoringEvent.WARNING_REBUTTED, warning, actor,
               f"死亡预警核实不实，上传未死亡证明（{kept.original_filename}，{files.size_label(kept.size)}）：{note}",
               {"disposition": Disposition.REBUTTED.value, "file": kept.pk})
    return warning


# ---- The overdue sweep ------------------------------------------------------------------------------------

_OVERDUE_EVENTS_SQL = (
    "SELECT CAST(w.id AS TEXT), w.person_id, w.household_id, w.region_id, w.overdue_at, "
    "'预警超期未办结（' || i.name || '，办理期限 ' || CAST(w.due_date AS TEXT) || '），已提醒属地及上级', "
    "'{\"overdue\": true}' "
    "FROM monitoring_warning w JOIN monitoring_indicator i ON i.id = w.indicator_id "
    "WHERE w.overdue_at = %s"
)


def overdue_sweep(*, today: dt.date | None = None) -> int:
    """Marks every warning past its deadline and not closed as overdue (one UPDATE) and writes one
    WARNING_OVERDUE event per newly marked warning (one INSERT … SELECT), in one transaction. The owner and
    the level above see them on their work lists (worklist.py). Idempotent: a warning is marked once; a
    second sweep, or two at once, marks nothing more (the rows are found again by this sweep's own stamp)."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        marked = Warning.objects.filter(overdue=False, due_date__lt=today).exclude(status=WarningStatus.CLOSED)\
            .update(overdue=True, overdue_at=now)
        if marked:
            record_events_by_query(kind=MonitoringEvent.WARNING_OVERDUE, subject_model=Warning, queries=[
                (_OVERDUE_EVENTS_SQL, [connection.ops.adapt_datetimefield_value(now)])])
    return marked
