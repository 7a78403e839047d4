"""Writes of the funds app (payments). Each service checks, in this order, the capability (PREPARE_PAYMENTS or
REVIEW_PAYMENTS), the jurisdiction (404 out of it), the status, then writes in one transaction with an audit row and
an event (FundsEvent). The review chain: 乡镇经办 → 乡镇审核 (per township part) → 县民政经办 → 县民政审核; an
approved roll is frozen. Set-based SQL lives in rolls.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Sum
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.bulk_indexes import large_cache
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.funds import rolls as sql
from jiuzhu.funds import selectors
from jiuzhu.funds.events import FundsEvent
from jiuzhu.funds.models import (
    CheckHit,
    LineStatus,
    PaymentLine,
    PaymentRoll,
    PaymentStop,
    Recovery,
    RecoveryStatus,
    RollStatus,
    RollTownship,
    SubsidyItem,
    TownshipStatus,
)

EDITABLE_PARTS = (TownshipStatus.PENDING, TownshipStatus.RETURNED)
COUNTY_LEVELS = (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)


def _event(kind: str, roll: PaymentRoll, actor, summary: str, **payload) -> None:
    record_event(kind=kind, subject=roll, actor=actor, region=roll.county, summary=summary, payload=payload or None)


def _require_county_step(actor, roll: PaymentRoll) -> None:
    """County steps: a county-level user whose jurisdiction holds the roll's county."""
    if not region_in_scope(actor, roll.county):
        if selectors.rolls(actor).filter(pk=roll.pk).exists():
            raise PermissionDenied("县民政经办、审核须由县级民政部门人员办理")
        raise Http404("记录不存在或不在您的管辖范围内")


def _part(actor, roll: PaymentRoll, township: Region) -> RollTownship:
    if not region_in_scope(actor, township):
        raise Http404("记录不存在或不在您的管辖范围内")
    part = roll.townships.filter(township=township).first()
    if part is None:
        raise Http404("该乡镇没有本花名册的发放对象")
    return part


def _month(value: dt.date) -> dt.date:
    return value.replace(day=1)


# ---- Preparing (编制) -------------------------------------------------------------------------------------------

def refresh_totals(roll: PaymentRoll) -> None:
    """Township parts and the roll's totals from its lines (户数, 人数, 金额): one GROUP BY, a row per township."""
    totals = {t: (h, p or 0, a or 0) for t, h, p, a in sql.township_totals(roll)}
    parts = {p.township_id: p for p in roll.townships.all()}
    new = [RollTownship(roll=roll, township_id=t) for t in totals if t not in parts]
    RollTownship.objects.bulk_create(new)
    parts = {p.township_id: p for p in roll.townships.all()}
    for township_id, part in parts.items():
        part.households, part.persons, part.amount = totals.get(township_id, (0, 0, 0))
    RollTownship.objects.bulk_update(parts.values(), ["households", "persons", "amount"])
    households, persons, amount = sql.roll_totals(roll)
    roll.households, roll.persons = households or 0, persons or 0
    roll.amount = Decimal(str(amount or 0)).quantize(Decimal("0.01"))  # SQLite sums as a float
    roll.save(update_fields=["households", "persons", "amount"])


