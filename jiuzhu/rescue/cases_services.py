"""Writes of the cases part: the rescue record from admission (or the refusal of assistance) to discharge, care
logs, hospital transfers and foster placements, rescue-period extensions, long-stay marking, incidents.

Each service checks, in this order, the capability (core.permissions), the scope (the record's station is the
actor's organisation or one directly below it: core.scoping with organization_field, 404 otherwise), the status,
then writes in one transaction with an audit row and an event (RescueEvent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError, invalid, refused
from jiuzhu.core.errors import clean_text as core_clean_text
from jiuzhu.core.events import EventRow, record_event, record_events
from jiuzhu.core.files import file_facts, stored_file_save
from jiuzhu.core.identity import id_number_field
from jiuzhu.core.models import AuditAction, OrganizationKind
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.rescue import settings_catalog as sc
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import (
    CLIENT_GROUPS,
    LONG_STAY_DAYS,
    OPEN_ESCALATION_STATUSES,
    RESCUE_PERIOD_DAYS,
    SELF_LEAVE_MIN_AGE,
    SHORT_FARE_LIMIT,
    STAY_STATUSES,
    ArrivalChannel,
    CareLog,
    CaseStatus,
    ClientSex,
    Discharge,
    DischargeKind,
    DischargePlan,
    DischargePlanStatus,
    Escalation,
    EscalationKind,
    EscalationStatus,
    ExtensionStatus,
    Incident,
    IncidentEntry,
    IncidentEntryKind,
    IncidentKind,
    PeriodExtension,
    Placement,
    PlacementKind,
    RescueCase,
    Settlement,
    SettlementKind,
    SettlementStage,
    Sighting,
    SightingOutcome,
    SupervisionVisit,
)
from jiuzhu.rescue.scopes import CASE_SCOPE, SIGHTING_SCOPE

# The scope of a rescue record: the station's region within the actor's subtree, and the station is the actor's
# organisation or one directly below it (a regional centre sees its stations' records).
GROUP_FIELDS = tuple(field for field, _ in CLIENT_GROUPS)
MINOR_AGE = 18
ELDERLY_AGE = 60
PHOTO_TYPES = ("image/jpeg", "image/png")


def today() -> dt.date:
    return timezone.localdate()


def clean_text(value, label: str, field: str, max_length: int, *, required: bool = False) -> str:
    """Rescue's texts are printed on the national forms' one-line cells: line breaks become spaces."""
    return core_clean_text(value, label, field, max_length, required=required, join_lines=True)


def clean_day(value: dt.date | None, label: str, field: str, *, not_before: dt.date | None = None) -> dt.date:
    day = value or today()
    if day > today():
        raise invalid(f"{label}不能晚于今天", field)
    if not_before and day < not_before:
        raise invalid(f"{label}不能早于 {not_before:%Y-%m-%d}", field)
    return day


def _station_of(actor):
    org = actor.organization
    if org is None or org.kind != OrganizationKind.RESCUE_STATION:
        raise refused("只有救助管理站的工作人员可以办理入站登记")
    return org


def _locked(actor, case: RescueCase) -> RescueCase:
    """The record again, locked for the change and within the actor's scope (404 otherwise)."""
    return get_scoped_or_404(RescueCase.objects.select_for_update(of=("self",)).select_related("station"),
                             actor, scope=CASE_SCOPE, pk=case.pk)


def _event(kind: str, case: RescueCase, actor, summary: str, payload: dict | None = None):
    return record_event(kind=kind, subject=case, actor=actor, summary=summary, region=case.station.region,
                        payload={"station": case.station_id, **(payload or {})})


# ---- Admission ----------------------------------------------------------------------------------------

def _clean_identity(*, name, sex, birth_date, estimated_age, id_number) -> dict:
    if sex not in ClientSex.values:
        raise invalid("请选择性别", "sex")
    number = ""
    info = id_number_field(id_number)
    if info is not None:
        number, birth_date = info.number, info.birth_date
    if estimated_age in ("", None):
        estimated_age = None
    else:
        try:
            estimated_age = int(estimated_age)
        except (TypeError, ValueError):
            raise invalid("估计年龄应为整数", "estimated_age") from None
        if not 0 <= estimated_age <= 120:
            raise invalid("估计年龄应在 0 至 120 岁之间", "estimated_age")
    if birth_date is None and estimated_age is None:
        raise invalid("请填写估计年龄（目测年龄），或填写身份证号码", "estimated_age")
    if birth_date is not None and birth_date > today():
        raise invalid("出生日期不能晚于今天", "birth_date")
    return {"name": clean_text(name, "姓名", "name", 50), "sex": sex, "birth_date": birth_date,
            "estimated_age": estimated_age if birth_date is None else None, "number": number}


def _registry_answer(actor, number: str):
    """The registry's answer for an admission, or None when the actor may not ask or the daily cap of
    answers about persons registered elsewhere is reached (core/disclosure: the refusal is audited there)."""
    from jiuzhu.registry.selectors import low_income_lookup

    if not number or not can(actor, Capability.LOOKUP_REGISTRY):
        return None
    try:
        return low_income_lookup(actor=actor, id_number=number, purpose="rescue_admission")
    except DomainError as exc:
        if exc.code == "disclosure_limit":
            return None
        raise


def _sighting_for_admission(actor, sighting_id) -> Sighting | None:
    """The sighting a client was brought in from: one the actor's station may see (street_services' scope)."""
    if sighting_id in (None, ""):
        return None
    try:
        return scoped(Sighting.objects.all(), actor, **SIGHTING_SCOPE).get(pk=int(sighting_id))
    except (Sighting.DoesNotExist, TypeError, ValueError):
        raise invalid("发现报告编号不存在或不在本站范围内", "sighting_id") from None


