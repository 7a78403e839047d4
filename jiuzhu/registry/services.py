"""Writes to the registry: validate, guard, save, write the event row, audit; one transaction each."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from jiuzhu.core import files
from jiuzhu.core.audit import audit_change, with_token, writer_fields
from jiuzhu.core.disclosure import disclose_registered_elsewhere
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import EventRow, record_event, record_events
from jiuzhu.core.identity import normalize_id_number
from jiuzhu.core.models import AuditAction, AuditLog, Event, Region, RegionSetting, TaskRun
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope, scoped
from jiuzhu.core.taskruns import task_run_start
from jiuzhu.registry import assessment, bulk, checks
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import (
    Asset,
    AssistanceCategory,
    AssistanceGrant,
    DecisionStatus,
    Document,
    DocumentKind,
    Expense,
    GrantStatus,
    Household,
    HouseholdMembership,
    IncomeItem,
    Person,
    Relation,
    Source,
    Tier,
    TierDecision,
)
from jiuzhu.registry.standards import STANDARDS, category_matrix, standards_for
from jiuzhu.registry.validation import (
    HouseholdRow,
    RowErrors,
    check_household_shape,
    household_from_raw,
    member_from_raw,
)


def require_writer(actor) -> None:
    require(actor, Capability.EDIT_REGISTRY)


def _raise(errors: RowErrors) -> None:
    first = errors.items[0]
    where = f"第{first['row']}行 " if first["row"] else ""
    raise DomainError(f"{where}{first['column']}：{first['message']}", code="validation_error",
                      errors=errors.as_api_errors())


def household_register(*, actor, household: dict, members: list[dict]) -> Household:
    """Registers a household with its members. `household` and each member are dicts of raw values
    (as typed in a form or sent to the API); they are validated here."""
    row, regions, hashes = household_register_check(actor=actor, household=household, members=members)
    with transaction.atomic():
        (created,) = bulk.write_households([row], actor=actor, regions=regions, hashes=hashes)
        audit_change("create", actor, created, person_id=created.head_id,
                     changes={"members": len(row.members)})
    return created


def household_register_check(*, actor, household: dict, members: list[dict]):
    """household_register's checks, writing nothing but the audited answers "registered elsewhere" (core
    disclosure): a caller that writes more in one transaction calls this first, outside it, so a refusal
    rolls none of those audit rows back. Returns (HouseholdRow, regions, hashes) for the write."""
    require_writer(actor)
    errors = RowErrors()
    row = household_from_raw(household, errors)
    parsed = [member_from_raw(m, errors, None) for m in members]
    if not members:
        errors.add(None, "relation", "至少登记一名成员（户主）")
    if errors:
        _raise(errors)
    row.members = parsed
    check_household_shape(row, errors)
    numbers = [m.id_number for m in parsed]
    if len(set(numbers)) != len(numbers):
        errors.add(None, "id_number", "同一身份证号码在本户中出现了两次")
    if errors:
        _raise(errors)
    codes = {row.region_code} | {m.hukou_region_code for m in parsed if m.hukou_region_code}
    regions = bulk.regions_for(codes)
    hashes = bulk.check_against_registry([row], errors, regions, actor)
    disclose_registered_elsewhere(actor=actor, id_hashes=errors.elsewhere)  # audited, capped per day
    if errors:
        _raise(errors)
    return row, regions, hashes


PERSON_EDITABLE = ("name", "disability_type", "disability_grade", "serious_illness", "labour_capacity",
                   "schooling", "employment", "phone", "supporter_able", "death_date")


def person_update(*, actor, person: Person, changes: dict) -> Person:
    """Edits a member's circumstances. The ID number is not editable: a wrong one is a new registration."""
    require_writer(actor)
    if not region_in_scope(actor, person.region):
        raise DomainError("该人员不在您的管辖范围内", code="out_of_scope")
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise DomainError(f"不能修改字段：{'、'.join(sorted(unknown))}", code="validation_error")
    errors = RowErrors()
    raw = {f: getattr(person, f) for f in PERSON_EDITABLE}
    raw.update(changes)
    raw.update({"id_number": person.id_number, "relation": person.relation})
    member = member_from_raw(raw, errors)
    if errors:
        _raise(errors)
    before = {f: getattr(person, f) for f in changes}
    with transaction.atomic():
        for f in changes:
            setattr(person, f, getattr(member, f))
        if "name" in changes:
            person.name_pinyin, person.name_sound_key = bulk._name_keys(person.name)
        person.save()
        diff = {f: [str(before[f]), str(getattr(person, f))] for f in changes if before[f] != getattr(person, f)}
        audit_change("update", actor, person, person_id=person.pk, changes=diff)
        kind = RegistryEvent.PERSON_DIED if "death_date" in diff and person.death_date else RegistryEvent.PERSON_UPDATED
        record_event(kind=kind, subject=person, actor=actor, person_id=person.pk,
                     household_id=person.household_id, region=person.region,
                     summary=f"{person.name}信息变更：{'、'.join(_field_labels(Person, diff)) or '无变化'}",
                     payload={"changes": diff})
    return person


def _field_labels(model, fields) -> list[str]:
    """The Chinese names of a model's fields (the chain shows 联系电话, never `phone`)."""
    return [str(model._meta.get_field(f).verbose_name) for f in fields]


