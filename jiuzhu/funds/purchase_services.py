"""Writes of the purchase of services. Each service checks the capability, the scope (404 out of it), then the
rule, and writes in one transaction with an audit row and an event (PurchaseEvent). The county's officer registers
providers, signs contracts, dispatches staff, records services and evaluates; the township of the served person
confirms each service record; the approver pays a milestone, at the amount its evaluation's score allows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.funds import purchase_selectors as sel
from jiuzhu.funds.fund_services import money
from jiuzhu.funds.purchase_events import PurchaseEvent
from jiuzhu.funds.purchase_models import (
    Contract,
    ContractIndicator,
    ContractStaff,
    Evaluation,
    EvaluationScore,
    Milestone,
    MilestoneStatus,
    ProcurementMethod,
    Provider,
    ProviderKind,
    RecordStatus,
    ServiceItem,
    ServiceRecord,
    StaffPost,
    payment_ratio,
)
from jiuzhu.funds.settings_catalog import payment_bands

NOT_FOUND = sel.NOT_FOUND
HUNDRED = Decimal(100)


def today() -> dt.date:
    return timezone.localdate()


def clean_uscc(value: str) -> str:
    """统一社会信用代码 (GB 32100-2015), checked by python-stdnum: 18 characters, the check character right."""
    text = (value or "").strip().upper()
    if not text:
        raise invalid("请填写统一社会信用代码", "uscc")
    try:
        return uscc_code.validate(text)
    except InvalidLength:
        raise invalid("统一社会信用代码应为 18 位", "uscc") from None
    except InvalidChecksum:
        raise invalid("统一社会信用代码校验位不正确，请核对", "uscc") from None
    except (InvalidFormat, ValidationError):
        raise invalid("统一社会信用代码格式不正确（数字和除 I、O、Z、S、V 以外的大写字母）", "uscc") from None


def _score(value, label: str, field: str) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid(f"请填写{label}（0 至 100 分）", field) from None
    if not 0 <= score <= 100:
        raise invalid(f"{label}应在 0 至 100 之间", field)
    return score


def provider_register(*, actor, name: str, uscc: str, kind: str, qualifications: str = "",
                      contact: str = "") -> Provider:
    require(actor, Capability.PURCHASE_SERVICES)
    if actor.region_id is None:
        raise refused("您的账号没有所属地区，不能登记承接主体")
    name = clean_text(name, "名称", "name", 120, required=True)
    code = clean_uscc(uscc)
    if kind not in ProviderKind.values:
        raise invalid("请选择主体类型", "kind")
    with transaction.atomic():
        if Provider.objects.filter(uscc=code).exists():
            raise invalid("该统一社会信用代码的承接主体已登记", "uscc")
        provider = Provider.objects.create(
            region=actor.region, name=name, uscc=code, kind=kind, created_by=actor,
            qualifications=clean_text(qualifications, "资质", "qualifications", 500),
            contact=clean_text(contact, "联系人及电话", "contact", 60))
        audit_change(AuditAction.CREATE, actor, provider, changes={"name": name, "uscc": code})
        record_event(kind=PurchaseEvent.PROVIDER_REGISTERED, subject=provider, actor=actor, region=actor.region,
                     summary=f"登记承接主体：{name}")
    return provider


def contract_create(*, actor, provider: Provider, title: str, number: str, method: str, budget,
                    start_on: dt.date | None, end_on: dt.date | None, items: list[str],
                    indicators: list[tuple[str, int]], milestones: list[tuple[str, Decimal]],
                    satisfaction_weight: int = 20) -> Contract:
    """A project and its contract, with its performance indicators (weights summing to 100) and its payment
    milestones (amounts summing to the contract's amount)."""
    require(actor, Capability.PURCHASE_SERVICES)
    if not sel.providers_in_scope(actor).filter(pk=provider.pk).exists():
        raise Http404(NOT_FOUND)
    if actor.region_id is None or actor.organization_id is None:
        raise refused("您的账号没有所属单位，不能签订购买服务合同")
    title = clean_text(title, "项目名称", "title", 150, required=True)
    number = clean_text(number, "合同编号", "number", 60, required=True)
    if method not in ProcurementMethod.values:
        raise invalid("请选择采购方式", "method")
    budget = money(budget, "合同金额", "budget")
    if start_on is None or end_on is None:
        raise invalid("请填写服务期", "start_on" if start_on is None else "end_on")
    if end_on < start_on:
        raise invalid("服务期结束日期不能早于开始日期", "end_on")
    items = list(dict.fromkeys(items or []))
    if not items or any(i not in ServiceItem.values for i in items):
        raise invalid("请选择服务内容", "items")
    indicators = [(clean_text(n, "指标名称", "indicators", 100, required=True), int(w)) for n, w in indicators]
    if not indicators or sum(w for _, w in indicators) != 100 or any(w <= 0 for _, w in indicators):
        raise invalid("绩效指标的权重应为正数，合计 100", "indicators")
    if len({n for n, _ in indicators}) != len(indicators):
        raise invalid("绩效指标名称不能重复", "indicators")
    milestones = [(clean_text(lbl, "支付节点", "milestones", 60, required=True), money(a, "支付金额", "milestones"))
                  for lbl, a in milestones]
    if not milestones or sum(a for _, a in milestones) != budget:
        raise invalid(f"各支付节点金额合计应等于合同金额 {budget} 元", "milestones")
    if not 0 <= int(satisfaction_weight) <= 100:
        raise invalid("满意度权重应在 0 至 100 之间", "satisfaction_weight")
    with transaction.atomic():
        contract = Contract.objects.create(
            region=actor.region, purchaser=actor.organization, provider=provider, title=title, number=number,
            method=method, budget=budget, start_on=start_on, end_on=end_on, items=items,
            satisfaction_weight=int(satisfaction_weight), created_by=actor)
        ContractIndicator.objects.bulk_create([ContractIndicator(contract=contract, name=n, weight=w)
                                               for n, w in indicators])
        Milestone.objects.bulk_create([Milestone(contract=contract, sequence=i, label=lbl, amount=a)
                                       for i, (lbl, a) in enumerate(milestones, start=1)])
        audit_change(AuditAction.CREATE, actor, contract, changes={"number": number, "budget": str(budget)})
        record_event(kind=PurchaseEvent.CONTRACT_SIGNED, subject=contract, actor=actor, region=actor.region,
                     summary=f"签订购买服务合同：{title}（{provider.name}，{budget} 元）")
    return contract


def staff_dispatch(*, actor, contract: Contract, name: str, post: str, region, institution: str = "",
                   qualification: str = "") -> ContractStaff:
    require(actor, Capability.PURCHASE_SERVICES)
    contract = sel.contract_get(actor=actor, contract_id=contract.pk)
    name = clean_text(name, "姓名", "name", 50, required=True)
    if post not in StaffPost.values:
        raise invalid("请选择派驻层级", "post")
    if region is None or not region.path.startswith(contract.region.path):
        raise invalid("派驻地区应在合同实施地区内", "region")
    institution = clean_text(institution, "特困供养机构名称", "institution", 120,
                             required=post == StaffPost.INSTITUTION)
    with transaction.atomic():
        staff = ContractStaff.objects.create(contract=contract, name=name, post=post, region=region,
                                             institution=institution,
                                             qualification=clean_text(qualification, "职业资格", "qualification", 60))
        audit_change(AuditAction.CREATE, actor, staff, changes={"post": post, "region": region.code})
        record_event(kind=PurchaseEvent.STAFF_DISPATCHED, subject=staff, actor=actor, region=region,
                     summary=f"派驻人员：{name}（{StaffPost(post).label}）")
    return staff


def service_record(*, actor, contract: Contract, person, item: str, served_on: dt.date | None, hours,
                   staff: ContractStaff | None, note: str = "") -> ServiceRecord:
    """A service given to a registry person under the contract; it waits for the person's township."""
    require(actor, Capability.PURCHASE_SERVICES)
    contract = sel.contract_get(actor=actor, contract_id=contract.pk)
    if person is None:
        raise invalid("请选择服务对象", "person")
    # The contract is in the actor's scope (404 above), so a person of its region is too.
    if not person.region.path.startswith(contract.region.path):
        raise invalid("服务对象不在合同实施地区内", "person")
    if item not in contract.items:
        raise invalid("该服务内容不在合同约定的服务内容中", "item")
    if served_on is None:
        raise invalid("请填写服务日期", "served_on")
    if served_on > today() or not contract.start_on <= served_on <= contract.end_on:
        raise invalid("服务日期应在合同服务期内且不晚于今天", "served_on")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise invalid("请填写服务时长（小时）", "hours") from None
    if not 0 < hours <= 24:
        raise invalid("服务时长应大于 0 且不超过 24 小时", "hours")
    if staff is None or staff.contract_id != contract.pk:
        raise invalid("请选择本合同的派驻人员", "staff")
    note = clean_text(note, "服务情况", "note", 500)
    with transaction.atomic():
        record = ServiceRecord.objects.create(contract=contract, person=person, region_path=person.region.path,
                                              item=item, served_on=served_on, hours=hours, staff=staff, note=note,
                                              recorded_by=actor)
        audit_change(AuditAction.CREATE, actor, record, person_id=person.pk,
                     changes={"item": item, "served_on": str(served_on), "hours": str(hours)})
        record_event(kind=PurchaseEvent.SERVICE_RECORDED, subject=record, actor=actor, person_id=person.pk,
                     household_id=person.household_id, region=person.region,
                     summary=f"购买服务：{ServiceItem(item).label} {hours} 小时（{contract.provider.name}）")
    return record


def _record_locked(actor, record: ServiceRecord) -> ServiceRecord:
    if not sel.records_in_scope(actor).filter(pk=record.pk).exists():
        raise Http404(NOT_FOUND)
    current = ServiceRecord.objects.select_for_update(of=("self",)).select_related("person__region").get(pk=record.pk)
    if current.status != RecordStatus.PENDING:
        raise refused("该服务记录已处理")
    if actor.region is None or actor.region.level != RegionLevel.TOWNSHIP:
        raise refused("服务记录由服务对象所在乡镇（街道）确认")
    return current


def service_confirm(*, actor, record: ServiceRecord) -> ServiceRecord:
    require(actor, Capability.CONFIRM_SERVICES)
    with transaction.atomic():
        current = _record_locked(actor, record)
        current.status, current.confirmed_by, current.confirmed_at = RecordStatus.CONFIRMED, actor, timezone.now()
        current.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit_change(AuditAction.UPDATE, actor, current, person_id=current.person_id,
                     changes={"status": RecordStatus.CONFIRMED})
        record_event(kind=PurchaseEvent.SERVICE_CONFIRMED, subject=current, actor=actor, person_id=current.person_id,
                     household_id=current.person.household_id, region=current.person.region,
                     summary="乡镇已确认服务记录")
    return current


def service_return(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    require(actor, Capability.CONFIRM_SERVICES)
    reason = clean_text(reason, "退回理由", "reason", 300, required=True)
    with transaction.atomic():
        current = _record_locked(actor, record)
        current.status, current.confirmed_by, current.confirmed_at = RecordStatus.RETURNED, actor, timezone.now()
        current.return_reason = reason
        current.save(update_fields=["status", "confirmed_by", "confirmed_at", "return_reason"])
        audit_change(AuditAction.UPDATE, actor, current, person_id=current.person_id,
                     changes={"status": RecordStatus.RETURNED, "reason": reason})
        record_event(kind=PurchaseEvent.SERVICE_RETURNED, subject=current, actor=actor, person_id=current.person_id,
                     household_id=current.person.household_id, region=current.person.region,
                     summary=f"乡镇退回服务记录：{reason[:100]}")
    return current


def evaluation_record(*, actor, milestone: Milestone, scores: dict[int, object], satisfaction,
                      evaluated_on: dt.date | None = None) -> Evaluation:
    """The milestone's evaluation: each indicator scored out of 100, weighted into the purchaser's score; with
    the beneficiaries' satisfaction (its weight is the contract's) the total; the total's band (the contract
    region's bands in force on the evaluation's date, funds/settings_catalog.py) makes the payable amount.
    Milestones are evaluated in order, each once."""
    require(actor, Capability.PURCHASE_SERVICES)
    contract = sel.contract_get(actor=actor, contract_id=milestone.contract_id)
    indicators = list(contract.indicators.order_by("id"))
    given = {int(k): v for k, v in scores.items()}
    points = {}
    for ind in indicators:
        if given.get(ind.pk) in (None, ""):
            raise invalid(f"请为指标“{ind.name}”打分", f"score_{ind.pk}")
        points[ind.pk] = _score(given[ind.pk], f"“{ind.name}”得分", f"score_{ind.pk}")
    satisfaction = _score(satisfaction, "服务对象满意度", "satisfaction")
    day = evaluated_on or today()
    purchaser = (sum((points[i.pk] * i.weight for i in indicators), Decimal(0)) / HUNDRED).quantize(Decimal("0.01"))
    sw = Decimal(contract.satisfaction_weight)
    total = ((purchaser * (HUNDRED - sw) + satisfaction * sw) / HUNDRED).quantize(Decimal("0.01"))
    ratio, grade = payment_ratio(total, payment_bands(contract.region, day))
    with transaction.atomic():
        current = Milestone.objects.select_for_update().get(pk=milestone.pk, contract=contract)
        if current.status != MilestoneStatus.OPEN:
            raise refused("该支付节点已评价")
        if contract.milestones.filter(sequence__lt=current.sequence, status=MilestoneStatus.OPEN).exists():
            raise refused("请先评价前一支付节点")
        evaluation = Evaluation.objects.create(milestone=current, evaluated_on=day, purchaser_score=purchaser,
                                               satisfaction=satisfaction, total_score=total, grade=grade,
                                               evaluated_by=actor)
        EvaluationScore.objects.bulk_create([EvaluationScore(evaluation=evaluation, indicator_id=i.pk,
                                                             score=points[i.pk]) for i in indicators])
        current.payable = (current.amount * ratio).quantize(Decimal("0.01"))
        current.status = MilestoneStatus.EVALUATED
        current.save(update_fields=["payable", "status"])
        audit_change(AuditAction.CREATE, actor, evaluation,
                     changes={"total": str(total), "grade": grade, "payable": str(current.payable)})
        record_event(kind=PurchaseEvent.MILESTONE_EVALUATED, subject=current, actor=actor, region=contract.region,
                     summary=f"{contract.title}{current.label}绩效评价 {total} 分（{grade}），"
                             f"应付 {current.payable} 元")
    return evaluation


def milestone_pay(*, actor, milestone: Milestone) -> Milestone:
    """The approver pays an evaluated milestone: the payable amount, never the planned one."""
    require(actor, Capability.APPROVE_FUND)
    contract = sel.contract_get(actor=actor, contract_id=milestone.contract_id)
    with transaction.atomic():
        current = Milestone.objects.select_for_update().get(pk=milestone.pk, contract=contract)
        if current.status != MilestoneStatus.EVALUATED:
            raise refused("支付节点须先完成绩效评价，且只能支付一次")
        current.status, current.paid_at, current.paid_by = MilestoneStatus.PAID, timezone.now(), actor
        current.save(update_fields=["status", "paid_at", "paid_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"paid": str(current.payable)})
        record_event(kind=PurchaseEvent.MILESTONE_PAID, subject=current, actor=actor, region=contract.region,
                     summary=f"{contract.title}{current.label}已支付 {current.payable} 元")
    return current