def case_admit(*, actor, sex: str, arrival_channel: str, name: str = "", birth_date: dt.date | None = None,
               estimated_age: int | None = None, id_number: str = "", hukou_text: str = "",
               residence_text: str = "", groups: list[str] | tuple = (), handover_form_number: str = "",
               sighting_id: int | None = None, check_mental: bool = False, check_illness: bool = False,
               check_injury: bool = False, check_intoxication: bool = False, check_note: str = "",
               vagrancy_reason: str = "", vagrancy_length: str = "", relatives: str = "", belongings: str = "",
               fingerprint_taken: bool = False, photo: bytes | None = None, hospital: str = "") -> RescueCase:
    """入站登记: the help-request form at the actor's station. A client without a name is 无名氏 with an
    estimated age; minors (< 18) and the elderly (≥ 60) are flagged from the age; a client brought by the police
    needs the hand-over form's number. `hospital`: the preliminary check sends the client straight to this
    hospital (status 送医, an open hospital placement). An ID number is looked up in the low-income registry
    (tier and home region only, audited)."""
    require(actor, Capability.RESCUE_CASES)
    station = _station_of(actor)
    identity = _clean_identity(name=name, sex=sex, birth_date=birth_date, estimated_age=estimated_age,
                               id_number=id_number)
    if arrival_channel not in ArrivalChannel.values:
        raise invalid("请选择来站方式", "arrival_channel")
    handover = clean_text(handover_form_number, "公安机关护送交接表编号", "handover_form_number", 40,
                          required=arrival_channel == ArrivalChannel.POLICE)
    unknown = sorted(set(groups) - set(GROUP_FIELDS))
    if unknown:
        raise invalid("未知的受助人员类别", "groups")
    hospital = clean_text(hospital, "送往医院", "hospital", 100)
    sighting = _sighting_for_admission(actor, sighting_id)
    photo_key = ""
    if photo:
        try:
            kind = file_facts(photo).content_type
        except DomainError as exc:
            raise invalid(exc.message, "photo") from None
        if kind not in PHOTO_TYPES:
            raise invalid("照片应为 JPEG 或 PNG 图片", "photo")
    now = timezone.now()
    day = timezone.localdate(now)
    case = RescueCase(
        station=station, status=CaseStatus.IN_HOSPITAL if hospital else CaseStatus.IN_STATION,
        name=identity["name"], sex=sex, birth_date=identity["birth_date"], estimated_age=identity["estimated_age"],
        id_number_cipher=encrypt_text(identity["number"]) if identity["number"] else "",
        id_number_hash=keyed_hash(identity["number"]) if identity["number"] else "",
        identity_confirmed=bool(identity["number"]),
        hukou_text=clean_text(hukou_text, "户口所在地", "hukou_text", 200),
        residence_text=clean_text(residence_text, "住所地", "residence_text", 200),
        arrival_channel=arrival_channel, handover_form_number=handover, sighting=sighting,
        check_mental=bool(check_mental), check_illness=bool(check_illness), check_injury=bool(check_injury),
        check_intoxication=bool(check_intoxication), check_note=clean_text(check_note, "检视情况", "check_note", 500),
        vagrancy_reason=clean_text(vagrancy_reason, "流浪乞讨原因", "vagrancy_reason", 300),
        vagrancy_length=clean_text(vagrancy_length, "流浪乞讨时间", "vagrancy_length", 60),
        relatives=clean_text(relatives, "近亲属情况", "relatives", 500),
        belongings=clean_text(belongings, "随身物品", "belongings", 500),
        fingerprint_taken=bool(fingerprint_taken), admitted_at=now, admitted_on=day,
        period_end=day + dt.timedelta(days=RESCUE_PERIOD_DAYS), created_by=actor)
    for field in groups:
        setattr(case, field, True)
    age = case.age_on(day)
    case.is_minor = case.is_minor or age < MINOR_AGE
    case.is_elderly = case.is_elderly or age >= ELDERLY_AGE
    case.is_mentally_ill = case.is_mentally_ill or case.check_mental  # signs at the check: their rules apply
    answer = _registry_answer(actor, identity["number"])
    if answer is not None:
        case.registry_checked_at = now
        case.registry_tier = answer.tier if answer.found else ""
        case.registry_home_region = answer.home_region if answer.found else None
    with transaction.atomic():
        if photo:
            photo_key = stored_file_save(data=photo)
            case.photo_key = photo_key
        case.save()
        if sighting is not None and sighting.case_id is None and sighting.outcome == SightingOutcome.BROUGHT_IN:
            # The street team closed the sighting as brought in before the record existed: link it now.
            Sighting.objects.filter(pk=sighting.pk, case__isnull=True).update(case=case)
        if hospital:
            Placement.objects.create(case=case, kind=PlacementKind.HOSPITAL, institution=hospital,
                                     reason=case.check_note or "初步检视后直接送医", started_on=day, created_by=actor)
        audit_change(AuditAction.CREATE, actor, case, changes={"status": case.status, "groups": case.groups})
        _event(RescueEvent.CLIENT_ADMITTED, case, actor,
               f"入站登记：{case.display_name}（{ArrivalChannel(arrival_channel).label}）"
               + (f"，初步检视后送医：{hospital}" if hospital else ""),
               {"unidentified": not case.identity_confirmed, "groups": [f for f in GROUP_FIELDS if getattr(case, f)],
                "sex": sex, "age": age, "sighting_id": sighting_id})
        if answer is not None:
            _event(RescueEvent.REGISTRY_CHECKED, case, actor,
                   "查询低收入人口库：" + (f"在库（{answer.tier_label or '无有效层级'}）"
                                          if answer.found else "未在库"),
                   {"found": answer.found, "tier": answer.tier})
    return case


def case_refuse(*, actor, sex: str, reason: str, arrival_channel: str = ArrivalChannel.SELF_REQUEST,
                name: str = "", estimated_age: int | None = None, id_number: str = "") -> RescueCase:
    """不予救助: a person who asked for help is refused with a written reason (实施细则: refusing to give the
    information asked for, or not a vagrant living rough). Kept as a record with status 不予救助."""
    require(actor, Capability.RESCUE_CASES)
    station = _station_of(actor)
    identity = _clean_identity(name=name, sex=sex, birth_date=None, estimated_age=estimated_age,
                               id_number=id_number)
    if arrival_channel not in ArrivalChannel.values:
        raise invalid("请选择来站方式", "arrival_channel")
    text = clean_text(reason, "不予救助的理由", "reason", 500, required=True)
    if len(text) < 4:
        raise invalid("请写明不予救助的理由", "reason")
    now = timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        case = RescueCase.objects.create(
            station=station, status=CaseStatus.REFUSED, name=identity["name"], sex=sex,
            birth_date=identity["birth_date"], estimated_age=identity["estimated_age"],
            id_number_cipher=encrypt_text(identity["number"]) if identity["number"] else "",
            id_number_hash=keyed_hash(identity["number"]) if identity["number"] else "",
            arrival_channel=arrival_channel, admitted_at=now, admitted_on=day, period_end=day,
            discharged_on=day, refusal_reason=text, created_by=actor)
        audit_change(AuditAction.CREATE, actor, case, changes={"status": case.status, "reason": text})
        _event(RescueEvent.ASSISTANCE_REFUSED, case, actor, f"不予救助：{text}", {"reason": text})
    return case