def person_move(*, actor, person: Person, to_household: Household, relation: str) -> Person:
    """Moves a member to another household; the old membership is closed, history kept."""
    require_writer(actor)
    if not (region_in_scope(actor, person.region) and region_in_scope(actor, to_household.region)):
        raise DomainError("迁出或迁入家庭不在您的管辖范围内", code="out_of_scope")
    if relation not in Relation.values:
        raise DomainError("与户主关系取值无效", code="validation_error", field="relation")
    if relation == Relation.HEAD and to_household.head_id:
        raise DomainError("迁入家庭已有户主", code="validation_error", field="relation")
    if person.household_id == to_household.pk:
        raise DomainError("该人员已在此家庭", code="validation_error")
    now = timezone.now()
    old = person.household
    with transaction.atomic():
        HouseholdMembership.objects.filter(person=person, left_at__isnull=True).update(left_at=now)
        HouseholdMembership.objects.create(person=person, household=to_household, relation=relation, joined_at=now)
        if old and old.head_id == person.pk:
            Household.objects.filter(pk=old.pk).update(head=None)
        person.household = to_household
        person.relation = relation
        person.region = to_household.region
        person.save(update_fields=["household", "relation", "region", "updated_at"])
        if relation == Relation.HEAD:
            Household.objects.filter(pk=to_household.pk).update(head=person)
        audit_change("update", actor, person, person_id=person.pk,
                     changes={"household": [old.pk if old else None, to_household.pk]})
        for hh, text in ((old, f"{person.name}迁出至户号 {to_household.pk}"),
                         (to_household, f"{person.name}迁入（原户号 {old.pk if old else '无'}）")):
            if hh is not None:
                record_event(kind=RegistryEvent.PERSON_MOVED, subject=person, actor=actor, person_id=person.pk,
                             household_id=hh.pk, region=hh.region, summary=text)
    return person


# ---- Means test (家庭经济状况) -------------------------------------------------------------------

MEANS_MODELS = {"income": IncomeItem, "asset": Asset, "expense": Expense}
MEANS_LABELS = {"income": "收入", "asset": "财产", "expense": "刚性支出"}
MEANS_EVENTS = {"income": RegistryEvent.MEANS_INCOME_RECORDED, "asset": RegistryEvent.MEANS_ASSET_RECORDED,
                "expense": RegistryEvent.MEANS_EXPENSE_RECORDED}


def _require_household_in_scope(actor, household: Household) -> None:
    require_writer(actor)
    _require_in_scope(actor, household)


def _require_in_scope(actor, household: Household) -> None:
    if not region_in_scope(actor, household.region):
        raise DomainError("该家庭不在您的管辖范围内", code="out_of_scope")


def _amount(value: Decimal | None, field: str, label: str, *, required: bool = True) -> Decimal | None:
    """An amount of money in yuan: typed by the form or API schema, its range checked here."""
    if value is None:
        if required:
            raise DomainError(f"{label}必填", code="validation_error", field=field)
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    if value < 0 or value > Decimal("99999999"):
        raise DomainError(f"{label}应在 0 到 99,999,999 元之间", code="validation_error", field=field)
    return value.quantize(Decimal("0.01"))


def yuan(amount: Decimal) -> str:
    """600.00 → "600", 600.5 → "600.50": how officers write amounts."""
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:.2f}"


def _member_of(household: Household, person_id) -> Person | None:
    """The member a record is about, or None for the whole household."""
    if not person_id:
        return None
    person = household.members.filter(pk=person_id).first()
    if person is None:
        raise DomainError("该成员不在本户", code="validation_error", field="person_id")
    return person


def means_record(*, actor, household: Household, item: str, kind: str, source: str = Source.DECLARED,
                 person_id: int | None = None, amount: Decimal | None = None, period_start: dt.date | None = None,
                 period_end: dt.date | None = None, value: Decimal | None = None, description: str = "",
                 recorded_on: dt.date | None = None):
    """Records one income item, asset or rigid expense (`item`) of the means test, on the household's chain."""
    _require_household_in_scope(actor, household)
    model = MEANS_MODELS.get(item)
    if model is None:
        raise DomainError("未知的家计调查项目", code="validation_error", field="item")
    choices = dict(model._meta.get_field("kind").choices)
    if kind not in choices:
        raise DomainError("请选择类型", code="validation_error", field="kind")
    person = _member_of(household, person_id)
    source = source or Source.DECLARED
    if source not in Source.values:
        raise DomainError("来源取值无效", code="validation_error", field="source")
    fields = {"household": household, "kind": kind, "source": source, "person": person}
    if model is not Asset:
        fields["amount"] = _amount(amount, "amount", "金额")
        for field, day, label in (("period_start", period_start, "起始日期"), ("period_end", period_end, "截止日期")):
            if day is None:
                raise DomainError(f"{label}必填", code="validation_error", field=field)
            fields[field] = day
        if period_end < period_start:
            raise DomainError("截止日期早于起始日期", code="validation_error", field="period_end")
        text = f"{choices[kind]} {yuan(fields['amount'])} 元（{period_start} 至 {period_end}）"
    else:
        fields["value"] = _amount(value, "value", "价值")
        fields["description"] = (description or "").strip()[:200]
        fields["recorded_on"] = recorded_on or timezone.localdate()
        text = f"{choices[kind]} 价值 {yuan(fields['value'])} 元 {fields['description']}".strip()
    with transaction.atomic():
        record = model.objects.create(**fields)
        audit_change("create", actor, record, person_id=household.head_id, changes={"kind": kind})
        record_event(kind=MEANS_EVENTS[item], subject=record, actor=actor, household_id=household.pk,
                     person_id=person.pk if person else None, region=household.region,
                     summary=f"家计调查：登记{MEANS_LABELS[item]} {text}（{Source(source).label}）")
    return record