def roll_prepare(*, actor, county: Region, month: dt.date, item: str) -> PaymentRoll:
    """Computes (or computes again) the roll of a county, month and item for the actor's part of the county: a
    township window its township, the county office every township not yet handed on. Lines come from the grants
    in force on the month's first day (rolls.py, one INSERT … SELECT); preparing again replaces the part's lines,
    never duplicates them. A roll handed on to the county, or approved, is not touched."""
    require(actor, Capability.PREPARE_PAYMENTS)
    if item not in SubsidyItem.values:
        raise invalid("请选择资金科目", "item")
    if county.level != RegionLevel.COUNTY:
        raise invalid("请选择县（区）", "county")
    scope_path = county.path
    if not region_in_scope(actor, county):
        if actor.region_id is None or not actor.region.path.startswith(county.path):
            raise Http404("记录不存在或不在您的管辖范围内")
        scope_path = actor.region.path  # a township's window prepares its township's part
    month = _month(month)
    with transaction.atomic():
        roll, created = PaymentRoll.objects.select_for_update().get_or_create(county=county, month=month, item=item)
        if roll.status != RollStatus.TOWNSHIP:
            raise refused("花名册已报送县民政部门或已审核冻结，不能重新编制")
        locked = list(roll.townships.exclude(status__in=EDITABLE_PARTS).values_list("township_id", flat=True))
        stale = PaymentLine.objects.filter(roll=roll, township__path__startswith=scope_path).exclude(
            township_id__in=locked)
        # manual adjustments (调整, few) are carried over to the recomputed lines of the same payee and grant
        adjusted = list(stale.filter(batch=0).exclude(adjustment=0).values_list(
            "payee_id", "grant_id", "adjustment", "adjustment_reason"))
        CheckHit.objects.filter(line__in=stale).delete()
        stale._raw_delete(stale.db)  # lines only (hits gone above): one DELETE, no per-row collection
        written = sql.compute_lines(roll=roll, region_path=scope_path, locked_townships=locked)
        sql.analyze_lines()
        for payee_id, grant_id, adjustment, reason in adjusted:
            PaymentLine.objects.filter(roll=roll, payee_id=payee_id, grant_id=grant_id, batch=0).update(
                adjustment=adjustment, adjustment_reason=reason, total=F("amount") + F("back_pay") + adjustment)
        refresh_totals(roll)
        roll.prepared_at = timezone.now()
        roll.save(update_fields=["prepared_at"])
        audit_change("create" if created else "update", actor, roll, changes={"lines": written, "scope": scope_path})
        _event(FundsEvent.ROLL_PREPARED, roll, actor, f"编制{roll}：{written} 条", lines=written)
    return roll


def roll_check(*, actor, roll: PaymentRoll) -> dict[str, int]:
    """Runs the pre-approval checks over the whole roll (set-based); open hits per kind."""
    require(actor, Capability.PREPARE_PAYMENTS) if roll.status != RollStatus.COUNTY_REVIEW else \
        require(actor, Capability.REVIEW_PAYMENTS)
    selectors.roll_get(actor, roll.pk)
    if roll.status == RollStatus.APPROVED:
        raise refused("花名册已审核冻结")
    with transaction.atomic():
        found = sql.run_checks(roll)
        roll.checked_at = timezone.now()
        roll.save(update_fields=["checked_at"])
        _event(FundsEvent.ROLL_CHECKED, roll, actor, f"核查{roll}：{sum(found.values())} 处待处理", hits=found)
    return found


def hit_override(*, actor, hit: CheckHit, reason: str) -> CheckHit:
    """Lets a hit through with a written reason (县民政审核)."""
    require(actor, Capability.REVIEW_PAYMENTS)
    roll = hit.roll
    _require_county_step(actor, roll)
    if roll.status == RollStatus.APPROVED:
        raise refused("花名册已审核冻结")
    reason = clean_text(reason, "放行理由", "reason", 300, required=True)
    with transaction.atomic():
        hit.override_reason, hit.overridden_by, hit.overridden_at = reason, actor, timezone.now()
        hit.save(update_fields=["override_reason", "overridden_by", "overridden_at"])
        audit_change("update", actor, hit, person_id=hit.line.payee_id, changes={"override_reason": reason})
        _event(FundsEvent.HIT_OVERRIDDEN, roll, actor, f"放行核查项“{hit.get_kind_display()}”：{reason}",
               hit=hit.pk, line=hit.line_id)
    return hit