# ---- The stay -------------------------------------------------------------------------------------------

def _require_stay(case: RescueCase, *statuses: str) -> None:
    allowed = statuses or STAY_STATUSES
    if case.status not in allowed:
        raise refused(f"该记录当前状态为“{case.get_status_display()}”，不能办理此事项")


def care_log_add(*, actor, case: RescueCase, health: str, day: dt.date | None = None, meals: str = "",
                 mood: str = "", note: str = "") -> CareLog:
    """The day's care log entry (one per client and day) for a client in the station or placed out."""
    require(actor, Capability.RESCUE_CASES)
    texts = {"health": clean_text(health, "身体状况", "health", 300, required=True),
             "meals": clean_text(meals, "饮食", "meals", 100), "mood": clean_text(mood, "情绪与精神状态", "mood", 200),
             "note": clean_text(note, "照料记录", "note", 1000)}
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        day = clean_day(day, "照料日期", "day", not_before=case.admitted_on)
        if CareLog.objects.filter(case=case, day=day).exists():
            raise invalid(f"{day:%Y-%m-%d} 已有照料记录", "day")
        log = CareLog.objects.create(case=case, day=day, author=actor, **texts)
        audit_change(AuditAction.CREATE, actor, log, changes={"case": case.pk, "day": day.isoformat()})
        _event(RescueEvent.CARE_LOGGED, case, actor, f"照料记录（{day:%m月%d日}）：{log.health}",
               {"day": day.isoformat()})
    return log


def _placement_start(*, actor, case, kind: str, institution: str, reason: str, on, agreement_number: str = ""):
    require(actor, Capability.RESCUE_CASES)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case, CaseStatus.IN_STATION)
        on = clean_day(on, "开始日期", "started_on", not_before=case.admitted_on)
        placement = Placement.objects.create(
            case=case, kind=kind, institution=clean_text(institution, "医院或托养机构", "institution", 100,
                                                         required=True),
            agreement_number=clean_text(agreement_number, "托养协议编号", "agreement_number", 40,
                                        required=kind == PlacementKind.FOSTER),
            reason=clean_text(reason, "原因", "reason", 300, required=True), started_on=on, created_by=actor)
        case.status = CaseStatus.IN_HOSPITAL if kind == PlacementKind.HOSPITAL else CaseStatus.IN_FOSTER
        case.save(update_fields=["status"])
        audit_change(AuditAction.UPDATE, actor, case, changes={"status": case.status, "placement": placement.pk})
        _event(RescueEvent.PLACEMENT_STARTED, case, actor,
               f"{placement.get_kind_display()}：{placement.institution}（{placement.reason}）",
               {"placement": placement.pk, "kind": kind, "institution": placement.institution})
    return placement


def hospital_transfer(*, actor, case: RescueCase, institution: str, reason: str,
                      on: dt.date | None = None) -> Placement:
    """送医: a client in the station goes to hospital (status 送医, an open hospital placement)."""
    return _placement_start(actor=actor, case=case, kind=PlacementKind.HOSPITAL, institution=institution,
                            reason=reason, on=on)


def foster_place(*, actor, case: RescueCase, institution: str, agreement_number: str, reason: str,
                 on: dt.date | None = None) -> Placement:
    """站外托养: a client in the station is placed with a contracted institution (its agreement's number)."""
    return _placement_start(actor=actor, case=case, kind=PlacementKind.FOSTER, institution=institution,
                            reason=reason, on=on, agreement_number=agreement_number)


def placement_end(*, actor, case: RescueCase, note: str, on: dt.date | None = None) -> Placement:
    """Back to the station from hospital (出院) or from the foster placement."""
    require(actor, Capability.RESCUE_CASES)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case, CaseStatus.IN_HOSPITAL, CaseStatus.IN_FOSTER)
        placement = case.placements.select_for_update().get(ended_on__isnull=True)
        placement.ended_on = clean_day(on, "返回日期", "ended_on", not_before=placement.started_on)
        placement.end_note = clean_text(note, "返回情况", "note", 300, required=True)
        placement.save(update_fields=["ended_on", "end_note"])
        case.status = CaseStatus.IN_STATION
        case.save(update_fields=["status"])
        audit_change(AuditAction.UPDATE, actor, case, changes={"status": case.status, "placement": placement.pk})
        _event(RescueEvent.PLACEMENT_ENDED, case, actor,
               f"{'出院' if placement.kind == PlacementKind.HOSPITAL else '结束托养'}返回站内：{placement.end_note}",
               {"placement": placement.pk, "kind": placement.kind})
    return placement


def supervision_visit_add(*, actor, case: RescueCase, findings: str, concerns: bool = False,
                          on: dt.date | None = None) -> SupervisionVisit:
    """A supervision visit to the client's open foster placement."""
    require(actor, Capability.RESCUE_CASES)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case, CaseStatus.IN_FOSTER)
        placement = case.placements.get(ended_on__isnull=True, kind=PlacementKind.FOSTER)
        visit = SupervisionVisit.objects.create(
            placement=placement, visited_on=clean_day(on, "检查日期", "visited_on", not_before=placement.started_on),
            findings=clean_text(findings, "检查情况", "findings", 1000, required=True), concerns=bool(concerns),
            visitor=actor)
        audit_change(AuditAction.CREATE, actor, visit, changes={"case": case.pk, "concerns": visit.concerns})
        _event(RescueEvent.SUPERVISION_VISITED, case, actor,
               f"托养监督检查（{placement.institution}）：{visit.findings}"
               + ("（发现问题）" if visit.concerns else ""),
               {"placement": placement.pk, "concerns": visit.concerns})
    return visit


# ---- The rescue period ------------------------------------------------------------------------------------

MAX_EXTENSION_DAYS = 90