# ---- Tiers (分层认定) --------------------------------------------------------------------------

def tier_assess_household(*, actor, household: Household, on: dt.date | None = None) -> list[TierDecision]:
    """Recommends a tier for one household now (same engine as the set-based run). Asked for on purpose,
    so a decision in force does not hold the suggestion back (a batch run leaves such a household alone
    unless its data changed)."""
    require(actor, Capability.RUN_ASSESSMENT)
    _require_in_scope(actor, household)
    assessment.assess(on=on or timezone.localdate(), household_ids=[household.pk], actor=actor,
                      keep_decisions_in_force=False)
    return list(household.tier_decisions.filter(status=DecisionStatus.RECOMMENDED).order_by("person_id"))


def tier_assess_region(*, actor, region: Region, on: dt.date, progress=None) -> dict:
    """A county's (or township's) whole registry assessed set-based (in the task tier_assessment_start
    enqueues; `progress(done, total)` feeds the run's progress bar)."""
    require(actor, Capability.RUN_ASSESSMENT)
    if not region_in_scope(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope")
    return assessment.assess(on=on, region=region, actor=actor, progress=progress)


def tier_assessment_start(*, actor, region: Region, on: dt.date) -> TaskRun:
    """Starts the batch assessment as a task run; its owner follows it on /tasks/<id>/."""
    from jiuzhu.registry.tasks import TIER_ASSESSMENT, tier_assessment_task  # tasks.py calls this module

    require(actor, Capability.RUN_ASSESSMENT)  # the region's scope: task_run_start checks it
    return task_run_start(actor=actor, kind=TIER_ASSESSMENT, title=f"分层评估：{region.full_name}（基准日 {on}）",
                          region=region, task=tier_assessment_task, region_code=region.code, on=on.isoformat())


def _decide(*, actor, decision: TierDecision, tier: str, status: str, reason: str, valid_from: dt.date | None):
    require(actor, Capability.DECIDE_TIERS)
    if not region_in_scope(actor, decision.household.region):
        raise DomainError("该家庭不在您的管辖范围内", code="out_of_scope")
    if decision.status != DecisionStatus.RECOMMENDED:
        raise DomainError(f"该认定已是“{decision.get_status_display()}”状态，不能再次审批", code="invalid_status")
    valid_from = valid_from or timezone.localdate()
    months = int(standards_for(decision.household.region, valid_from).get("tier_validity_months"))
    with transaction.atomic():
        previous = TierDecision.objects.filter(household=decision.household, person=decision.person,
                                               status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN])
        superseded = [_superseded_entry(old) for old in previous]  # an undo puts them back (tier_decision_undo)
        for old in previous:
            old.status = DecisionStatus.SUPERSEDED
            old.valid_to = min(old.valid_to or valid_from, valid_from - dt.timedelta(days=1))
            old.save(update_fields=["status", "valid_to"])
        decision.tier = tier
        decision.status = status
        decision.override_reason = reason
        decision.decided_by = actor
        decision.decided_at = timezone.now()
        decision.valid_from = valid_from
        decision.valid_to = _add_months(valid_from, months) - dt.timedelta(days=1)
        decision.save()
        audit_change("update", actor, decision, person_id=decision.person_id or decision.household.head_id,
                     changes={"status": status, "tier": tier})
        who = f"（单人户：{decision.person.name}）" if decision.person_id else ""
        verb = "确认" if status == DecisionStatus.CONFIRMED else "改定"
        text = f"审批{verb}层级为{Tier(tier).label}{who}，有效期 {decision.valid_from} 至 {decision.valid_to}"
        if reason:
            text += f"；理由：{reason}"
        record_event(kind=RegistryEvent.TIER_CONFIRMED if status == DecisionStatus.CONFIRMED
                     else RegistryEvent.TIER_OVERRIDDEN,
                     subject=decision, actor=actor, household_id=decision.household_id,
                     person_id=decision.person_id, region=decision.household.region, summary=text,
                     payload={"tier": tier, "recommended": decision.recommended_tier, "superseded": superseded})
    return decision


def _add_months(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)  # 31 Jan + 1 month = 28/29 Feb


def tier_decision_confirm(*, actor, decision: TierDecision, valid_from: dt.date | None = None) -> TierDecision:
    return _decide(actor=actor, decision=decision, tier=decision.recommended_tier, status=DecisionStatus.CONFIRMED,
                   reason="", valid_from=valid_from)


def tier_decision_override(*, actor, decision: TierDecision, tier: str, reason: str,
                           valid_from: dt.date | None = None) -> TierDecision:
    if tier not in Tier.values:
        raise DomainError("层级取值无效", code="validation_error", field="tier")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError("改定层级须写明理由（至少 5 个字）", code="validation_error", field="reason")
    return _decide(actor=actor, decision=decision, tier=tier, status=DecisionStatus.OVERRIDDEN, reason=reason,
                   valid_from=valid_from)


# ---- Assistance grants (救助发放) ------------------------------------------------------------

