"""Writes of the safety-net fund. Each service checks the capability, then the scope (404 out of it), then the
rule, and writes in one transaction with an audit row and an event (FundEvent). Money leaves the fund only for a
decided case (一事一议 or 先行救助) whose decision is attached, only once an approver approves it, and never
beyond the balance: the fund's row is locked while the balance is checked, so two approvals cannot both spend the
last yuan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from jiuzhu.core import references
from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.files import file_facts, stored_file_delete, stored_file_save
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.references import DecidedCase
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds.fund_events import FundEvent
from jiuzhu.funds.fund_models import (
    SHARE_SOURCES,
    DecisionKind,
    EntryKind,
    EntryStatus,
    Fund,
    FundEntry,
    FundSource,
)

NOT_FOUND = "记录不存在或不在您的管辖范围内"


def money(value, label: str, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise invalid(f"请填写{label}", field)
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid(f"{label}应为金额，如 1500.00", field) from None
    if amount <= 0:
        raise invalid(f"{label}应大于 0", field)
    if amount >= Decimal("1e12"):
        raise invalid(f"{label}过大", field)
    return amount


def _fund_locked(actor, fund: Fund, *, serving: bool = False) -> Fund:
    """The fund's row, locked for the transaction, if the actor's region holds it (or, with `serving`, the fund
    is set up above the actor's region and serves it: a county's officer proposing from the city's fund); else
    404."""
    if not region_in_scope(actor, fund.region) and not (
            serving and sel.funds_in_scope(actor).filter(sel.serving_q(actor), pk=fund.pk).exists()):
        raise Http404(NOT_FOUND)
    return Fund.objects.select_for_update(of=("self",)).select_related("region").get(pk=fund.pk)


def fund_open(*, actor, region: Region, name: str = "") -> Fund:
    require(actor, Capability.MANAGE_FUND)
    if not region_in_scope(actor, region):
        raise Http404(NOT_FOUND)
    name = clean_text(name, "基金名称", "name", 100) or f"{region.name}托底救助基金"
    with transaction.atomic():
        if Fund.objects.filter(region=region).exists():
            raise refused(f"{region.name}已设立托底救助基金")
        # One fund covers a region (seed 002: the city's fund, its counties' cases paid from it): none above it
        # that already serves it, none below it that it would overlap.
        covering = Fund.objects.select_related("region").filter(
            Q(region__code__in=region.ancestor_codes()) | Q(region__path__startswith=region.path)).first()
        if covering is not None:
            raise refused(f"{covering.region.name}已设立{covering.name}，覆盖本辖区，不再另设基金")
        fund = Fund.objects.create(region=region, name=name)
        audit_change(AuditAction.CREATE, actor, fund, changes={"name": name})
    return fund


def contribution_record(*, actor, fund: Fund, source: str, amount, entry_date: dt.date | None = None,
                        available_funds=None, voucher: str = "", note: str = "") -> FundEntry:
    """A contribution, booked at once. The red cross and the charity federation state their available funds of
    the year, so the statement can show whether their share reaches one third (seed 002)."""
    require(actor, Capability.MANAGE_FUND)
    if source not in FundSource.values:
        raise invalid("请选择资金来源", "source")
    amount = money(amount, "金额", "amount")
    available = money(available_funds, "该机构当年可用资金", "available_funds", required=source in SHARE_SOURCES)
    if source not in SHARE_SOURCES:
        available = None
    day = entry_date or sel.today()
    if day > sel.today():
        raise invalid("入账日期不能晚于今天", "entry_date")
    voucher = clean_text(voucher, "凭证号", "voucher", 60)
    note = clean_text(note, "摘要", "note", 300)
    with transaction.atomic():
        fund = _fund_locked(actor, fund)
        entry = FundEntry.objects.create(fund=fund, kind=EntryKind.CONTRIBUTION, status=EntryStatus.BOOKED,
                                         entry_date=day, amount=amount, source=source, available_funds=available,
                                         voucher=voucher, note=note, recorded_by=actor)
        audit_change(AuditAction.CREATE, actor, entry, changes={"source": source, "amount": str(amount)})
        record_event(kind=FundEvent.CONTRIBUTION_RECORDED, subject=entry, actor=actor, region=fund.region,
                     summary=f"{fund.name}收入：{FundSource(source).label} {amount} 元")
    return entry


def disbursement_prepare(*, actor, fund: Fund, household, amount, decision_kind: str, decision_ref: str,
                         decided_on: dt.date | None, decision_file: bytes | None, decision_filename: str = "",
                         note: str = "", source_kind: str = "", source_id=None) -> FundEntry:
    """A disbursement for a decided case, waiting for approval. Refused without the decision (kind, number, date
    and the scanned decision) or beyond what the fund still has (balance less disbursements already pending).

    `source_kind`/`source_id` link it to the decided case in the app that decided it (core/references.py:
    monitoring's 一事一议, intake's 先行救助): the case must be in the actor's jurisdiction (404), decided, of this
    household and this decision kind, the amount not above what was decided, and not paid by the fund already."""
    require(actor, Capability.MANAGE_FUND)
    if household is None:
        raise invalid("请选择救助家庭", "household")
    if not region_in_scope(actor, household.region) or not household.region.path.startswith(fund.region.path):
        raise Http404(NOT_FOUND)
    amount = money(amount, "支出金额", "amount")
    case = decided_case(actor, source_kind, source_id) if source_kind else None
    if case is not None:
        if case.household_id != household.pk:
            raise invalid("救助家庭与所选决定的家庭不一致", "household")
        if case.decision_kind != decision_kind:
            raise invalid(f"所选决定是{DecisionKind(case.decision_kind).label}，决定方式应一致", "decision_kind")
        if case.amount is not None and amount > case.amount:
            raise invalid(f"支出金额不能超过决定的金额 {case.amount} 元", "amount")
    if decision_kind not in DecisionKind.values:
        raise invalid("托底救助基金只用于一事一议或先行救助已决定的个案：请选择决定方式", "decision_kind")
    decision_ref = clean_text(decision_ref, "决定文号（会议纪要）", "decision_ref", 100, required=True)
    if decided_on is None:
        raise invalid("请填写决定日期", "decided_on")
    if decided_on > sel.today():
        raise invalid("决定日期不能晚于今天", "decided_on")
    if not decision_file:
        raise invalid("请上传决定文书（会议纪要或先行救助审批表的扫描件）", "decision_file")
    facts = file_facts(decision_file)  # refuses anything but PDF, JPEG or PNG, empty or too big
    note = clean_text(note, "摘要", "note", 300)
    key = stored_file_save(data=decision_file)
    try:
        entry = _disbursement_create(actor, fund, household, amount, decision_kind, decision_ref, decided_on,
                                     key, facts, decision_filename, note, case)
    except BaseException:
        stored_file_delete(key)  # the record was never committed: its file goes too
        raise
    return entry


def decided_case(actor, source_kind: str, source_id) -> DecidedCase:
    """The decided case a disbursement is for (404 out of scope; refused if not decided or already paid)."""
    case = references.resolve(actor, source_kind, source_id, field="source")
    if _paid_for(case).exists():
        raise refused(f"{case.label}已有托底救助基金支出（待审批或已入账），同一个案不重复支出")
    return case


def _paid_for(case: DecidedCase):
    return FundEntry.objects.filter(source_kind=case.kind, source_id=case.id).exclude(status=EntryStatus.REJECTED)


def _disbursement_create(actor, fund, household, amount, decision_kind, decision_ref, decided_on, key, facts,
                         decision_filename, note, case: DecidedCase | None = None) -> FundEntry:
    with transaction.atomic():
        fund = _fund_locked(actor, fund, serving=True)
        if case is not None and _paid_for(case).exists():  # again under the fund's lock: two officers at once
            raise refused(f"{case.label}已有托底救助基金支出（待审批或已入账），同一个案不重复支出")
        left = sel.balance(fund) - sel.pending_out(fund)
        if amount > left:
            raise invalid(f"支出 {amount} 元超出基金可用余额 {left} 元（已扣除待审批支出），不能透支", "amount")
        entry = FundEntry.objects.create(
            fund=fund, kind=EntryKind.DISBURSEMENT, status=EntryStatus.PENDING, entry_date=sel.today(),
            amount=amount, household=household, decision_kind=decision_kind, decision_ref=decision_ref,
            decided_on=decided_on, decision_file_key=key,
            decision_filename=clean_text(decision_filename, "文件名", "decision_file", 200) or "决定文书",
            decision_content_type=facts.content_type, decision_sha256=facts.sha256, note=note, recorded_by=actor,
            source_kind=case.kind if case else "", source_id=case.id if case else None,
            source_label=case.label if case else "")
        audit_change(AuditAction.CREATE, actor, entry, person_id=household.head_id,
                     changes={"amount": str(amount), "decision_kind": decision_kind, "decision_ref": decision_ref,
                              **({"source": f"{case.kind}:{case.id}"} if case else {})})
        record_event(kind=FundEvent.DISBURSEMENT_PREPARED, subject=entry, actor=actor, household_id=household.pk,
                     region=household.region,
                     summary=f"托底救助基金拟支出 {amount} 元（{DecisionKind(decision_kind).label}：{decision_ref}）")
    return entry


def _entry_locked(actor, entry: FundEntry) -> FundEntry:
    current = sel.entries_in_scope(actor).select_related("fund__region", "household__region")\
        .filter(pk=entry.pk).first()
    if current is None:
        raise Http404(NOT_FOUND)
    if not region_in_scope(actor, current.fund.region):
        # A county's own case in the city's fund: seen there, decided by the city (seed 002).
        raise PermissionDenied(f"{current.fund.name}的支出由{current.fund.region.name}审批")
    _fund_locked(actor, current.fund)  # the fund first: the one lock order of every write
    return FundEntry.objects.select_for_update(of=("self",)).select_related("fund__region", "household__region")\
        .get(pk=entry.pk)


def disbursement_approve(*, actor, entry: FundEntry) -> FundEntry:
    require(actor, Capability.APPROVE_FUND)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if current.kind != EntryKind.DISBURSEMENT or current.status != EntryStatus.PENDING:
            raise refused("只有待审批的支出可以审批")
        have = sel.balance(current.fund)
        if current.amount > have:
            raise refused(f"支出 {current.amount} 元超出基金余额 {have} 元，不能透支")
        current.status, current.decided_by, current.approved_at = EntryStatus.BOOKED, actor, timezone.now()
        current.entry_date = sel.today()
        current.save(update_fields=["status", "decided_by", "approved_at", "entry_date"])
        audit_change(AuditAction.UPDATE, actor, current, person_id=current.household.head_id,
                     changes={"status": EntryStatus.BOOKED})
        record_event(kind=FundEvent.DISBURSEMENT_APPROVED, subject=current, actor=actor,
                     household_id=current.household_id, region=current.household.region,
                     summary=f"托底救助基金支出 {current.amount} 元已批准")
    return current


def disbursement_reject(*, actor, entry: FundEntry, reason: str) -> FundEntry:
    require(actor, Capability.APPROVE_FUND)
    reason = clean_text(reason, "不予批准理由", "reason", 300, required=True)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if current.kind != EntryKind.DISBURSEMENT or current.status != EntryStatus.PENDING:
            raise refused("只有待审批的支出可以审批")
        current.status, current.decided_by, current.approved_at = EntryStatus.REJECTED, actor, timezone.now()
        current.reject_reason = reason
        current.save(update_fields=["status", "decided_by", "approved_at", "reject_reason"])
        audit_change(AuditAction.UPDATE, actor, current, person_id=current.household.head_id,
                     changes={"status": EntryStatus.REJECTED, "reason": reason})
        record_event(kind=FundEvent.DISBURSEMENT_REJECTED, subject=current, actor=actor,
                     household_id=current.household_id, region=current.household.region,
                     summary=f"托底救助基金支出 {current.amount} 元未批准：{reason[:100]}")
    return current