def extension_request(*, actor, case: RescueCase, days: int, reason: str) -> PeriodExtension:
    """A longer stay than the rescue period, filed for the approval of the level above (APPROVE_RESCUE)."""
    require(actor, Capability.RESCUE_CASES)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise invalid("延长天数应为整数", "days") from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise invalid(f"延长天数应在 1 至 {MAX_EXTENSION_DAYS} 天之间", "days")
    text = clean_text(reason, "延长理由", "reason", 500, required=True)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        if case.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
            raise refused("已有待审批的延长申请")
        extension = PeriodExtension.objects.create(case=case, days=days, reason=text, requested_by=actor,
                                                   requested_at=timezone.now())
        audit_change(AuditAction.CREATE, actor, extension, changes={"case": case.pk, "days": days})
        _event(RescueEvent.EXTENSION_REQUESTED, case, actor, f"申请延长救助期限 {days} 天：{text}",
               {"extension": extension.pk, "days": days})
    return extension


def extension_decide(*, actor, extension: PeriodExtension, approve: bool, note: str = "") -> PeriodExtension:
    """The station manager or the regional centre approves (the period runs `days` longer from its current
    end) or refuses (with a note) a pending extension."""
    require(actor, Capability.APPROVE_RESCUE)
    note = clean_text(note, "审批意见", "note", 300, required=not approve)
    with transaction.atomic():
        case = _locked(actor, extension.case)
        extension = PeriodExtension.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionStatus.REQUESTED:
            raise refused("该延长申请已审批")
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_by, extension.decided_at, extension.decision_note = actor, timezone.now(), note
        extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve:
            case.extended_until = case.period_until + dt.timedelta(days=extension.days)
            case.save(update_fields=["extended_until"])
        audit_change(AuditAction.UPDATE, actor, extension, changes={"status": extension.status})
        _event(RescueEvent.EXTENSION_DECIDED, case, actor,
               (f"批准延长救助期限至 {case.extended_until:%Y-%m-%d}" if approve else "未批准延长救助期限")
               + (f"：{note}" if note else ""), {"extension": extension.pk, "approved": bool(approve)})
    return extension


def case_identity_confirm(*, actor, case: RescueCase, id_number: str, name: str = "") -> RescueCase:
    """身份查明: the client's ID number is established (an identity card found, police or family search confirmed
    it). The number is stored encrypted, the birth date taken from it, the client is no longer long-stay (the
    long-stay list is of the unidentified), and the low-income registry is asked again (tier and home region).
    Family search calls this service when a match is confirmed."""
    require(actor, Capability.RESCUE_CASES)
    info = id_number_field(id_number, required=True)
    name = clean_text(name, "姓名", "name", 50)
    answer = None
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        if case.identity_confirmed and case.id_number_hash == keyed_hash(info.number):
            raise refused("该身份证号码已登记")
    answer = _registry_answer(actor, info.number)  # outside the write: a refusal of the daily cap is kept
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        before = {"named": bool(case.name), "long_stay": case.long_stay}
        case.id_number_cipher, case.id_number_hash = encrypt_text(info.number), keyed_hash(info.number)
        case.birth_date, case.estimated_age, case.identity_confirmed = info.birth_date, None, True
        case.name = name or case.name
        case.long_stay = False
        if answer is not None:
            case.registry_checked_at = timezone.now()
            case.registry_tier = answer.tier if answer.found else ""
            case.registry_home_region = answer.home_region if answer.found else None
        case.save()
        audit_change(AuditAction.UPDATE, actor, case, changes={"identity_confirmed": True, **before})
        _event(RescueEvent.CLIENT_IDENTIFIED, case, actor, f"身份查明：{case.display_name}",
               {"was_long_stay": before["long_stay"]})
        if answer is not None:
            _event(RescueEvent.REGISTRY_CHECKED, case, actor,
                   "查询低收入人口库：" + (f"在库（{answer.tier_label or '无有效层级'}）"
                                          if answer.found else "未在库"),
                   {"found": answer.found, "tier": answer.tier})
    return case


def case_registry_check(*, actor, case: RescueCase, name: str, birth_date: dt.date | None) -> RescueCase:
    """Asks the low-income registry about a client without an ID number, by name and birth date (ROLES.md:
    exact ID or name + birth date; the answer is tier and home region only, audited by the registry). Several
    persons of that name and birth date: nothing is stored, the station is told to ask by ID number."""
    require(actor, Capability.LOOKUP_REGISTRY)
    from jiuzhu.registry.selectors import low_income_lookup

    name = clean_text(name, "姓名", "name", 50, required=True)
    if birth_date is None:
        raise invalid("请填写出生日期", "birth_date")
    if birth_date > today():
        raise invalid("出生日期不能晚于今天", "birth_date")
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
    answer = low_income_lookup(actor=actor, name=name, birth_date=birth_date, purpose="rescue_lookup")
    if answer.ambiguous:
        raise invalid("低收入人口库中有多人同名同出生日期，请以身份证号码查询", "name")
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        case.registry_checked_at = timezone.now()
        case.registry_tier = answer.tier if answer.found else ""
        case.registry_home_region = answer.home_region if answer.found else None
        case.save(update_fields=["registry_checked_at", "registry_tier", "registry_home_region"])
        audit_change(AuditAction.UPDATE, actor, case, changes={"registry_found": answer.found})
        _event(RescueEvent.REGISTRY_CHECKED, case, actor,
               "按姓名和出生日期查询低收入人口库：" + (f"在库（{answer.tier_label or '无有效层级'}）"
                                                     if answer.found else "未在库"),
               {"found": answer.found, "tier": answer.tier})
    return case


def long_stay_sweep(*, on: dt.date | None = None) -> int:
    """Marks long-stay (长期滞留) every client still in stay, unidentified, admitted more than LONG_STAY_DAYS
    days before `on`. Set-based and idempotent (only unmarked records change); one event per record marked.
    Run by tasks.rescue_long_stay_sweep; returns the number marked."""
    on = on or today()
    limit = on - dt.timedelta(days=LONG_STAY_DAYS)
    with transaction.atomic():
        due = RescueCase.objects.select_for_update(of=("self",)).filter(
            status__in=STAY_STATUSES, long_stay=False, identity_confirmed=False, admitted_on__lt=limit)
        rows = list(due.values_list("pk", "station__region_id", "station_id"))
        if not rows:
            return 0
        RescueCase.objects.filter(pk__in=[r[0] for r in rows]).update(long_stay=True, long_stay_since=on)
        record_events(kind=RescueEvent.LONG_STAY_MARKED, subject_model=RescueCase, rows=[
            EventRow(subject_id=pk, region_id=region_id, summary=f"身份不明在站超过 {LONG_STAY_DAYS} 天，列为长期滞留",
                     payload={"station": station_id}) for pk, region_id, station_id in rows])
    return len(rows)