def grant_create(*, actor, household: Household, category: str, period_start: dt.date,
                 period_end: dt.date | None = None, monthly_amount: Decimal | None = None,
                 once_amount: Decimal | None = None, service: str = "", person_id: int | None = None,
                 acknowledge: bool = False) -> AssistanceGrant:
    """Records a grant. Duplicate or excessive assistance is reported before saving; the officer must
    acknowledge the findings (acknowledge=True) to save anyway, and the acknowledgement is on the chain."""
    require(actor, Capability.PROPOSE_GRANTS)
    _require_in_scope(actor, household)
    if category not in AssistanceCategory.values:
        raise DomainError("请选择救助类别", code="validation_error", field="category")
    person = _member_of(household, person_id)
    monthly = _amount(monthly_amount or None, "monthly_amount", "月发放金额", required=False)
    once = _amount(once_amount or None, "once_amount", "一次性金额", required=False)
    service = (service or "").strip()[:200]
    if not (monthly or once or service):
        raise DomainError("请填写月发放金额、一次性金额或服务内容", code="validation_error", field="monthly_amount")
    if period_start is None:
        raise DomainError("起始日期必填", code="validation_error", field="period_start")
    start, end = period_start, period_end
    if end and end < start:
        raise DomainError("终止日期早于起始日期", code="validation_error", field="period_end")
    organization = actor.organization
    if organization is None:
        raise DomainError("您的账号未关联实施机构", code="validation_error")
    with transaction.atomic():
        grant = AssistanceGrant.objects.create(
            household=household, person=person, category=category, monthly_amount=monthly, once_amount=once,
            service=service, period_start=start, period_end=end, granting_organization=organization,
            created_by=actor)
        found = grant_findings(grant)
        if found and not acknowledge:
            transaction.set_rollback(True)
            raise DomainError("；".join(found), code="needs_acknowledgement",
                              errors=[{"path": "acknowledge", "message": m} for m in found])
        amount = f"每月 {yuan(monthly)} 元" if monthly else f"一次性 {yuan(once)} 元" if once else service
        audit_change("create", actor, grant, person_id=person.pk if person else household.head_id,
                     changes={"category": category, "findings": found})
        record_event(kind=RegistryEvent.GRANT_CREATED, subject=grant, actor=actor, household_id=household.pk,
                     person_id=person.pk if person else None, region=household.region,
                     summary=f"{AssistanceCategory(category).label}：{amount}，自 {start} 起"
                     + (f"至 {end}" if end else "") + (f"（已知悉提示：{'；'.join(found)}）" if found else ""),
                     payload={"findings": found})
    return grant


def grant_findings(grant: AssistanceGrant) -> list[str]:
    """The duplicate/excessive-assistance checks for one grant, in Chinese."""
    one = AssistanceGrant.objects.filter(pk=grant.pk)
    matrix = category_matrix(grant.household.region, grant.period_start)
    found = checks.findings(one, matrix)
    return [checks.CHECKS[name] for name, ids in found.items() if ids]


def grant_end(*, actor, grant: AssistanceGrant, end_date: dt.date, reason: str) -> AssistanceGrant:
    require(actor, Capability.PROPOSE_GRANTS)
    _require_in_scope(actor, grant.household)
    if grant.status != GrantStatus.ACTIVE:
        raise DomainError("该救助已终止", code="invalid_status")
    if not (reason or "").strip():
        raise DomainError("请填写终止原因", code="validation_error", field="reason")
    if end_date < grant.period_start:
        raise DomainError("终止日期早于起始日期", code="validation_error", field="end_date")
    with transaction.atomic():
        grant.status = GrantStatus.ENDED
        grant.period_end = end_date
        grant.end_reason = reason.strip()[:200]
        grant.save(update_fields=["status", "period_end", "end_reason"])
        audit_change("update", actor, grant, person_id=grant.person_id, changes={"status": "ended"})
        record_event(kind=RegistryEvent.GRANT_ENDED, subject=grant, actor=actor, household_id=grant.household_id,
                     person_id=grant.person_id, region=grant.household.region,
                     summary=f"终止{grant.get_category_display()}，{end_date} 止；原因：{grant.end_reason}")
    return grant


def household_member_add(*, actor, household: Household, member: dict) -> Person:
    """Adds a newly registered person to an existing household (birth, marriage, or first registration)."""
    _require_household_in_scope(actor, household)
    errors = RowErrors()
    parsed = member_from_raw(member, errors)
    if errors:
        _raise(errors)
    if parsed.relation == Relation.HEAD and household.head_id:
        raise DomainError("该户已有户主", code="validation_error", field="relation")
    row = HouseholdRow(region_code=household.region.code, address=household.address,
                            hukou_type=household.hukou_type, members=[parsed])
    codes = {household.region.code} | ({parsed.hukou_region_code} if parsed.hukou_region_code else set())
    regions = bulk.regions_for(codes)
    hashes = bulk.check_against_registry([row], errors, regions, actor)
    disclose_registered_elsewhere(actor=actor, id_hashes=errors.elsewhere)  # audited, capped per day
    if errors:
        _raise(errors)
    with transaction.atomic():
        person = bulk.write_members(household, [parsed], hashes=hashes, regions=regions)[0]
        audit_change("create", actor, person, person_id=person.pk, changes={"household": household.pk})
        record_event(kind=RegistryEvent.MEMBER_ADDED, subject=person, actor=actor, person_id=person.pk,
                     household_id=household.pk, region=household.region,
                     summary=f"新增家庭成员{person.name}（{person.get_relation_display()}）")
    return person