def line_adjust(*, actor, line: PaymentLine, amount, reason: str) -> PaymentLine:
    """调整: a line's amount changed by hand (signed: 正数多发, 负数少发) with a written reason, while its township's
    part is still being prepared (乡镇经办 or sent back); refused once the part has moved on or the roll is frozen.
    The township's and the roll's totals follow."""
    from decimal import InvalidOperation

    require(actor, Capability.PREPARE_PAYMENTS)
    if not region_in_scope(actor, line.township):
        raise Http404("记录不存在或不在您的管辖范围内")
    try:
        amount = Decimal(str(amount).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid("调整金额：请填写数字，如 -50 或 120.5", "amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal("100000"):
        raise invalid("调整金额：请填写数字，如 -50 或 120.5", "amount")
    reason = clean_text(reason, "调整理由", "reason", 200, required=True)
    with transaction.atomic():
        roll = PaymentRoll.objects.select_for_update().get(pk=line.roll_id)
        line = PaymentLine.objects.select_for_update().get(pk=line.pk)
        part = roll.townships.filter(township_id=line.township_id).first()
        if roll.status != RollStatus.TOWNSHIP or part is None or part.status not in EDITABLE_PARTS:
            raise refused("该乡镇的花名册已提交审核、报送县民政部门或已审核冻结，不能调整")
        if line.batch != 0:
            raise refused("更正发放的记录不能调整")
        total = line.amount + line.back_pay + amount
        if total < 0:
            raise invalid("调整后实发金额不能为负数", "amount")
        before = line.adjustment
        line.adjustment, line.adjustment_reason, line.total = amount, reason, total
        line.save(update_fields=["adjustment", "adjustment_reason", "total"])
        refresh_totals(roll)
        audit_change("update", actor, line, person_id=line.payee_id,
                     changes={"adjustment": [str(before), str(amount)], "reason": reason})
        record_event(kind=FundsEvent.LINE_ADJUSTED, subject=line, actor=actor, person_id=line.payee_id,
                     household_id=line.household_id, region=line.township,
                     summary=f"{roll}：调整 {amount} 元，实发 {total} 元。理由：{reason}"[:300],
                     payload={"roll": roll.pk, "adjustment": str(amount)})
    return line


# ---- The review chain ---------------------------------------------------------------------------------------------

def township_submit(*, actor, roll: PaymentRoll, township: Region) -> RollTownship:
    """乡镇经办: the township's part handed to the township's review."""
    require(actor, Capability.PREPARE_PAYMENTS)
    part = _part(actor, roll, township)
    if roll.status != RollStatus.TOWNSHIP or part.status not in EDITABLE_PARTS:
        raise refused("该乡镇的花名册不在待经办状态")
    with transaction.atomic():
        part.status, part.handled_by, part.return_reason = TownshipStatus.SUBMITTED, actor, ""
        part.save(update_fields=["status", "handled_by", "return_reason"])
        audit_change("update", actor, part, changes={"status": part.status})
        _event(FundsEvent.TOWNSHIP_SUBMITTED, roll, actor, f"{township.name}经办提交", township=township.code)
    return part


def township_review(*, actor, roll: PaymentRoll, township: Region) -> RollTownship:
    """乡镇审核: the part passes; when every township's part has passed, the roll goes to the county."""
    require(actor, Capability.PREPARE_PAYMENTS)
    part = _part(actor, roll, township)
    if roll.status != RollStatus.TOWNSHIP or part.status != TownshipStatus.SUBMITTED:
        raise refused("该乡镇的花名册不在待审核状态")
    with transaction.atomic():
        part.status, part.reviewed_by = TownshipStatus.REVIEWED, actor
        part.save(update_fields=["status", "reviewed_by"])
        audit_change("update", actor, part, changes={"status": part.status})
        _event(FundsEvent.TOWNSHIP_REVIEWED, roll, actor, f"{township.name}审核通过", township=township.code)
        if not roll.townships.exclude(status=TownshipStatus.REVIEWED).exists():
            roll.status = RollStatus.COUNTY_HANDLING
            roll.save(update_fields=["status"])
    return part


def township_return(*, actor, roll: PaymentRoll, township: Region, reason: str) -> RollTownship:
    """乡镇审核 sends the part back to 乡镇经办 with a reason."""
    require(actor, Capability.PREPARE_PAYMENTS)
    part = _part(actor, roll, township)
    reason = clean_text(reason, "退回理由", "reason", 300, required=True)
    if roll.status != RollStatus.TOWNSHIP or part.status != TownshipStatus.SUBMITTED:
        raise refused("该乡镇的花名册不在待审核状态")
    with transaction.atomic():
        part.status, part.return_reason = TownshipStatus.RETURNED, reason
        part.save(update_fields=["status", "return_reason"])
        audit_change("update", actor, part, changes={"status": part.status, "reason": reason})
        _event(FundsEvent.ROLL_RETURNED, roll, actor, f"{township.name}退回：{reason}", township=township.code)
    return part


def county_handle(*, actor, roll: PaymentRoll) -> PaymentRoll:
    """县民政经办: checks run over the whole roll, then it goes to the county's review."""
    require(actor, Capability.PREPARE_PAYMENTS)
    _require_county_step(actor, roll)
    if roll.status != RollStatus.COUNTY_HANDLING:
        raise refused("花名册不在待县民政经办状态")
    with transaction.atomic():
        found = sql.run_checks(roll)
        roll.status, roll.county_handled_by, roll.checked_at = RollStatus.COUNTY_REVIEW, actor, timezone.now()
        roll.return_reason = ""
        roll.save(update_fields=["status", "county_handled_by", "checked_at", "return_reason"])
        audit_change("update", actor, roll, changes={"status": roll.status})
        _event(FundsEvent.COUNTY_HANDLED, roll, actor, f"县民政经办提交审核，核查 {sum(found.values())} 处待处理",
               hits=found)
    return roll


def roll_return(*, actor, roll: PaymentRoll, reason: str, township: Region | None = None) -> PaymentRoll:
    """Sends the roll back one step with a reason: 县民政审核 → 县民政经办; 县民政经办 → the townships (one named
    township, or all of them)."""
    reason = clean_text(reason, "退回理由", "reason", 300, required=True)
    if roll.status == RollStatus.COUNTY_REVIEW:
        require(actor, Capability.REVIEW_PAYMENTS)
        _require_county_step(actor, roll)
        new_status = RollStatus.COUNTY_HANDLING
    elif roll.status == RollStatus.COUNTY_HANDLING:
        require(actor, Capability.PREPARE_PAYMENTS)
        _require_county_step(actor, roll)
        new_status = RollStatus.TOWNSHIP
    else:
        raise refused("花名册不在县民政经办或审核状态，不能退回")
    with transaction.atomic():
        if new_status == RollStatus.TOWNSHIP:
            parts = roll.townships.all() if township is None else roll.townships.filter(township=township)
            parts.update(status=TownshipStatus.RETURNED, return_reason=reason)
        roll.status, roll.return_reason = new_status, reason
        roll.save(update_fields=["status", "return_reason"])
        audit_change("update", actor, roll, changes={"status": roll.status, "reason": reason})
        _event(FundsEvent.ROLL_RETURNED, roll, actor, f"退回{roll.get_status_display()}：{reason}")
    return roll


def roll_approve(*, actor, roll: PaymentRoll) -> PaymentRoll:
    """县民政审核: the checks run once more (the registry may have changed since 县民政经办); with no open hit the
    roll is approved and frozen. The reviewer is not the county officer who handled it."""
    require(actor, Capability.REVIEW_PAYMENTS)
    _require_county_step(actor, roll)
    if roll.status != RollStatus.COUNTY_REVIEW:
        raise refused("花名册不在待县民政审核状态")
    if roll.county_handled_by_id == actor.pk:
        raise refused("县民政审核须由经办人以外的人员办理")
    with transaction.atomic():
        found = sql.run_checks(roll)
        roll.checked_at = timezone.now()
        roll.save(update_fields=["checked_at"])
    if found:
        raise refused(f"尚有 {sum(found.values())} 处核查问题未处理（放行须填写理由），不能审核通过")
    with transaction.atomic():
        roll.status, roll.approved_by, roll.approved_at = RollStatus.APPROVED, actor, timezone.now()
        roll.save(update_fields=["status", "approved_by", "approved_at"])
        audit_change("update", actor, roll, changes={"status": roll.status})
        _event(FundsEvent.ROLL_APPROVED, roll, actor,
               f"审核通过并冻结：{roll.households} 户 {roll.persons} 人，{roll.amount} 元")
    return roll


# ---- Bank files, returns, stops, corrections ----------------------------------------------------------------------

def _require_approved_county_step(actor, roll: PaymentRoll, capability: str = Capability.PREPARE_PAYMENTS) -> None:
    require(actor, capability)
    _require_county_step(actor, roll)
    if roll.status != RollStatus.APPROVED:
        raise refused("花名册审核通过后才能生成银行文件、导入回盘")


def bank_file(*, actor, roll: PaymentRoll, bank_name: str, batch: int = 0):
    """(layout, columns) of one bank's payment file: the lines waiting for the bank (正常发放 batch 0, 更正发放
    batch 1), as text columns in the layout's order (bankfiles.export_columns). Its payees are audited as one
    list (core.audit.audit_person_set: one chained row, the persons by one INSERT … SELECT) and the export is an
    event."""
    from jiuzhu.core.audit import audit_person_set
    from jiuzhu.funds import bankfiles

    _require_approved_county_step(actor, roll)
    lines = roll.lines.filter(bank_name=bank_name, batch=batch, status=LineStatus.ISSUED)
    layout = bankfiles.layout_for(roll.county, bank_name)
    kind = "更正发放" if batch else "正常发放"
    # the file's payees as ONE chained audit row and its list of persons (a row per payee through the chain
    # trigger was most of the export's time at a million lines)
    label = f"银行代发文件（{roll.county.name}{roll.month:%Y年%m月}花名册 #{roll.pk}，{bank_name}，{kind}）"
    with large_cache():
        audit_person_set(actor=actor, persons=lines.values_list("payee_id", flat=True), purpose="bank_file",
                         label=label)
    _event(FundsEvent.BANK_FILE_EXPORTED, roll, actor, f"生成{bank_name}代发文件（{kind}）",
           bank=bank_name, batch=batch)
    return layout, bankfiles.export_columns(roll, layout, bank_name=bank_name, batch=batch)


def return_import(*, actor, roll: PaymentRoll, data: bytes, filename: str):
    """The bank's return file: each row marks its line paid or failed (with the reason). All or nothing; the same
    file imported again changes nothing (its SHA-256 is the batch key)."""
    from jiuzhu.funds import bankfiles
    from jiuzhu.funds.models import ReturnFile

    _require_approved_county_step(actor, roll)
    rows = bankfiles.read_return(data, filename)
    existing = ReturnFile.objects.filter(key=rows.key).first()
    if existing is not None:
        return existing
    bankfiles.check_against_roll(roll, rows)
    with transaction.atomic():
        paid, failed = bankfiles.apply_return(roll, rows)
        record = ReturnFile.objects.create(roll=roll, key=rows.key, filename=filename[:200], paid=paid, failed=failed,
                                           imported_by=actor)
        audit_change("create", actor, record, changes={"paid": paid, "failed": failed})
        _event(FundsEvent.RETURN_IMPORTED, roll, actor, f"导入回盘 {filename}：成功 {paid} 笔，失败 {failed} 笔",
               paid=paid, failed=failed)
    return record


def _failed_line(actor, line: PaymentLine) -> PaymentLine:
    roll = line.roll
    _require_approved_county_step(actor, roll)
    if line.status != LineStatus.FAILED:
        raise refused("只有发放失败的记录可以停发或更正发放")
    return line


def line_stop(*, actor, line: PaymentLine, reason: str) -> PaymentLine:
    """停发: a failed line is not paid again; the reason is required."""
    require(actor, Capability.PREPARE_PAYMENTS)
    line = _failed_line(actor, line)
    reason = clean_text(reason, "停发原因", "reason", 200, required=True)
    with transaction.atomic():
        line.status, line.stop_reason = LineStatus.STOPPED, reason
        line.save(update_fields=["status", "stop_reason"])
        audit_change("update", actor, line, person_id=line.payee_id, changes={"status": line.status, "reason": reason})
        _event(FundsEvent.LINE_STOPPED, line.roll, actor, f"停发：{reason}", line=line.pk)
    return line


def line_correct(*, actor, line: PaymentLine) -> PaymentLine:
    """更正发放: a failed line rebuilt once into the corrected batch, with the payee's account as the registry
    holds it now (the household corrected it after the failure). A corrected line that fails again can only be
    stopped: never a second correction."""
    from jiuzhu.registry.models import PaymentAccount

    require(actor, Capability.PREPARE_PAYMENTS)
    line = _failed_line(actor, line)
    if line.batch != 0 or PaymentLine.objects.filter(correction_of=line).exists():
        raise refused("该笔已更正发放过一次，不能再次更正，请停发")
    account = (PaymentAccount.objects.filter(household_id=line.household_id, is_active=True)
               .filter(models_q_payee(line.payee_id)).order_by("person_id", "-id").first())
    with transaction.atomic():
        new = PaymentLine.objects.create(
            roll=line.roll, township_id=line.township_id, household_id=line.household_id, payee_id=line.payee_id,
            grant_id=line.grant_id, tier_decision_id=line.tier_decision_id, persons=line.persons,
            bank_name=account.bank_name if account else line.bank_name,
            account_cipher=account.account_cipher if account else line.account_cipher,
            account_hash=account.account_hash if account else line.account_hash,
            account_tail=account.account_tail if account else line.account_tail, institution=line.institution,
            amount=line.amount, back_pay=line.back_pay, adjustment=line.adjustment, total=line.total, batch=1,
            correction_of=line)
        line.status = LineStatus.CORRECTED
        line.save(update_fields=["status"])
        audit_change("update", actor, line, person_id=line.payee_id, changes={"status": line.status,
                                                                               "correction": new.pk})
        _event(FundsEvent.LINE_CORRECTED, line.roll, actor, f"更正发放：{line.total} 元", line=line.pk,
               correction=new.pk)
    return new


def models_q_payee(payee_id: int):
    from django.db.models import Q

    return Q(person_id=payee_id) | Q(person__isnull=True)


def balance(roll: PaymentRoll) -> dict:
    """发放 = 已发放 + 退回 for the regular batch (退回: failed, stopped, or rebuilt into the corrected batch), and
    the corrected batch's own figures. Sums by status in one GROUP BY."""
    sums = {(b, s): (n, a) for b, s, n, a in roll.lines.values_list("batch", "status").annotate(
        n=Count("id"), a=Sum("total")).values_list("batch", "status", "n", "a")}

    def total(batch, *statuses):
        amount = sum((Decimal(str(sums.get((batch, s), (0, 0))[1] or 0)) for s in statuses), start=Decimal(0))
        return amount.quantize(Decimal("0.01"))

    returned = (LineStatus.FAILED, LineStatus.STOPPED, LineStatus.CORRECTED)
    every = (LineStatus.ISSUED, LineStatus.PAID, *returned)
    return {"issued": total(0, *every), "paid": total(0, LineStatus.PAID), "returned": total(0, *returned),
            "pending": total(0, LineStatus.ISSUED), "corrected_issued": total(1, *every),
            "corrected_paid": total(1, LineStatus.PAID)}


# ---- Stops and recoveries (handlers of the registry's events) --------------------------------------------------

def stop_for_event(event) -> int:
    """Handler of 死亡, 终止救助 and 终止认定 (停保): the person (or, for a household's decision, every member) is
    stopped from the month after the event's date; money already paid for months after it becomes a recovery item
    (追缴). Idempotent by event id."""
    from jiuzhu.registry.events import RegistryEvent
    from jiuzhu.registry.models import AssistanceGrant, Person, TierDecision

    if PaymentStop.objects.filter(event_id=event.pk).exists():
        return 0
    if event.kind == RegistryEvent.PERSON_DIED:
        person = Person.objects.filter(pk=event.person_id).first()
        if person is None or person.death_date is None:
            return 0
        persons, on, reason = [person.pk], person.death_date, "死亡"
    elif event.kind == RegistryEvent.GRANT_ENDED:
        grant = AssistanceGrant.objects.select_related("household").get(pk=event.subject_id)
        payee = grant.person_id or grant.household.head_id
        persons, on, reason = [payee] if payee else [], grant.period_end, f"终止救助：{grant.end_reason}"
    else:
        decision = TierDecision.objects.select_related("household").get(pk=event.subject_id)
        payee = decision.person_id or decision.household.head_id
        persons, on = [payee] if payee else [], decision.valid_to or event.occurred_at.date()
        reason = "终止认定（停保）"
    if not persons or on is None:
        return 0
    from_month = sql.next_month(on.replace(day=1))
    with transaction.atomic():
        PaymentStop.objects.create(person_id=persons[0], from_month=from_month, reason=reason[:200], event_id=event.pk)
        # 追缴: lines of approved rolls for months from the stop on, paid or waiting for the bank (one INSERT … SELECT)
        overpaid = PaymentLine.objects.filter(payee_id__in=persons, roll__status=RollStatus.APPROVED,
                                              roll__month__gte=from_month,
                                              status__in=[LineStatus.PAID, LineStatus.ISSUED]).exclude(
            recovery__isnull=False)
        Recovery.objects.bulk_create([
            Recovery(line_id=line_id, person_id=payee_id, township_id=township_id, amount=total,
                     reason=f"{reason}后仍发放（{month:%Y年%m月}）"[:200])
            for line_id, payee_id, township_id, total, month in overpaid.values_list(
                "id", "payee_id", "township_id", "total", "roll__month")])
        record_event(kind=FundsEvent.PAYMENT_STOPPED, subject=event, person_id=persons[0],
                     household_id=event.household_id, region=event.region,
                     summary=f"{from_month:%Y年%m月}起停发：{reason}"[:300])
    return 1


def _source(event) -> str:
    return f"{event.subject_type}:{event.subject_id}"[:60]


def hold_for_death_warning(event) -> int:
    """Handler of CrossAppEvent.DEATH_WARNING_RAISED (monitoring: a department's death feed names a registry
    person): the payee is held (暂停发放) from the month the warning was raised, so a roll not yet approved leaves
    them out, and a roll prepared before the warning gets a 领款人已死亡 hit (rolls.run_checks). No recovery:
    the death is not verified; once the registry records it, PERSON_DIED stops and recovers (stop_for_event).
    Idempotent by event id; a warning already rebutted (its rebuttal delivered first) holds nothing."""
    from jiuzhu.core.cross_events import CrossAppEvent
    from jiuzhu.core.models import Event

    if event.person_id is None or PaymentStop.objects.filter(event_id=event.pk).exists():
        return 0
    if Event.objects.filter(kind=CrossAppEvent.DEATH_WARNING_REBUTTED, subject_type=event.subject_type,
                            subject_id=event.subject_id).exists():
        return 0
    from_month = timezone.localtime(event.occurred_at).date().replace(day=1)
    reason = "死亡预警待核实（暂停发放）"
    with transaction.atomic():
        PaymentStop.objects.create(person_id=event.person_id, from_month=from_month, reason=reason,
                                   event_id=event.pk, is_hold=True, source=_source(event))
        record_event(kind=FundsEvent.PAYMENT_HELD, subject=event, person_id=event.person_id,
                     household_id=event.household_id, region=event.region,
                     summary=f"{from_month:%Y年%m月}起{reason}")
    return 1


def lift_hold_for_rebuttal(event) -> int:
    """Handler of CrossAppEvent.DEATH_WARNING_REBUTTED (未死亡证明): the hold of the same warning is lifted; the
    next roll pays the payee again, with the held months as 补发. Idempotent: a lifted hold is not lifted again."""
    with transaction.atomic():
        lifted = PaymentStop.objects.filter(is_hold=True, source=_source(event), lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lift_event_id=event.pk)
        if lifted:
            record_event(kind=FundsEvent.PAYMENT_HOLD_LIFTED, subject=event, person_id=event.person_id,
                         household_id=event.household_id, region=event.region,
                         summary="死亡预警核实不实（未死亡证明），解除暂停发放，下月起恢复发放并补发")
    return lifted


def recovery_repay(*, actor, recovery: Recovery, amount) -> Recovery:
    """Records money repaid on a recovery item; fully repaid closes it."""
    from decimal import InvalidOperation

    require(actor, Capability.PREPARE_PAYMENTS)
    if not region_in_scope(actor, recovery.township):
        raise Http404("记录不存在或不在您的管辖范围内")
    if recovery.status != RecoveryStatus.OPEN:
        raise refused("该追缴已结清")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid("请填写追回金额", "amount") from None
    if amount <= 0 or recovery.repaid + amount > recovery.amount:
        raise invalid("追回金额应大于 0 且不超过应追缴余额", "amount")
    with transaction.atomic():
        recovery.repaid += amount
        if recovery.repaid == recovery.amount:
            recovery.status = RecoveryStatus.REPAID
        recovery.save(update_fields=["repaid", "status"])
        audit_change("update", actor, recovery, person_id=recovery.person_id, changes={"repaid": str(amount)})
        record_event(kind=FundsEvent.RECOVERY_REPAID, subject=recovery, actor=actor, person_id=recovery.person_id,
                     region=recovery.township, summary=f"追回 {amount} 元")
    return recovery


# ---- Bank layouts (a local catalogue: the administrator's) -------------------------------------------------------

def bank_layout_set(*, actor, region: Region, bank_name: str, file_format: str, columns_text: str):
    """Sets one bank's payment-file layout for a region (county or above): one column a line, "表头=字段" with the
    field's Chinese name (户名, 账号, 金额, 流水号, 摘要, 乡镇（街道）, 开户银行). Errors name the line."""
    from jiuzhu.funds.bankfiles import EXPORT_FIELDS
    from jiuzhu.funds.models import BankLayout

    require(actor, Capability.ADMINISTER)
    if not region_in_scope(actor, region) or region.level not in COUNTY_LEVELS:
        raise Http404("记录不存在或不在您的管辖范围内")
    bank_name = clean_text(bank_name, "开户银行", "bank_name", 60, required=True)
    if file_format not in ("csv", "xlsx"):
        raise invalid("请选择文件格式", "file_format")
    by_label = {label: field for field, label in EXPORT_FIELDS.items()}
    columns = []
    for number, line in enumerate((columns_text or "").splitlines(), start=1):
        if not line.strip():
            continue
        header, _, label = line.partition("=")
        if not header.strip() or label.strip() not in by_label:
            raise invalid(f"第{number}行：应写作“表头=字段”，字段为{'、'.join(by_label)}之一", "columns")
        columns.append([header.strip()[:40], by_label[label.strip()]])
    if not any(field == "line_id" for _, field in columns) or not any(field == "account" for _, field in columns):
        raise invalid("列中须有流水号和账号（回盘按流水号对账）", "columns")
    with transaction.atomic():
        layout, created = BankLayout.objects.update_or_create(
            region=region, bank_name=bank_name, defaults={"file_format": file_format, "columns": columns})
        audit_change("create" if created else "update", actor, layout, changes={"columns": columns,
                                                                                 "file_format": file_format})
    return layout
