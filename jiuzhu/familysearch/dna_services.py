"""Writes of DNA 比对 (issue #19): an unidentified client reported to the police for a blood sample, the sample
collected and sent, the comparison result returned. Each service checks the capability (RESCUE_CASES: the station's
own work on its client), the scope (the rescue record's station: rescue.scopes.CASE_SCOPE, 404 otherwise), the
status order (requested → collected → result), then writes in one transaction with an audit row and an event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.core.workdays import add_working_days
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import DNA_DUE_WORKING_DAYS, DnaReferral, DnaResult, DnaStatus
from jiuzhu.rescue.models import STAY_STATUSES, RescueCase
from jiuzhu.rescue.scopes import CASE_SCOPE

DNA_SCOPE = {"region_field": "case__station__region", "organization_field": "case__station"}


def today() -> dt.date:
    return timezone.localdate()


def dna_due_on(case: RescueCase) -> dt.date:
    """The deadline of a client's referral: 7 working days after admission (the official calendar)."""
    return add_working_days(case.admitted_on, DNA_DUE_WORKING_DAYS)


def _day(value: dt.date | None, label: str, field: str, *, not_before: dt.date) -> dt.date:
    day = value or today()
    if not isinstance(day, dt.date):
        raise invalid(f"{label}格式应为 年-月-日", field)
    if day > today():
        raise invalid(f"{label}不能晚于今天", field)
    if day < not_before:
        raise invalid(f"{label}不能早于 {not_before:%Y-%m-%d}", field)
    return day


def _event(kind: str, referral: DnaReferral, case: RescueCase, actor, summary: str) -> None:
    record_event(kind=kind, subject=referral, actor=actor, region=case.station.region,
                 summary=f"{summary}：救助记录 {case.number}",
                 payload={"case": case.pk, "status": referral.status, "result": referral.result})


def dna_request(*, actor, case: RescueCase, police_unit: str, requested_on: dt.date | None = None,
                note: str = "") -> DnaReferral:
    """报请采血: a client in stay whose identity is not established, with no open referral."""
    require(actor, Capability.RESCUE_CASES)
    police_unit = clean_text(police_unit, "公安机关（派出所）或采血单位", "police_unit", 100, required=True,
                             join_lines=True)
    note = clean_text(note, "备注", "note", 500)
    with transaction.atomic():
        case = get_scoped_or_404(RescueCase.objects.select_for_update(of=("self",)).select_related(
            "station", "station__region"), actor, scope=CASE_SCOPE, pk=case.pk)
        if case.status not in STAY_STATUSES:
            raise refused(f"该记录当前状态为“{case.get_status_display()}”，不能报请 DNA 比对")
        if case.identity_confirmed:
            raise refused("该受助人员身份已查明，无需 DNA 比对")
        if DnaReferral.objects.filter(case=case, status__in=[DnaStatus.REQUESTED, DnaStatus.COLLECTED]).exists():
            raise refused("该受助人员已有未反馈结果的 DNA 比对")
        day = _day(requested_on, "报请日期", "requested_on", not_before=case.admitted_on)
        referral = DnaReferral.objects.create(case=case, requested_on=day, due_on=dna_due_on(case),
                                              police_unit=police_unit, note=note, requested_by=actor)
        audit_change(AuditAction.CREATE, actor, referral, changes={"case": case.pk, "status": referral.status})
        _event(FamilySearchEvent.DNA_REQUESTED, referral, case, actor, f"报请{police_unit}采血进行 DNA 比对")
    return referral


def _locked(actor, referral: DnaReferral) -> DnaReferral:
    return get_scoped_or_404(DnaReferral.objects.select_for_update(of=("self",)).select_related(
        "case", "case__station", "case__station__region"), actor, scope=DNA_SCOPE, pk=referral.pk)


def _require(referral: DnaReferral, status: str, doing: str) -> None:
    if referral.status != status:
        raise refused(f"该 DNA 比对当前状态为“{referral.get_status_display()}”，不能{doing}")


def dna_collect(*, actor, referral: DnaReferral, sample_number: str, collected_on: dt.date | None = None,
                note: str = "") -> DnaReferral:
    """采血送检: the sample's number and the day it was taken (on or after the request)."""
    require(actor, Capability.RESCUE_CASES)
    sample_number = clean_text(sample_number, "样本编号", "sample_number", 40, required=True, join_lines=True)
    note = clean_text(note, "备注", "note", 500)
    with transaction.atomic():
        referral = _locked(actor, referral)
        _require(referral, DnaStatus.REQUESTED, "登记采血")
        referral.collected_on = _day(collected_on, "采血日期", "collected_on", not_before=referral.requested_on)
        referral.sample_number, referral.status, referral.collected_by = sample_number, DnaStatus.COLLECTED, actor
        referral.note = note or referral.note
        referral.save(update_fields=["collected_on", "sample_number", "status", "collected_by", "note"])
        audit_change(AuditAction.UPDATE, actor, referral, changes={"status": referral.status})
        _event(FamilySearchEvent.DNA_COLLECTED, referral, referral.case, actor, "DNA 样本已采集送检")
    return referral


def dna_result(*, actor, referral: DnaReferral, result: str, matched_name: str = "",
               result_on: dt.date | None = None, note: str = "") -> DnaReferral:
    """比对结果: matched (the matched person's name as the police gave it) or no match. A match does not
    establish the identity by itself: the station confirms it on the rescue record with the ID number."""
    require(actor, Capability.RESCUE_CASES)
    if result not in (DnaResult.MATCHED, DnaResult.NO_MATCH):
        raise invalid("请选择比对结果（比中或未比中）", "result")
    matched_name = clean_text(matched_name, "比中人员姓名", "matched_name", 50,
                              required=result == DnaResult.MATCHED, join_lines=True)
    note = clean_text(note, "备注", "note", 500)
    with transaction.atomic():
        referral = _locked(actor, referral)
        _require(referral, DnaStatus.COLLECTED, "登记比对结果")
        referral.result_on = _day(result_on, "结果反馈日期", "result_on", not_before=referral.collected_on)
        referral.result, referral.status, referral.result_by = result, DnaStatus.RESULT, actor
        referral.matched_name = matched_name if result == DnaResult.MATCHED else ""
        referral.note = note or referral.note
        referral.save(update_fields=["result_on", "result", "status", "result_by", "matched_name", "note"])
        audit_change(AuditAction.UPDATE, actor, referral, changes={"status": referral.status, "result": result})
        _event(FamilySearchEvent.DNA_RESULT, referral, referral.case, actor,
               f"DNA 比对结果：{DnaResult(result).label}")
    return referral