# ---- Voiding a means-test entry (作废；更正 = 作废 + 重新登记) ----------------------------------------

VOID_REASON_MIN = 2


def _means_text(item: str, record) -> str:
    """How a means-test entry is named on the chain: kind, amount and period (or value and description)."""
    if item == "asset":
        return f"{record.get_kind_display()} 价值 {yuan(record.value)} 元 {record.description}".strip()
    return f"{record.get_kind_display()} {yuan(record.amount)} 元（{record.period_start} 至 {record.period_end}）"


def means_void(*, actor, household: Household, item: str, item_id: int, reason: str):
    """Voids one income item, asset or rigid expense of the household's means test with a reason. The row
    is never deleted: it stays on the page struck through (who, when, why) and on the chain; totals and the
    assessment read only rows that are not voided. A correction is a void and a new entry."""
    _require_household_in_scope(actor, household)
    model = MEANS_MODELS.get(item)
    if model is None:
        raise DomainError("未知的家计调查项目", code="validation_error", field="item")
    reason = " ".join((reason or "").split())
    if len(reason) < VOID_REASON_MIN:
        raise DomainError(f"请写明作废理由（至少 {VOID_REASON_MIN} 个字）", code="validation_error", field="reason")
    if len(reason) > 200:
        raise DomainError("作废理由不能超过 200 个字", code="validation_error", field="reason")
    record = model.objects.filter(household=household, pk=item_id).select_related("voided_by").first()
    if record is None:
        raise DomainError(f"本户没有这条{MEANS_LABELS[item]}记录", code="not_found", field="item_id")
    if record.voided_at is not None:
        raise DomainError(f"这条{MEANS_LABELS[item]}记录已于 {timezone.localtime(record.voided_at):%Y-%m-%d %H:%M} "
                          f"由{record.voided_by or '他人'}作废", code="invalid_status")
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two officers voiding the same row at once, one wins and the other is told.
        if not model.objects.filter(pk=record.pk, voided_at__isnull=True).update(
                voided_at=now, voided_by=actor, void_reason=reason):
            raise DomainError(f"这条{MEANS_LABELS[item]}记录已被作废", code="invalid_status")
        record.voided_at, record.voided_by, record.void_reason = now, actor, reason
        audit_change("update", actor, record, person_id=household.head_id,
                     changes={"voided": [None, now.isoformat()], "void_reason": reason})
        record_event(kind=RegistryEvent.MEANS_ITEM_VOIDED, subject=record, actor=actor, household_id=household.pk,
                     person_id=record.person_id, region=household.region,
                     summary=f"家计调查：作废{MEANS_LABELS[item]} {_means_text(item, record)}；理由：{reason}",
                     payload={"item": item, "item_id": record.pk, "reason": reason})
    return record


# ---- The approver's queue: confirm many, undo (queue_views.py) ------------------------------------

BULK_CONFIRM_LIMIT = 500
UNDO_REASON_MIN = 5
DECIDED = (DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN)


def _superseded_entry(old: TierDecision) -> dict:
    """What a confirmation changed on a decision it superseded, kept in the event payload for an undo."""
    return {"id": old.pk, "status": old.status, "valid_to": old.valid_to.isoformat() if old.valid_to else None}


def _validity_months(paths: set[str], on: dt.date) -> dict[str, int]:
    """`tier_validity_months` in force on `on` for each region path (nearest ancestor wins, latest version
    of it): one query for all the regions of a confirm-many, not one per region."""
    codes = {c for p in paths for c in p.split("/") if c}
    rows = (RegionSetting.objects.filter(key="tier_validity_months", region__code__in=codes, effective_from__lte=on)
            .order_by("-region__path", "-effective_from").values_list("region__path", "value"))
    rows = list(rows)
    default = int(STANDARDS["tier_validity_months"].default)
    months = {}
    for path in paths:
        months[path] = next((int(v) for p, v in rows if path.startswith(p)), default)
    return months


def _household_numbers(rows: list[dict]) -> str:
    return "、".join(f"户号 {r['household_id']}" for r in rows)