# ---- Discharge ----------------------------------------------------------------------------------------------

def _clean_fare(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        fare = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise invalid("短途车费应为金额", "short_fare") from None
    if fare <= 0 or fare > SHORT_FARE_LIMIT:
        raise invalid(f"短途车费应大于 0 且不超过 {SHORT_FARE_LIMIT} 元；远途请购买乘车凭证，不发放现金",
                      "short_fare")
    return fare


PLAN_KINDS = (DischargeKind.RELATIVES_COLLECTED, DischargeKind.ESCORTED_RETURN)


def discharge_plan_open(*, actor, case: RescueCase, kind: str, reason: str, source: str, contact_name: str = "",
                        contact_relation: str = "", contact_phone: str = "") -> DischargePlan | None:
    """待办离站: another step (family search's confirmed match) tells the station the client can go home, by
    relatives' collection or an escorted return, with the family contact when there is one. Idempotent: a case has
    at most one plan, so a second call (the same event delivered again, or another source) changes nothing and
    returns the plan there. Nothing for a case no longer in stay (already discharged: None)."""
    require(actor, Capability.RESCUE_CASES)
    if kind not in PLAN_KINDS:
        raise invalid("拟离站方式应为亲属接领或护送返乡", "kind")
    reason = clean_text(reason, "缘由", "reason", 300, required=True)
    values = {"contact_name": clean_text(contact_name, "家属联系人", "contact_name", 50),
              "contact_relation": clean_text(contact_relation, "与受助人员关系", "contact_relation", 30)}
    phone = "".join(ch for ch in (contact_phone or "") if ch.isdigit())
    with transaction.atomic():
        case = _locked(actor, case)
        if case.status not in STAY_STATUSES:
            return None
        plan = DischargePlan.objects.filter(case=case).first()
        if plan is not None:
            return plan
        plan = DischargePlan.objects.create(
            case=case, kind=kind, reason=reason, source=source[:80], opened_by=actor, opened_at=timezone.now(),
            contact_phone_cipher=encrypt_text(phone) if phone else "", contact_phone_last4=phone[-4:], **values)
        audit_change(AuditAction.CREATE, actor, plan, changes={"case": case.pk, "kind": kind, "source": source})
        _event(RescueEvent.DISCHARGE_PLANNED, case, actor,
               f"待办离站（{DischargeKind(kind).label}）：{reason}", {"plan": plan.pk, "kind": kind})
    return plan


def case_discharge(*, actor, case: RescueCase, kind: str, destination: str = "", cross_province: bool = False,
                   collector_name: str = "", collector_relation: str = "", collector_id_number: str = "",
                   collector_id_checked: bool = False, declaration_signed: bool = False, ticket_number: str = "",
                   short_fare=None, fare_receipt_signed: bool = False, institution: str = "",
                   belongings_returned: bool = False, note: str = "", _settlement_ok: bool = False) -> Discharge:
    """离站 by one of the legal types, each with its facts and refusals (规程 2014):
    - 亲属接领: the collector's name, relation and ID number, checked and copied;
    - 护送返乡: the destination, cross-province flagged;
    - 自行离站: only at 16 or over without mental or intellectual signs, with the signed declaration;
    - 擅自离站: a written record of what happened; 终止救助: the written reason (for the notice), not for a
      client who could not leave alone;
    - 乘车凭证: a ticket (never cash); a short-distance fare of at most 20 元 only against a signed receipt;
      not for a client under 16 (collected by relatives or escorted);
    - 转介福利机构或特困供养 and 落户安置: the receiving institution; 死亡: the circumstances (an incident is
      opened for the level above).
    A client with an open hospital placement is discharged only by death or leaving without formalities (the
    hospital's discharge comes first: return to the station, then discharge); an open foster placement ends
    with the discharge. Writes CLIENT_DISCHARGED for follow-up and family search."""
    require(actor, Capability.RESCUE_CASES)
    if kind not in DischargeKind.values:
        raise invalid("请选择离站方式", "kind")
    now = timezone.now()
    destination = clean_text(destination, "去向", "destination", 200,
                             required=kind in (DischargeKind.ESCORTED_RETURN, DischargeKind.TRAVEL_TICKET,
                                               DischargeKind.RELATIVES_COLLECTED))
    note = clean_text(note, "终止救助的理由" if kind == DischargeKind.TERMINATED else "情况说明", "note", 1000,
                      required=kind in (DischargeKind.LEFT_WITHOUT_FORMALITIES, DischargeKind.DEATH,
                                        DischargeKind.TERMINATED))
    d = Discharge(kind=kind, discharged_at=now, destination=destination, note=note,
                  cross_province=bool(cross_province) and kind in (DischargeKind.ESCORTED_RETURN,
                                                                   DischargeKind.RELATIVES_COLLECTED,
                                                                   DischargeKind.TRAVEL_TICKET),
                  belongings_returned=bool(belongings_returned), recorded_by=actor)
    if kind == DischargeKind.RELATIVES_COLLECTED:
        d.collector_name = clean_text(collector_name, "接领人姓名", "collector_name", 50, required=True)
        d.collector_relation = clean_text(collector_relation, "与受助人员关系", "collector_relation", 30,
                                          required=True)
        number = id_number_field(collector_id_number, "collector_id_number", label="接领人身份证号码",
                                 required=True).number
        if not collector_id_checked:
            raise invalid("请查验并复印接领人的身份证件", "collector_id_checked")
        d.collector_id_cipher, d.collector_id_hash, d.collector_id_checked = encrypt_text(number), \
            keyed_hash(number), True
    elif kind == DischargeKind.SELF_LEAVE and not declaration_signed:
        raise invalid("自行离站须由本人签署《自行离站声明书》", "declaration_signed")
    elif kind == DischargeKind.TRAVEL_TICKET:
        d.ticket_number = clean_text(ticket_number, "乘车凭证号", "ticket_number", 40)
        d.short_fare = _clean_fare(short_fare)
        if not d.ticket_number and d.short_fare is None:
            raise invalid("请填写乘车凭证号，或不超过 20 元的短途车费", "ticket_number")
        if d.short_fare is not None and not fare_receipt_signed:
            raise invalid("发放短途车费须由本人签收", "fare_receipt_signed")
        d.fare_receipt_signed = d.short_fare is not None
    elif kind in (DischargeKind.TRANSFER_INSTITUTION, DischargeKind.SETTLEMENT):
        if kind == DischargeKind.SETTLEMENT and not _settlement_ok:
            raise refused("落户安置离站请在“落户安置”中办理（须经方案和批准）")
        d.institution = clean_text(institution, "接收机构", "institution", 100, required=True)
    declaration = kind == DischargeKind.SELF_LEAVE
    d.declaration_signed = declaration
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        age = case.age_on(today())
        if kind == DischargeKind.SELF_LEAVE:
            if age is None or age < SELF_LEAVE_MIN_AGE:
                raise refused(f"未满 {SELF_LEAVE_MIN_AGE} 周岁的受助人员不能自行离站，应由亲属接领或护送返乡")
            if case.is_mentally_ill or case.is_intellectually_disabled:
                raise refused("有精神障碍或智力障碍迹象的受助人员不能自行离站，应由亲属接领或护送返乡")
        if kind == DischargeKind.TERMINATED and (age is None or age < SELF_LEAVE_MIN_AGE or case.is_mentally_ill
                                                 or case.is_intellectually_disabled):
            # Ending the help sends the client out alone: only to those who may leave alone (our rule, the same
            # facts as self-leave; a minor or a client with such signs is collected or escorted instead).
            raise refused("未满 16 周岁或有精神障碍、智力障碍迹象的受助人员不能终止救助，应由亲属接领或护送返乡")
        if kind == DischargeKind.TRAVEL_TICKET and (age is None or age < SELF_LEAVE_MIN_AGE):
            raise refused(f"未满 {SELF_LEAVE_MIN_AGE} 周岁的受助人员不能自行乘车返乡，应由亲属接领或护送返乡")
        open_placement = case.placements.select_for_update().filter(ended_on__isnull=True).first()
        if (open_placement is not None and open_placement.kind == PlacementKind.HOSPITAL
                and kind not in (DischargeKind.DEATH, DischargeKind.LEFT_WITHOUT_FORMALITIES)):
            raise refused(f"受助人员仍在{open_placement.institution}住院：请先登记出院返回，再办理离站")
        day = timezone.localdate(now)
        if open_placement is not None:
            open_placement.ended_on = day
            open_placement.end_note = f"离站：{DischargeKind(kind).label}"
            open_placement.save(update_fields=["ended_on", "end_note"])
        d.case = case
        d.save()
        case.status, case.discharged_on = CaseStatus.DISCHARGED, day
        case.save(update_fields=["status", "discharged_on"])
        # the pending plan (family found, …) is done by this discharge, whatever type was finally used
        DischargePlan.objects.filter(case=case, status=DischargePlanStatus.PENDING).update(
            status=DischargePlanStatus.DONE, done_at=now)
        audit_change(AuditAction.UPDATE, actor, case, changes={"status": case.status, "discharge": kind})
        _event(RescueEvent.CLIENT_DISCHARGED, case, actor,
               f"离站：{d.get_kind_display()}" + (f"，去向 {destination}" if destination else "")
               + ("（跨省）" if d.cross_province else ""),
               {"discharge": kind, "cross_province": d.cross_province, "unidentified": not case.identity_confirmed,
                "days_in_station": (day - case.admitted_on).days})
        if kind == DischargeKind.DEATH:
            _incident_open(actor=actor, station=case.station, case=case, kind=IncidentKind.DEATH,
                           occurred_at=now, place="", text=note)
    return d


# ---- Incidents --------------------------------------------------------------------------------------------------

def _incident_open(*, actor, station, case, kind, occurred_at, place, text) -> Incident:
    incident = Incident.objects.create(station=station, case=case, kind=kind, occurred_at=occurred_at, place=place,
                                       reported_by=actor, reported_at=timezone.now())
    IncidentEntry.objects.create(incident=incident, kind=IncidentEntryKind.REPORT, text=text, author=actor,
                                 at=incident.reported_at)
    audit_change(AuditAction.CREATE, actor, incident, changes={"kind": kind, "case": getattr(case, "pk", None)})
    record_event(kind=RescueEvent.INCIDENT_REPORTED, subject=incident, actor=actor, region=station.region,
                 summary=f"异常事件（{incident.get_kind_display()}）：{text}"[:300],
                 payload={"station": station.pk, "kind": kind, "case": getattr(case, "pk", None)})
    if case is not None:
        _event(RescueEvent.INCIDENT_REPORTED, case, actor, f"异常事件（{incident.get_kind_display()}）：{text}",
               {"incident": incident.pk, "kind": kind})
    return incident


def incident_report(*, actor, kind: str, text: str, occurred_at: dt.datetime | None = None, place: str = "",
                    case: RescueCase | None = None) -> Incident:
    """异常事件 (absconding, death, injury, outbreak, placement abuse) at the actor's station or about one of its
    clients; the station manager and the level above see it at once (incident_list, the work list)."""
    require(actor, Capability.RESCUE_CASES)
    if kind not in IncidentKind.values:
        raise invalid("请选择事件类型", "kind")
    text = clean_text(text, "事件经过", "text", 1000, required=True)
    place = clean_text(place, "地点", "place", 200)
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise invalid("发生时间不能晚于现在", "occurred_at")
    with transaction.atomic():
        if case is not None:
            case = _locked(actor, case)
            station = case.station
        else:
            station = _station_of(actor)
        return _incident_open(actor=actor, station=station, case=case, kind=kind, occurred_at=occurred_at,
                              place=place, text=text)


def _on_case_timeline(incident: Incident, kind: str, actor, summary: str) -> None:
    """An incident about a client is also on the client's record (its timeline is the full story)."""
    if incident.case_id is not None:
        case = RescueCase.objects.select_related("station__region").get(pk=incident.case_id)
        _event(kind, case, actor, summary, {"incident": incident.pk})


def _incident_locked(actor, incident: Incident) -> Incident:
    return get_scoped_or_404(Incident.objects.select_for_update(of=("self",)).select_related("station"), actor,
                             scope=CASE_SCOPE, pk=incident.pk)


def incident_add_action(*, actor, incident: Incident, text: str) -> IncidentEntry:
    """A report or action on an open incident's timeline (the station or the level above)."""
    require(actor, Capability.RESCUE_CASES)
    text = clean_text(text, "处置情况", "text", 1000, required=True)
    with transaction.atomic():
        incident = _incident_locked(actor, incident)
        if not incident.is_open:
            raise refused("该事件已结案")
        entry = IncidentEntry.objects.create(incident=incident, kind=IncidentEntryKind.ACTION, text=text,
                                             author=actor, at=timezone.now())
        audit_change(AuditAction.UPDATE, actor, incident, changes={"entry": entry.pk})
        record_event(kind=RescueEvent.INCIDENT_UPDATED, subject=incident, actor=actor, region=incident.station.region,
                     summary=f"处置：{text}"[:300], payload={"station": incident.station_id})
        _on_case_timeline(incident, RescueEvent.INCIDENT_UPDATED, actor,
                          f"异常事件（{incident.get_kind_display()}）处置：{text}")
    return entry


def incident_close(*, actor, incident: Incident, text: str) -> Incident:
    """The station manager or the level above closes an incident with its conclusion."""
    require(actor, Capability.APPROVE_RESCUE)
    text = clean_text(text, "结案意见", "text", 1000, required=True)
    with transaction.atomic():
        incident = _incident_locked(actor, incident)
        if not incident.is_open:
            raise refused("该事件已结案")
        now = timezone.now()
        IncidentEntry.objects.create(incident=incident, kind=IncidentEntryKind.CLOSURE, text=text, author=actor,
                                     at=now)
        incident.is_open, incident.closed_by, incident.closed_at = False, actor, now
        incident.save(update_fields=["is_open", "closed_by", "closed_at"])
        audit_change(AuditAction.UPDATE, actor, incident, changes={"is_open": False})
        record_event(kind=RescueEvent.INCIDENT_CLOSED, subject=incident, actor=actor, region=incident.station.region,
                     summary=f"结案：{text}"[:300], payload={"station": incident.station_id})
        _on_case_timeline(incident, RescueEvent.INCIDENT_CLOSED, actor,
                          f"异常事件（{incident.get_kind_display()}）结案：{text}")
    return incident


# ---- Regional centres: escalation (提级办理) and help sent down (下沉协助) ------------------------------------

def regional_centre_of(station):
    """The station's regional centre (its parent, a station organisation flagged as a regional centre)."""
    centre = station.parent
    if centre is None or centre.kind != OrganizationKind.RESCUE_STATION or not centre.is_regional_center:
        return None
    return centre


def case_escalate(*, actor, case: RescueCase, kind: str, reason: str) -> Escalation:
    """A station escalates a matter of a client in stay (identity verification, medical care, cross-province
    escort, settlement) to its regional centre; one open escalation per matter."""
    require(actor, Capability.RESCUE_CASES)
    if kind not in EscalationKind.values:
        raise invalid("请选择提级办理的事项", "kind")
    reason = clean_text(reason, "提级理由", "reason", 500, required=True)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        centre = regional_centre_of(case.station)
        if centre is None:
            raise refused("本站没有上级区域性中心，不能提级办理")
        if case.escalations.filter(kind=kind, status__in=OPEN_ESCALATION_STATUSES).exists():
            raise refused(f"“{EscalationKind(kind).label}”已提级，尚未办结")
        escalation = Escalation.objects.create(case=case, regional_centre=centre, kind=kind, reason=reason,
                                               requested_by=actor, requested_at=timezone.now())
        audit_change(AuditAction.CREATE, actor, escalation, changes={"case": case.pk, "kind": kind})
        _event(RescueEvent.CASE_ESCALATED, case, actor,
               f"提级办理（{escalation.get_kind_display()}）至{centre.name}：{reason}",
               {"escalation": escalation.pk, "kind": kind, "regional_centre": centre.pk})
    return escalation


def _escalation_at_centre(actor, escalation: Escalation) -> Escalation:
    """The escalation, locked, for a user of the regional centre it was sent to (404 for anyone else)."""
    found = Escalation.objects.select_for_update(of=("self",))\
        .select_related("case__station__region", "regional_centre").filter(pk=escalation.pk).first()
    if found is None or not (actor.is_superuser or actor.organization_id == found.regional_centre_id):
        raise Http404("记录不存在或不在您的管辖范围内")
    return found


def escalation_accept(*, actor, escalation: Escalation, delegate: bool, note: str = "") -> Escalation:
    """The regional centre takes the matter: it handles it itself (提级办理) or sends staff down to the station
    (下沉协助: who and when, in the note)."""
    require(actor, Capability.APPROVE_RESCUE)
    note = clean_text(note, "受理意见", "note", 500, required=bool(delegate))
    with transaction.atomic():
        escalation = _escalation_at_centre(actor, escalation)
        if escalation.status != EscalationStatus.REQUESTED:
            raise refused("该提级事项已受理")
        escalation.status = EscalationStatus.DELEGATED if delegate else EscalationStatus.HANDLED
        escalation.accepted_by, escalation.accepted_at, escalation.response_note = actor, timezone.now(), note
        escalation.save(update_fields=["status", "accepted_by", "accepted_at", "response_note"])
        audit_change(AuditAction.UPDATE, actor, escalation, changes={"status": escalation.status})
        _event(RescueEvent.ESCALATION_ACCEPTED, escalation.case, actor,
               f"{escalation.regional_centre.name}受理（{escalation.get_kind_display()}）："
               f"{'下沉协助' if delegate else '提级办理'}" + (f"，{note}" if note else ""),
               {"escalation": escalation.pk, "status": escalation.status})
    return escalation


def escalation_close(*, actor, escalation: Escalation, outcome: str) -> Escalation:
    """The regional centre closes an accepted matter with its outcome."""
    require(actor, Capability.APPROVE_RESCUE)
    outcome = clean_text(outcome, "办理结果", "outcome", 500, required=True)
    with transaction.atomic():
        escalation = _escalation_at_centre(actor, escalation)
        if escalation.status not in (EscalationStatus.HANDLED, EscalationStatus.DELEGATED):
            waiting = escalation.status == EscalationStatus.REQUESTED
            raise refused("请先受理该提级事项" if waiting else "该提级事项已办结")
        escalation.status, escalation.closed_by, escalation.closed_at = EscalationStatus.CLOSED, actor, timezone.now()
        escalation.outcome = outcome
        escalation.save(update_fields=["status", "closed_by", "closed_at", "outcome"])
        audit_change(AuditAction.UPDATE, actor, escalation, changes={"status": escalation.status})
        _event(RescueEvent.ESCALATION_CLOSED, escalation.case, actor,
               f"提级事项办结（{escalation.get_kind_display()}）：{outcome}", {"escalation": escalation.pk})
    return escalation


# ---- Settlement (落户安置) --------------------------------------------------------------------------------

def _days(key: str, case: RescueCase, on: dt.date) -> int:
    from jiuzhu.core.region_settings import setting_definition, setting_value

    return int(setting_value(key, case.station.region, on, default=setting_definition(key).default))


def settlement_apply(*, actor, case: RescueCase, note: str) -> Settlement:
    """The station applies for the settlement of a long-stay client still unidentified after the region's
    minimum stay (settings: 申请落户安置的最短滞留时间); civil affairs then has its deadline for the plan."""
    require(actor, Capability.RESCUE_CASES)
    note = clean_text(note, "申请说明", "note", 1000, required=True)
    with transaction.atomic():
        case = _locked(actor, case)
        _require_stay(case)
        if not case.long_stay or case.identity_confirmed:
            raise refused("只有身份不明的长期滞留人员可以申请落户安置")
        on = today()
        minimum, stayed = _days(sc.SETTLEMENT_MIN_STAY_KEY, case, on), (on - case.admitted_on).days
        if stayed < minimum:
            raise refused(f"滞留满 {minimum} 天后才能申请落户安置（已滞留 {stayed} 天）")
        if Settlement.objects.filter(case=case).exists():
            raise refused("已申请落户安置")
        settlement = Settlement.objects.create(
            case=case, application_note=note, applied_by=actor, applied_on=on,
            due_on=on + dt.timedelta(days=_days(sc.SETTLEMENT_PLAN_DAYS_KEY, case, on)))
        audit_change(AuditAction.CREATE, actor, settlement, changes={"case": case.pk})
        _event(RescueEvent.SETTLEMENT_APPLIED, case, actor,
               f"申请落户安置：{note}；安置方案期限 {settlement.due_on:%Y-%m-%d}", {"settlement": settlement.pk})
    return settlement


def settlement_advance(*, actor, settlement: Settlement, plan: str = "", approval_reference: str = "") -> Settlement:
    """Records the next stage: the plan made by civil affairs (方案), then the government's approval (批准文号);
    each starts the next stage's deadline."""
    require(actor, Capability.APPROVE_RESCUE)
    with transaction.atomic():
        case = _locked(actor, settlement.case)
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        on = today()
        if settlement.stage == SettlementStage.APPLIED:
            settlement.plan = clean_text(plan, "安置方案", "plan", 1000, required=True)
            settlement.stage, settlement.planned_on = SettlementStage.PLANNED, on
            settlement.due_on = on + dt.timedelta(days=_days(sc.SETTLEMENT_APPROVAL_DAYS_KEY, case, on))
            summary = f"民政部门制定安置方案：{settlement.plan}"
        elif settlement.stage == SettlementStage.PLANNED:
            settlement.approval_reference = clean_text(approval_reference, "批准文号", "approval_reference", 60,
                                                       required=True)
            settlement.stage, settlement.approved_on = SettlementStage.APPROVED, on
            settlement.due_on = on + dt.timedelta(days=_days(sc.SETTLEMENT_REGISTRATION_DAYS_KEY, case, on))
            summary = f"政府批准落户安置（{settlement.approval_reference}）"
        else:
            raise refused("该落户安置已批准，请办理落户或长期安置")
        settlement.save()
        audit_change(AuditAction.UPDATE, actor, settlement, changes={"stage": settlement.stage})
        _event(RescueEvent.SETTLEMENT_ADVANCED, case, actor, f"{summary}；下一环节期限 {settlement.due_on:%Y-%m-%d}",
               {"settlement": settlement.pk, "stage": settlement.stage})
    return settlement


def settlement_complete(*, actor, settlement: Settlement, kind: str, institution: str, note: str = "") -> Discharge:
    """The hukou is registered or the long-term placement made: the settlement ends and the client is
    discharged by settlement (CLIENT_DISCHARGED; family search goes on in its own handlers)."""
    require(actor, Capability.APPROVE_RESCUE)
    if kind not in SettlementKind.values:
        raise invalid("请选择安置方式", "kind")
    institution = clean_text(institution, "安置机构或落户地址", "institution", 200, required=True)
    with transaction.atomic():
        _locked(actor, settlement.case)
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if settlement.stage != SettlementStage.APPROVED:
            raise refused("落户安置须经民政部门制定方案并经政府批准后办理")
        discharge = case_discharge(actor=actor, case=settlement.case, kind=DischargeKind.SETTLEMENT,
                                   institution=institution[:100], note=note or SettlementKind(kind).label,
                                   _settlement_ok=True)
        settlement.stage, settlement.kind, settlement.institution = SettlementStage.SETTLED, kind, institution
        settlement.settled_on, settlement.due_on = today(), None
        settlement.save()
        audit_change(AuditAction.UPDATE, actor, settlement, changes={"stage": settlement.stage, "kind": kind})
    return discharge


def settlement_overdue_sweep(*, on: dt.date | None = None) -> int:
    """Writes one SETTLEMENT_OVERDUE event on the client's record for each settlement stage past its deadline
    (once per stage: `overdue_noticed`). Set-based, idempotent; returns the number noticed."""
    on = on or today()
    with transaction.atomic():
        due = Settlement.objects.select_for_update(of=("self",)).filter(due_on__lt=on)\
            .exclude(stage=SettlementStage.SETTLED).exclude(overdue_noticed=F("stage"))
        rows = list(due.values_list("pk", "case_id", "case__station__region_id", "case__station_id", "stage",
                                    "due_on"))
        if not rows:
            return 0
        Settlement.objects.filter(pk__in=[r[0] for r in rows]).update(overdue_noticed=F("stage"))
        record_events(kind=RescueEvent.SETTLEMENT_OVERDUE, subject_model=RescueCase, rows=[
            EventRow(subject_id=case_id, region_id=region_id,
                     summary=f"落户安置超过期限（{SettlementStage(stage).label}，期限 {due_on:%Y-%m-%d}）",
                     payload={"station": station_id, "settlement": pk, "stage": stage})
            for pk, case_id, region_id, station_id, stage, due_on in rows])
    return len(rows)
