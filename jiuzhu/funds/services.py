"""Writes of the funds app (payments). Each service checks, in this order, the capability (PREPARE_PAYMENTS or
REVIEW_PAYMENTS), the jurisdiction (404 out of it), the status, then writes in one transaction with an audit row and
an event (FundsEvent). The review chain: 乡镇经办 → 乡镇审核 (per township part) → 县民政经办 → 县民政审核; an
approved roll is frozen. Set-based SQL lives in rolls.py."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_change
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
    agg = roll.lines.filter(batch=0).aggregate(h=Count("household_id", distinct=True), p=Sum("persons"),
                                                 a=Sum("total"))
    roll.households, roll.persons, roll.amount = agg["h"] or 0, agg["p"] or 0, agg["a"] or 0
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
        CheckHit.objects.filter(line__in=stale).delete()
        stale._raw_delete(stale.db)  # lines only (hits gone above): one DELETE, no per-row collection
        written = sql.compute_lines(roll=roll, region_path=scope_path, locked_townships=locked)
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