def tier_decisions_confirm(*, actor, decision_ids: list[int], valid_from: dt.date) -> int:
    """Confirms many recommended decisions at once as recommended (the queue's 确认所选), set-based: one
    UPDATE of the decisions, one of the decisions they supersede, one INSERT of chain events and one of
    audit rows. All or nothing: ids out of the actor's jurisdiction are simply not found, and any decision
    no longer awaiting approval refuses the whole set (both listed in the error). Returns how many."""
    require(actor, Capability.DECIDE_TIERS)
    ids = sorted({int(i) for i in decision_ids})
    if not ids:
        raise DomainError("请先勾选要确认的认定", code="validation_error", field="decision_ids")
    if len(ids) > BULK_CONFIRM_LIMIT:
        raise DomainError(f"一次最多确认 {BULK_CONFIRM_LIMIT} 条", code="validation_error", field="decision_ids")
    if valid_from is None:
        raise DomainError("有效期起必填", code="validation_error", field="valid_from")
    rows = list(scoped(TierDecision.objects.filter(pk__in=ids), actor, region_field="household__region").values(
        "pk", "household_id", "person_id", "person__name", "status", "recommended_tier", "household__head_id",
        "household__region_id", "household__region__path").order_by("pk"))
    found = {r["pk"] for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(f"以下认定不存在或不在您的管辖范围内：{'、'.join(map(str, missing))}", code="not_found",
                          field="decision_ids")
    decided = [r for r in rows if r["status"] != DecisionStatus.RECOMMENDED]
    if decided:
        raise DomainError(f"以下认定已不在待审批状态，不能再确认：{_household_numbers(decided)}",
                          code="invalid_status", field="decision_ids")
    months = _validity_months({r["household__region__path"] for r in rows}, valid_from)
    valid_to = {r["pk"]: _add_months(valid_from, months[r["household__region__path"]]) - dt.timedelta(days=1)
                for r in rows}
    now = timezone.now()
    day_before = valid_from - dt.timedelta(days=1)
    households = [r["household_id"] for r in rows if r["person_id"] is None]
    persons = [r["person_id"] for r in rows if r["person_id"] is not None]
    with transaction.atomic():
        in_force = TierDecision.objects.filter(status__in=DECIDED).filter(
            Q(household_id__in=households, person__isnull=True) | Q(person_id__in=persons))
        previous = list(in_force.values("pk", "household_id", "person_id", "status", "valid_to"))
        in_force.update(status=DecisionStatus.SUPERSEDED, valid_to=Case(
            When(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from), then=Value(day_before)),
            default=F("valid_to")))
        by_end: dict[dt.date, list[int]] = {}
        for pk, end in valid_to.items():
            by_end.setdefault(end, []).append(pk)
        changed = TierDecision.objects.filter(pk__in=ids, status=DecisionStatus.RECOMMENDED).update(
            tier=F("recommended_tier"), status=DecisionStatus.CONFIRMED, override_reason="", decided_by=actor,
            decided_at=now, valid_from=valid_from,
            valid_to=Case(*[When(pk__in=pks, then=Value(end)) for end, pks in by_end.items()]))
        if changed != len(ids):  # another approver decided one of them since we read them
            transaction.set_rollback(True)
            raise DomainError("所选认定中有的刚被他人审批，请刷新后重试", code="invalid_status", field="decision_ids")

        def superseded_by(r):
            return [{"id": p["pk"], "status": p["status"],
                     "valid_to": p["valid_to"].isoformat() if p["valid_to"] else None} for p in previous
                    if (p["person_id"] == r["person_id"] if r["person_id"] else
                        (p["household_id"] == r["household_id"] and p["person_id"] is None))]

        record_events(kind=RegistryEvent.TIER_CONFIRMED, subject_model=TierDecision, actor=actor, occurred_at=now,
                      rows=[EventRow(
                          subject_id=r["pk"], person_id=r["person_id"], household_id=r["household_id"],
                          region_id=r["household__region_id"],
                          summary=(f"审批确认层级为{Tier(r['recommended_tier']).label}"
                                   + (f"（单人户：{r['person__name']}）" if r["person_id"] else "")
                                   + f"，有效期 {valid_from} 至 {valid_to[r['pk']]}（批量确认）"),
                          payload={"tier": r["recommended_tier"], "recommended": r["recommended_tier"],
                                   "superseded": superseded_by(r), "bulk": True}) for r in rows])
        writer = writer_fields(actor)
        AuditLog.objects.bulk_create([AuditLog(
            action=AuditAction.UPDATE, object_type=TierDecision._meta.label_lower, object_id=str(r["pk"]),
            object_repr=f"层级认定（户号 {r['household_id']}）", person_id=r["person_id"] or r["household__head_id"],
            detail=with_token({"changes": {"status": DecisionStatus.CONFIRMED.value, "tier": r["recommended_tier"],
                                           "bulk": True}}), **writer) for r in rows])
    return changed


def tier_decision_undo(*, actor, decision: TierDecision, reason: str) -> TierDecision:
    """Takes back the actor's own confirmation or override: the decision returns to the queue (待审批) and
    the decisions it superseded are in force again as they were. Refused once a grant refers to it."""
    require(actor, Capability.DECIDE_TIERS)
    _require_in_scope(actor, decision.household)
    if decision.status not in DECIDED:
        raise DomainError(f"该认定是“{decision.get_status_display()}”状态，只能撤销已确认或已改定的认定",
                          code="invalid_status")
    if decision.decided_by_id != actor.pk:
        raise DomainError("只能撤销本人作出的审批", code="not_own_decision")
    reason = " ".join((reason or "").split())
    if len(reason) < UNDO_REASON_MIN:
        raise DomainError(f"撤销须写明理由（至少 {UNDO_REASON_MIN} 个字）", code="validation_error", field="reason")
    if len(reason) > 300:
        raise DomainError("撤销理由不能超过 300 个字", code="validation_error", field="reason")
    if AssistanceGrant.objects.filter(tier_decision=decision).exists():
        raise DomainError("已有救助发放依据该认定，不能撤销；请先终止相关救助", code="has_grants")
    newer = TierDecision.objects.filter(household_id=decision.household_id, person_id=decision.person_id,
                                        status=DecisionStatus.RECOMMENDED).exclude(pk=decision.pk)
    if newer.exists():
        raise DomainError("该户已有新的评估建议待审批，请审批新的建议，不能撤销", code="invalid_status")
    kinds = [RegistryEvent.TIER_CONFIRMED, RegistryEvent.TIER_OVERRIDDEN]
    decided_event = (Event.objects.filter(kind__in=kinds, subject_type=TierDecision._meta.label_lower,
                                          subject_id=str(decision.pk)).order_by("-occurred_at", "-id").first())
    superseded = (decided_event.payload or {}).get("superseded", []) if decided_event else []
    was, old_status = decision.get_status_display(), decision.status
    tier_label = decision.get_tier_display()
    with transaction.atomic():
        for entry in superseded:  # at most one or two (the household's and a 单人户's previous decision)
            TierDecision.objects.filter(pk=entry["id"], status=DecisionStatus.SUPERSEDED).update(
                status=entry["status"], valid_to=dt.date.fromisoformat(entry["valid_to"]) if entry["valid_to"]
                else None)
        decision.status = DecisionStatus.RECOMMENDED
        decision.tier = decision.recommended_tier
        decision.override_reason = ""
        decision.decided_by = None
        decision.decided_at = None
        decision.valid_from = None
        decision.valid_to = None
        decision.save(update_fields=["status", "tier", "override_reason", "decided_by", "decided_at", "valid_from",
                                     "valid_to"])
        audit_change("update", actor, decision, person_id=decision.person_id or decision.household.head_id,
                     changes={"status": [old_status, DecisionStatus.RECOMMENDED.value],
                              "undo_reason": reason})
        who = f"（单人户：{decision.person.name}）" if decision.person_id else ""
        record_event(kind=RegistryEvent.TIER_DECISION_UNDONE, subject=decision, actor=actor,
                     household_id=decision.household_id, person_id=decision.person_id,
                     region=decision.household.region,
                     summary=f"撤销审批（原{was}为{tier_label}{who}），重新待审批；理由：{reason}",
                     payload={"restored": [e["id"] for e in superseded], "reason": reason})
    return decision


# ---- Documents (材料): scanned files of a household or one of its decisions ------------------------

def document_attach(*, actor, household: Household, kind: str, upload, decision: TierDecision | None = None,
                    filename: str | None = None) -> Document:
    """Keeps a scanned document (`upload`: a Django uploaded file, or bytes with `filename`) of the household,
    optionally of one of its tier decisions. Only PDF, JPEG and PNG under the size limit (core/files.py);
    the bytes are stored encrypted and the row, its audit row and its chain event are written together."""
    _require_household_in_scope(actor, household)
    if kind not in DocumentKind.values:
        raise DomainError("请选择材料类型", code="validation_error", field="kind")
    if decision is not None and decision.household_id != household.pk:
        raise DomainError("关联的层级认定不属于本户", code="validation_error", field="decision")
    data = upload if isinstance(upload, bytes) else files.upload_bytes(upload)
    name = (filename or getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    facts = files.file_facts(data)
    key = files.stored_file_save(data=data)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                household=household, decision=decision, kind=kind, original_filename=name or "未命名文件",
                content_type=facts.content_type, size=facts.size, sha256=facts.sha256, file_key=key,
                uploaded_by=actor)
            audit_change("create", actor, document, person_id=household.head_id,
                         changes={"kind": kind, "sha256": facts.sha256, "size": facts.size})
            record_event(kind=RegistryEvent.DOCUMENT_ATTACHED, subject=document, actor=actor,
                         household_id=household.pk, region=household.region,
                         summary=f"上传材料：{document.get_kind_display()}（{document.original_filename}，"
                                 f"{files.size_label(facts.size)}）"
                                 + (f"，关联 {decision.assessed_on} 的层级认定" if decision else ""),
                         payload={"sha256": facts.sha256, "decision": decision.pk if decision else None})
    except BaseException:
        files.stored_file_delete(key)  # no row points at it: nothing to keep
        raise
    return document


def document_void(*, actor, document: Document, reason: str) -> Document:
    """A wrong or superseded document is voided with a reason (never deleted); it stays on the chain."""
    _require_household_in_scope(actor, document.household)
    if document.voided_at is not None:
        raise DomainError("该材料已作废", code="invalid_status")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写作废理由", code="validation_error", field="reason")
    with transaction.atomic():
        document.voided_at = timezone.now()
        document.voided_by = actor
        document.void_reason = reason[:200]
        document.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit_change("update", actor, document, person_id=document.household.head_id,
                     changes={"voided": document.void_reason})
        record_event(kind=RegistryEvent.DOCUMENT_VOIDED, subject=document, actor=actor,
                     household_id=document.household_id, region=document.household.region,
                     summary=f"作废材料：{document.get_kind_display()}（{document.original_filename}）；"
                             f"理由：{document.void_reason}")
    return document


def household_register_with_records(*, actor, household: dict, members: list[dict], means: list[dict] = (),
                                    documents: list[dict] = ()) -> Household:
    """The registration form's one write: the household and its members (household_register), its first
    means-test entries (means_record) and documents (document_attach), all or nothing in one transaction.

    means: [{"item": "income" | "asset" | "expense", "kind", "amount", "period_start", "period_end",
    "member": index into `members` or None}]; documents: [{"kind", "upload", "filename"}]. A refusal of an
    entry names it in its field: "means.<i>.<field>" or "documents.<i>.<field>"."""
    # Checked first, outside the transaction: "registered elsewhere" answers stay audited if it is refused.
    household_register_check(actor=actor, household=household, members=members)
    kept: list[str] = []
    try:
        with transaction.atomic():
            created = household_register(actor=actor, household=household, members=members)
            persons = {p.id_number: p.pk for p in created.members.all()}  # at most a few members
            member_ids = [persons.get(normalize_id_number(m["id_number"])) for m in members]
            for i, row in enumerate(means):
                index = row.get("member")
                fields = {"person_id": member_ids[index] if index is not None else None}
                if row["item"] == "asset":
                    fields.update(value=row.get("amount"))
                else:
                    fields.update(amount=row.get("amount"), period_start=row.get("period_start"),
                                  period_end=row.get("period_end"))
                try:
                    means_record(actor=actor, household=created, item=row["item"], kind=row["kind"], **fields)
                except DomainError as exc:
                    field = {"value": "amount", "person_id": "member"}.get(exc.field or "kind", exc.field or "kind")
                    raise DomainError(exc.message, code=exc.code, field=f"means.{i}.{field}") from None
            for i, doc in enumerate(documents):
                try:
                    kept.append(document_attach(actor=actor, household=created, kind=doc["kind"],
                                                upload=doc["upload"], filename=doc.get("filename")).file_key)
                except DomainError as exc:
                    raise DomainError(exc.message, code=exc.code, field=f"documents.{i}.{exc.field or 'file'}")\
                        from None
    except BaseException:
        for key in kept:  # their rows were rolled back with the household
            files.stored_file_delete(key)
        raise
    return created


# ---- Terminations decided by the approver (停保; monitoring's 核查终止) --------------------------------

def _termination_checks(actor, household: Household, end_date: dt.date, reason: str) -> str:
    require(actor, Capability.DECIDE_TERMINATIONS)
    _require_in_scope(actor, household)
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise DomainError("请写明终止理由", code="validation_error", field="reason")
    if len(reason) > 200:
        raise DomainError("终止理由不能超过 200 个字", code="validation_error", field="reason")
    if end_date is None:
        raise DomainError("终止日期必填", code="validation_error", field="end_date")
    return reason


def tier_decision_end(*, actor, decision: TierDecision, end_date: dt.date, reason: str) -> TierDecision:
    """Ends a confirmed or overridden tier before its validity runs out (停保: death, moved away, income
    above the standard), with the reason; decided by the approver. The decision keeps its figures; its
    status becomes 已终止 and its validity ends on `end_date`. Grants resting on it are not touched here:
    each is ended by grant_terminate, so the chain says which payment stopped when."""
    reason = _termination_checks(actor, decision.household, end_date, reason)
    if decision.status not in DECIDED:
        raise DomainError(f"该认定是“{decision.get_status_display()}”状态，只能终止已确认或已改定的认定",
                          code="invalid_status")
    if decision.valid_from and end_date < decision.valid_from:
        raise DomainError("终止日期早于认定有效期起", code="validation_error", field="end_date")
    old_status, old_to = decision.status, decision.valid_to
    with transaction.atomic():
        # Conditional: of two approvers ending the same decision at once, one wins and the other is told.
        if not TierDecision.objects.filter(pk=decision.pk, status__in=DECIDED).update(
                status=DecisionStatus.ENDED, valid_to=end_date):
            raise DomainError("该认定刚被他人处理，请刷新后重试", code="invalid_status")
        decision.status, decision.valid_to = DecisionStatus.ENDED, end_date
        audit_change("update", actor, decision, person_id=decision.person_id or decision.household.head_id,
                     changes={"status": [old_status, DecisionStatus.ENDED.value],
                              "valid_to": [old_to.isoformat() if old_to else None, end_date.isoformat()],
                              "reason": reason})
        who = f"（单人户：{decision.person.name}）" if decision.person_id else ""
        record_event(kind=RegistryEvent.TIER_ENDED, subject=decision, actor=actor,
                     household_id=decision.household_id, person_id=decision.person_id,
                     region=decision.household.region,
                     summary=f"终止层级认定（{decision.get_tier_display()}{who}），{end_date} 止；理由：{reason}",
                     payload={"previous_status": old_status, "reason": reason,
                              "previous_valid_to": old_to.isoformat() if old_to else None})
    return decision


def grant_terminate(*, actor, grant: AssistanceGrant, end_date: dt.date, reason: str) -> AssistanceGrant:
    """A grant stopped by the approver's termination decision (停发): grant_end's effect, guarded by
    Capability.DECIDE_TERMINATIONS instead of the officer's PROPOSE_GRANTS."""
    reason = _termination_checks(actor, grant.household, end_date, reason)
    if grant.status != GrantStatus.ACTIVE:
        raise DomainError("该救助已终止", code="invalid_status")
    if end_date < grant.period_start:
        raise DomainError("终止日期早于起始日期", code="validation_error", field="end_date")
    with transaction.atomic():
        if not AssistanceGrant.objects.filter(pk=grant.pk, status=GrantStatus.ACTIVE).update(
                status=GrantStatus.ENDED, period_end=end_date, end_reason=reason[:200]):
            raise DomainError("该救助已终止", code="invalid_status")
        grant.status, grant.period_end, grant.end_reason = GrantStatus.ENDED, end_date, reason[:200]
        audit_change("update", actor, grant, person_id=grant.person_id or grant.household.head_id,
                     changes={"status": "ended", "reason": reason, "decided": "termination"})
        record_event(kind=RegistryEvent.GRANT_ENDED, subject=grant, actor=actor, household_id=grant.household_id,
                     person_id=grant.person_id, region=grant.household.region,
                     summary=f"审批停发{grant.get_category_display()}，{end_date} 止；原因：{grant.end_reason}",
                     payload={"decided": "termination"})
    return grant
