"""Writes of the follow-up app. Each service checks, in this order, the capability (FOLLOWUP), the scope (404 out
of it, selectors.py), the status, then writes in one transaction with an audit row and an event (FollowupEvent).
The handlers of rescue's events (events.py HANDLERS) are idempotent: a redelivered event creates nothing."""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import decrypt_text, encrypt_text, keyed_hash
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import EventRow, record_event, record_events
from jiuzhu.core.files import file_facts, stored_file_save
from jiuzhu.core.identity import id_number_field
from jiuzhu.core.models import AuditAction, Department, Organization, OrganizationKind, Region, RegionLevel
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.followup import selectors
from jiuzhu.followup import settings_catalog as sc
from jiuzhu.followup.events import FollowupEvent
from jiuzhu.followup.models import (
    AtRiskPerson,
    AtRiskSource,
    AtRiskStatus,
    Condition,
    FeedbackMode,
    FollowupVisit,
    Hardship,
    HomeSource,
    RepeatAlert,
    ReturneeEntry,
    VisitMethod,
    VisitStatus,
)
from jiuzhu.intake.models import Channel
from jiuzhu.intake.services import application_create
from jiuzhu.monitoring.lead_services import lead_raise
from jiuzhu.rescue.models import DischargeKind, RescueCase

log = logging.getLogger(__name__)

# The discharges that send a client home (返乡). 亲属接领: relatives take the client home; 护送返乡: the station
# escorts the client home; 提供乘车凭证: the station gives a ticket home (乘车返乡, 规程 2014 离站服务). Not:
# 自行离站 and 擅自离站 (the client leaves to where they please, no home to tell), 转介福利机构 and 落户安置 (the
# client is placed, not sent home), 终止救助 and 死亡.
HOME_DISCHARGES = (DischargeKind.RELATIVES_COLLECTED, DischargeKind.ESCORTED_RETURN, DischargeKind.TRAVEL_TICKET)

# The rescue record's groups that are conditions of the at-risk registry: a returnee with one is suggested for it.
CASE_CONDITIONS = (("is_mentally_ill", Condition.MENTAL), ("is_intellectually_disabled", Condition.INTELLECTUAL),
                   ("is_disabled", Condition.PHYSICAL), ("is_minor", Condition.MINOR))
RELAPSE_WATCH = "relapse_watch"  # registry.models.Tier.RELAPSE_WATCH (防止返贫监测对象), as rescue keeps it
REPEAT_WINDOW_DAYS = 365  # two or more rescues in twelve months: suggested for the at-risk registry
PHOTO_TYPES = ("image/jpeg", "image/png")
HOME_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def today() -> dt.date:
    return timezone.localdate()


def _event(kind: str, subject, actor, summary: str, *, region=None, payload: dict | None = None):
    return record_event(kind=kind, subject=subject, actor=actor, summary=summary, region=region,
                        payload=payload or {})


# ---- The visit rule ----------------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Dec + 2 months = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def visit_rule(region: Region, on: dt.date) -> tuple[int, int]:
    """(interval, period) in months: the region's settings in force on the day, the seed's values by default."""
    interval = int(setting_value(sc.INTERVAL_KEY, region, on, default=sc.DEFAULT_INTERVAL))
    period = int(setting_value(sc.PERIOD_KEY, region, on, default=sc.DEFAULT_PERIOD))
    return max(interval, 1), max(period, 1)


def visit_dates(start: dt.date, interval: int, period: int) -> list[dt.date]:
    """At least every `interval` months for at least `period` months: the last visit is at or after the period's
    end (12 months at every 5: months 5, 10, 15)."""
    count = -(-period // interval)
    return [add_months(start, interval * k) for k in range(1, count + 1)]


def _plan(subject, region: Region, start: dt.date) -> int:
    """The schedule of a returnee or an at-risk person, once, from the rule of `region` in force on `start`."""
    if subject.visits.exists():
        return 0
    interval, period = visit_rule(region, start)
    dates = visit_dates(start, interval, period)
    link = {"entry": subject} if isinstance(subject, ReturneeEntry) else {"at_risk": subject}
    FollowupVisit.objects.bulk_create([
        FollowupVisit(**link, sequence=i, region=region, region_path=region.path, due_on=day)
        for i, day in enumerate(dates, start=1)])
    _event(FollowupEvent.VISITS_PLANNED, subject, None, f"回访计划：每 {interval} 个月一次，共 {len(dates)} 次",
           region=region, payload={"interval": interval, "period": period, "visits": len(dates)})
    return len(dates)


def _plan_visits(entry: ReturneeEntry) -> int:
    """A returnee's schedule, from the discharge day, once the home region is known."""
    if entry.home_region is None:
        return 0
    return _plan(entry, entry.home_region, entry.discharged_on)


# ---- The home region and the home office ---------------------------------------------------------------------

def _county_of(region: Region) -> Region | None:
    node = region
    while node is not None and node.level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        node = node.parent
    return node if node is not None and node.level == RegionLevel.COUNTY else None


def _hukou_region(text: str) -> Region | None:
    """The county of an address typed at the station, by cpca (which knows every county's name)."""
    if not (text or "").strip():
        return None
    import cpca

    try:
        code = cpca.transform([text]).iloc[0]["adcode"]
    except Exception:
        log.warning("cpca could not read a hukou text")
        return None
    if not code:
        return None
    return Region.objects.filter(code=str(code)[:6], level=RegionLevel.COUNTY).first()


def home_region_of(case: RescueCase) -> tuple[Region | None, str]:
    """The client's home: the registry's answer first (the household's current village, the most precise), then
    the ID number's region prefix (the county of birth registration), then the hukou text read by cpca."""
    if case.registry_home_region_id:
        return case.registry_home_region, HomeSource.REGISTRY
    if case.id_number_cipher:
        try:
            prefix = decrypt_text(case.id_number_cipher)[:6]
        except Exception:
            prefix = ""
        region = Region.objects.filter(code=prefix, level=RegionLevel.COUNTY).first() if prefix else None
        if region is not None:
            return region, HomeSource.ID_NUMBER
    region = _hukou_region(case.hukou_text)
    if region is not None:
        return region, HomeSource.HUKOU
    return None, ""


def home_office_of(region: Region) -> Organization | None:
    """The office of the home county that uses the platform: its rescue station, else its civil-affairs office
    (the seed: 反馈给流出地救助管理机构，未设立的反馈至当地民政部门)."""
    county = _county_of(region)
    if county is None:
        return None
    offices = list(Organization.objects.filter(region=county, kind__in=(OrganizationKind.RESCUE_STATION,
                                                                         OrganizationKind.CIVIL_AFFAIRS)))
    offices.sort(key=lambda o: (o.kind != OrganizationKind.RESCUE_STATION, o.pk))
    return offices[0] if offices else None


def rural_office_of(region: Region) -> Organization | None:
    """The home county's rural-revitalisation office (乡村振兴部门) when it uses the platform."""
    county = _county_of(region)
    if county is None:
        return None
    return Organization.objects.filter(region=county, kind=OrganizationKind.DEPARTMENT,
                                       department=Department.RURAL_REVITALIZATION).order_by("pk").first()


def _notify_relapse_office(entry: ReturneeEntry, region: Region, actor) -> None:
    """A 防止返贫监测对象 sent home is notified, once, to the home county's rural-revitalisation office in the
    system when it uses the platform; otherwise the entry waits for someone to record the notice sent outside."""
    if not entry.relapse_watch or entry.relapse_notified_at is not None:
        return
    office = rural_office_of(region)
    if office is None:
        return
    entry.relapse_office, entry.relapse_notice_mode = office, FeedbackMode.SYSTEM
    entry.relapse_notified_at = timezone.now()
    entry.save(update_fields=["relapse_office", "relapse_notice_mode", "relapse_notified_at"])
    _event(FollowupEvent.RELAPSE_NOTIFIED, entry, actor, f"防止返贫监测对象返乡：已在系统内通报{office.name}",
           region=region, payload={"mode": "system", "office": office.pk})


def _apply_home(entry: ReturneeEntry, region: Region, source: str, actor) -> None:
    """Sets the home and what follows from it: the office and the feedback (in the system at once, or a letter
    for the station to print), the schedule (or its move), the at-risk suggestion."""
    entry.home_region, entry.home_region_path, entry.home_source = region, region.path, source
    office = home_office_of(region)
    entry.home_office = office
    sent_now = False
    if entry.feedback_sent_at is None:  # once sent (in the system or by letter), the feedback stays as it went
        entry.feedback_mode = FeedbackMode.SYSTEM if office is not None else FeedbackMode.LETTER
        if office is not None:
            entry.feedback_sent_at, sent_now = timezone.now(), True
    entry.save(update_fields=["home_region", "home_region_path", "home_source", "home_office", "feedback_mode",
                              "feedback_sent_at"])
    _event(FollowupEvent.HOME_SET, entry, actor, f"流出地：{region.full_name}（{HomeSource(source).label}）",
           region=region, payload={"region": region.code, "source": source, "office": getattr(office, "pk", None)})
    if sent_now:
        _event(FollowupEvent.FEEDBACK_SENT, entry, actor, f"已在系统内反馈至{office.name}", region=region,
               payload={"mode": "system", "office": office.pk})
    _notify_relapse_office(entry, region, actor)
    if entry.visits.exists():
        moved = entry.visits.filter(status=VisitStatus.PLANNED).update(region=region, region_path=region.path)
        log.info("entry %s: %s planned visits moved to %s", entry.pk, moved, region.code)
    else:
        _plan_visits(entry)
    if entry.conditions:
        _suggest_at_risk(entry=entry, region=region, source=AtRiskSource.RETURNEE, conditions=entry.conditions)


# ---- The ledger: rescue's discharge --------------------------------------------------------------------------

def returnee_from_discharge_event(event) -> ReturneeEntry | None:
    """Handler of RescueEvent.CLIENT_DISCHARGED: a discharge home makes the ledger entry, once per rescue record
    whatever the deliveries (the entry's case is unique)."""
    kind = (event.payload or {}).get("discharge")
    if kind not in HOME_DISCHARGES:
        return None
    existing = ReturneeEntry.objects.filter(case_id=int(event.subject_id)).first()
    if existing is not None:
        return existing
    case = RescueCase.objects.select_related("station", "registry_home_region", "discharge").get(
        pk=int(event.subject_id))
    discharge = case.discharge
    entry = ReturneeEntry(
        case=case, station=case.station, name=case.name, sex=case.sex, birth_date=case.birth_date,
        id_number_cipher=case.id_number_cipher, id_number_hash=case.id_number_hash, discharge_kind=kind,
        discharged_on=case.discharged_on or timezone.localdate(discharge.discharged_at),
        destination=discharge.destination[:200],
        conditions=[code for field, code in CASE_CONDITIONS if getattr(case, field)],
        relapse_watch=case.registry_tier == RELAPSE_WATCH)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # a parallel delivery made it first
        return ReturneeEntry.objects.get(case=case)
    audit_change(AuditAction.CREATE, None, entry, changes={"case": case.pk, "discharge": kind})
    _event(FollowupEvent.RETURNEE_ENTERED, entry, None,
           f"返乡受助人员登记：{entry.display_name}（{DischargeKind(kind).label}）", region=case.station.region,
           payload={"case": case.pk, "station": case.station_id, "discharge": kind,
                    "relapse_watch": entry.relapse_watch})
    region, source = home_region_of(case)
    if region is not None:
        _apply_home(entry, region, source, None)
    return entry


def _entry_locked(actor, entry: ReturneeEntry) -> ReturneeEntry:
    q = selectors.entry_scope_q(actor)
    qs = ReturneeEntry.objects.select_for_update(of=("self",)).select_related("station", "home_region",
                                                                              "home_office")
    return selectors.get_or_404(qs if q is None else qs.filter(q), entry.pk)


def _is_station_side(actor, entry: ReturneeEntry) -> bool:
    return actor.is_superuser or actor.organization_id in (entry.station_id, entry.station.parent_id)


def _is_home_side(actor, entry: ReturneeEntry) -> bool:
    if actor.is_superuser:
        return True
    return entry.home_region is not None and region_in_scope(actor, entry.home_region)


def returnee_set_home(*, actor, entry: ReturneeEntry, region: Region | None) -> ReturneeEntry:
    """A person sets (or makes more precise: township, village) the home region the system could not find."""
    require(actor, Capability.FOLLOWUP)
    if region is None or region.level not in HOME_LEVELS:
        raise invalid("流出地应选到县（区）、乡镇（街道）或村（社区）", "region")
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if current.arrived_on is not None and not _is_home_side(actor, current):
            raise refused("已确认到家：流出地只能由流出地工作人员细化到乡镇、村")
        before = current.home_region_id
        _apply_home(current, region, HomeSource.MANUAL, actor)
        audit_change(AuditAction.UPDATE, actor, current, changes={"home_region": [before, region.pk]})
    return current


def returnee_letter_sent(*, actor, entry: ReturneeEntry) -> ReturneeEntry:
    """The station posted the printed feedback letter (the home county's office does not use the platform)."""
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if not _is_station_side(actor, current):
            raise refused("书面反馈由送返的救助管理站寄送")
        if current.feedback_mode != FeedbackMode.LETTER:
            raise refused("流出地单位使用本系统或流出地尚未确定，不需寄送书面函件")
        if current.feedback_sent_at is not None:
            raise refused("书面反馈已寄送")
        current.feedback_sent_at = timezone.now()
        current.save(update_fields=["feedback_sent_at"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"feedback_sent": True})
        _event(FollowupEvent.FEEDBACK_SENT, current, actor, "已寄送书面反馈函", region=current.home_region,
               payload={"mode": "letter"})
    return current


def relapse_notice_sent(*, actor, entry: ReturneeEntry) -> ReturneeEntry:
    """The station or the home office records the notice to a rural-revitalisation office that does not use the
    platform (sent by letter or in person)."""
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if not current.relapse_watch:
            raise refused("不是防止返贫监测对象，不需通报乡村振兴部门")
        if current.relapse_notified_at is not None:
            raise refused("已通报乡村振兴部门")
        if current.home_region is not None and rural_office_of(current.home_region) is not None:
            raise refused("流出地乡村振兴部门使用本系统，已在系统内通报")
        current.relapse_notice_mode, current.relapse_notified_at = FeedbackMode.LETTER, timezone.now()
        current.save(update_fields=["relapse_notice_mode", "relapse_notified_at"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"relapse_notice": "letter"})
        _event(FollowupEvent.RELAPSE_NOTIFIED, current, actor, "防止返贫监测对象返乡：已书面通报乡村振兴部门",
               region=current.home_region or current.station.region, payload={"mode": "letter"})
    return current


def relapse_notice_receive(*, actor, entry: ReturneeEntry) -> ReturneeEntry:
    """The rural-revitalisation office notified in the system confirms it received the returnee (to take up in
    its 防止返贫 monitoring and help)."""
    with transaction.atomic():
        current = selectors.get_or_404(selectors.relapse_inbox_qs(actor).select_for_update(of=("self",)),
                                       entry.pk)
        if current.relapse_received_at is not None:
            raise refused("已确认接收")
        current.relapse_received_at, current.relapse_received_by = timezone.now(), actor
        current.save(update_fields=["relapse_received_at", "relapse_received_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"relapse_received": True})
        _event(FollowupEvent.RELAPSE_RECEIVED, current, actor, f"{actor.organization.name}已确认接收通报",
               region=current.home_region, payload={"office": actor.organization_id})
    return current


def _may_confirm(actor, entry: ReturneeEntry) -> bool:
    """In the system the home office confirms; after a letter, the station records the home office's reply."""
    if entry.feedback_mode == FeedbackMode.SYSTEM:
        return _is_home_side(actor, entry)
    return _is_station_side(actor, entry)


def returnee_confirm_receipt(*, actor, entry: ReturneeEntry) -> ReturneeEntry:
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if current.feedback_sent_at is None:
            raise refused("尚未反馈，不能确认收到")
        if current.receipt_confirmed_at is not None:
            raise refused("已确认收到")
        if not _may_confirm(actor, current):
            raise refused("由流出地救助管理站或民政部门确认收到" if current.feedback_mode == FeedbackMode.SYSTEM
                          else "书面反馈的回复由送返的救助管理站登记")
        current.receipt_confirmed_at, current.receipt_confirmed_by = timezone.now(), actor
        current.save(update_fields=["receipt_confirmed_at", "receipt_confirmed_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"receipt_confirmed": True})
        _event(FollowupEvent.RECEIPT_CONFIRMED, current, actor, "流出地已确认收到反馈", region=current.home_region)
    return current


def returnee_confirm_arrival(*, actor, entry: ReturneeEntry, arrived_on: dt.date | None, note: str = "")\
        -> ReturneeEntry:
    require(actor, Capability.FOLLOWUP)
    day = arrived_on or today()
    note = clean_text(note, "到家情况", "note", 500)
    with transaction.atomic():
        current = _entry_locked(actor, entry)
        if current.receipt_confirmed_at is None:
            raise refused("请先确认收到反馈")
        if current.arrived_on is not None:
            raise refused("已确认到家")
        if not _may_confirm(actor, current):
            raise refused("由流出地救助管理站或民政部门确认到家")
        if day > today() or day < current.discharged_on:
            raise invalid(f"到家日期应在离站日期 {current.discharged_on:%Y-%m-%d} 与今天之间", "arrived_on")
        current.arrived_on, current.arrival_note, current.arrival_confirmed_by = day, note, actor
        current.save(update_fields=["arrived_on", "arrival_note", "arrival_confirmed_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"arrived_on": str(day)})
        _event(FollowupEvent.ARRIVAL_CONFIRMED, current, actor, f"已到家（{day:%Y-%m-%d}）",
               region=current.home_region)
    return current


# ---- Visits ----------------------------------------------------------------------------------------------------

def _visit_locked(actor, visit: FollowupVisit) -> FollowupVisit:
    qs = selectors.visits_to_record(actor).select_for_update(of=("self",))
    return selectors.get_or_404(qs, visit.pk)


def visit_record(*, actor, visit: FollowupVisit, visited_on: dt.date | None, method: str, findings: str,
                 hardship: str = "", photo: bytes | None = None) -> FollowupVisit:
    """The township or village records a visit: a home visit or a phone call, what was found, a photo maybe."""
    require(actor, Capability.FOLLOWUP)
    if method not in VisitMethod.values:
        raise invalid("请选择回访方式", "method")
    if hardship not in Hardship.values:
        raise invalid("请选择发现的困难", "hardship")
    findings = clean_text(findings, "回访情况", "findings", 1000, required=True)
    day = visited_on or today()
    if day > today():
        raise invalid("回访日期不能晚于今天", "visited_on")
    photo_key = ""
    if photo:
        if file_facts(photo).content_type not in PHOTO_TYPES:
            raise invalid("照片应为 JPEG 或 PNG 图片", "photo")
    with transaction.atomic():
        current = _visit_locked(actor, visit)
        if current.status != VisitStatus.PLANNED:
            raise refused("该次回访已记录")
        if current.entry_id and day < current.entry.discharged_on:
            raise invalid("回访日期不能早于离站日期", "visited_on")
        if photo:
            photo_key = stored_file_save(data=photo)
        current.status, current.visited_on, current.method = VisitStatus.DONE, day, method
        current.findings, current.hardship, current.photo_key, current.recorded_by = findings, hardship, photo_key, \
            actor
        current.save(update_fields=["status", "visited_on", "method", "findings", "hardship", "photo_key",
                                    "recorded_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": "done", "method": method,
                                                                  "hardship": hardship})
        _event(FollowupEvent.VISIT_RECORDED, current, actor,
               f"第 {current.sequence} 次回访（{VisitMethod(method).label}）"
               + (f"：{Hardship(hardship).label}" if hardship else ""), region=current.region,
               payload={"entry": current.entry_id, "at_risk": current.at_risk_id, "hardship": hardship})
    return current


def _visit_to_hand_over(actor, visit: FollowupVisit, target: str) -> FollowupVisit:
    """The visit, locked, if it may be handed over: it found hardship and was not handed over yet, to intake or
    to monitoring (one hand-over per visit). `target` names where it goes in the refusal."""
    current = _visit_locked(actor, visit)
    if current.status != VisitStatus.DONE or not current.hardship:
        raise refused(f"只有发现困难的回访可以{target}")
    if current.application_id is not None or current.warning_id is not None:
        raise refused("该次回访已转入救助申请" if current.application_id else "该次回访已转为监测线索")
    return current


def visit_handover(*, actor, visit: FollowupVisit, items: list[str], region: Region | None = None)\
        -> FollowupVisit:
    """衔接: a visit that found hardship becomes, in one step and exactly once, an intake application for the
    returnee (channel 主动发现: a window takes it up), with the visit's findings as the circumstances."""
    require(actor, Capability.FOLLOWUP)  # and INTAKE: application_create requires it (the coordinator's leads)
    with transaction.atomic():
        current = _visit_to_hand_over(actor, visit, "转入救助申请")
        person = current.subject
        if not person.id_number_cipher:
            raise refused("身份证号码不明，不能转入申请：请窗口核实身份后受理")
        place = region or current.region
        if place.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise invalid("请先将流出地细化到乡镇（街道）或村（社区）", "region")
        application = application_create(
            actor=actor, channel=Channel.DISCOVERY, region=place, applicant_name=person.name or "无名氏",
            applicant_id_number=decrypt_text(person.id_number_cipher), items=items,
            circumstances=f"{'返乡受助人员' if current.entry_id else '易流浪走失人员'}回访发现"
                          f"{Hardship(current.hardship).label}：{current.findings}",
            source_ref=f"followup:visit:{current.pk}")
        current.application = application
        current.save(update_fields=["application"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"application": application.pk})
        _event(FollowupEvent.VISIT_HANDED_OVER, current, actor, f"转入救助申请（查询码 {application.query_code}）",
               region=place, payload={"application": application.pk, "items": items})
    return current


def visit_to_lead(*, actor, visit: FollowupVisit) -> FollowupVisit:
    """衔接, the other way: a visit that found hardship becomes, in one step and exactly once, a monitoring lead
    (a warning of the 主动发现 class, verified and disposed of by the area's officers within its deadline) —
    for a household whose situation needs checking before anyone applies."""
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = _visit_to_hand_over(actor, visit, "转为监测线索")
        person = current.subject
        kind = "返乡受助人员" if current.entry_id else "易流浪走失人员"
        warning = lead_raise(
            actor=actor, region=current.region, subject_name=person.name or "无名氏",
            id_number=decrypt_text(person.id_number_cipher) if person.id_number_cipher else "",
            findings=f"{Hardship(current.hardship).label}：{current.findings}",
            source=f"{kind}第 {current.sequence} 次回访（{current.visited_on:%Y-%m-%d}）",
            source_ref=f"followup:visit:{current.pk}")
        current.warning = warning
        current.save(update_fields=["warning"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"warning": warning.pk})
        _event(FollowupEvent.VISIT_HANDED_OVER, current, actor, f"转为监测线索（办理期限 {warning.due_date:%Y-%m-%d}）",
               region=current.region, payload={"warning": warning.pk})
    return current


def overdue_sweep(*, on: dt.date | None = None) -> int:
    """Each planned visit past its date is flagged once (to its region and the level above: the work lists of
    both count it); idempotent by the flag."""
    day = on or today()
    with transaction.atomic():
        rows = list(FollowupVisit.objects.select_for_update().filter(
            status=VisitStatus.PLANNED, due_on__lt=day, overdue_flagged_at__isnull=True)
            .values_list("pk", "region_id", "due_on", "sequence"))
        if not rows:
            return 0
        FollowupVisit.objects.filter(pk__in=[r[0] for r in rows]).update(overdue_flagged_at=timezone.now())
        record_events(kind=FollowupEvent.VISIT_OVERDUE, subject_model=FollowupVisit, rows=[
            EventRow(subject_id=pk, region_id=region_id, summary=f"第 {seq} 次回访超期（应于 {due:%Y-%m-%d}）")
            for pk, region_id, due, seq in rows])
    return len(rows)


# ---- The at-risk registry ------------------------------------------------------------------------------------

def _clean_conditions(conditions) -> list[str]:
    codes = [c for c in Condition.values if c in set(conditions or [])]
    if not codes:
        raise invalid("请至少选择一项易流浪走失情形", "conditions")
    return codes


def _clean_number(id_number: str) -> str:
    info = id_number_field(id_number)
    return info.number if info is not None else ""


def at_risk_enter(*, actor, region: Region | None, name: str, sex: str, id_number: str, conditions: list[str],
                  guardian: str = "", address: str = "", note: str = "") -> AtRiskPerson:
    """Village (or township) staff enter a person (《易流浪走失人员信息登记表》); the county checks it."""
    require(actor, Capability.FOLLOWUP)
    if region is None or region.level != RegionLevel.VILLAGE:
        raise invalid("请选择居住的村（社区）", "region")
    if not region_in_scope(actor, region):
        raise invalid("居住地不在您的管辖范围内", "region")
    name = clean_text(name, "姓名", "name", 50, required=True)
    if sex not in ("M", "F"):
        raise invalid("请选择性别", "sex")
    number = _clean_number(id_number)
    codes = _clean_conditions(conditions)
    guardian = clean_text(guardian, "监护人（联系人）及电话", "guardian", 100)
    address = clean_text(address, "住址", "address", 200)
    note = clean_text(note, "情况说明", "note", 500)
    id_hash = keyed_hash(number) if number else ""
    with transaction.atomic():
        if id_hash and AtRiskPerson.objects.filter(id_number_hash=id_hash).exists():
            raise invalid("此人已在易流浪走失人员信息库中（或已有系统建议）", "id_number")
        person = AtRiskPerson.objects.create(
            region=region, region_path=region.path, name=name, sex=sex,
            id_number_cipher=encrypt_text(number) if number else "", id_number_hash=id_hash, conditions=codes,
            guardian=guardian, address=address, note=note, source=AtRiskSource.VILLAGE,
            status=AtRiskStatus.SUBMITTED, created_by=actor)
        audit_change(AuditAction.CREATE, actor, person, changes={"conditions": codes})
        _event(FollowupEvent.AT_RISK_ENTERED, person, actor, f"登记易流浪走失人员（{region.name}）", region=region)
    return person


def _suggest_at_risk(*, entry: ReturneeEntry | None, region: Region, source: str, conditions: list[str],
                     case: RescueCase | None = None) -> AtRiskPerson | None:
    """The system's suggestion, once per person (by the keyed hash; without an ID number, once per entry)."""
    id_hash = (entry.id_number_hash if entry else case.id_number_hash) or ""
    if id_hash and AtRiskPerson.objects.filter(id_number_hash=id_hash).exists():
        return None
    if not id_hash and entry is not None and AtRiskPerson.objects.filter(entry=entry).exists():
        return None
    name = (entry.name if entry else case.name) or ""
    if not name:
        return None  # the registry names its people: an unnamed client waits for family search
    try:
        with transaction.atomic():
            person = AtRiskPerson.objects.create(
                region=region, region_path=region.path, name=name, sex=(entry.sex if entry else case.sex),
                id_number_cipher=(entry.id_number_cipher if entry else case.id_number_cipher),
                id_number_hash=id_hash, conditions=conditions, source=source, status=AtRiskStatus.SUGGESTED,
                entry=entry)
    except IntegrityError:
        return None
    audit_change(AuditAction.CREATE, None, person, changes={"source": source, "conditions": conditions})
    _event(FollowupEvent.AT_RISK_SUGGESTED, person, None,
           f"系统建议纳入易流浪走失人员信息库：{AtRiskSource(source).label}", region=region, payload={"source": source})
    return person


def _is_county_level(actor) -> bool:
    return actor.is_superuser or (actor.region is not None and actor.region.level in (
        RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE))


def at_risk_check(*, actor, person: AtRiskPerson, approve: bool, reason: str = "") -> AtRiskPerson:
    """The county checks an entry or a suggestion: listed, or returned to the village as incomplete (with why)."""
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = selectors.get_or_404(selectors.at_risk_in_scope(actor).select_for_update(of=("self",)), person.pk)
        if not _is_county_level(actor):
            raise refused("易流浪走失人员由县级民政部门审核")
        if current.status not in (AtRiskStatus.SUBMITTED, AtRiskStatus.SUGGESTED):
            raise refused("只有待审核或系统建议的人员可以审核")
        if approve:
            if not current.conditions:
                raise invalid("未填写易流浪走失情形，请退回补正", "reason")
            current.status, current.return_reason = AtRiskStatus.LISTED, ""
            # The roster goes to the township, which visits by the region's rule from the listing day; a returnee
            # already on a schedule of the ledger is not visited twice.
            if current.entry_id is None or not current.entry.visits.exists():
                _plan(current, current.region, today())
        else:
            current.return_reason = clean_text(reason, "退回理由", "reason", 300, required=True)
            current.status = AtRiskStatus.RETURNED
        current.checked_by, current.checked_at = actor, timezone.now()
        current.save(update_fields=["status", "return_reason", "checked_by", "checked_at"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": current.status})
        _event(FollowupEvent.AT_RISK_CHECKED, current, actor,
               "审核入库" if approve else f"退回补正：{current.return_reason}", region=current.region,
               payload={"listed": approve})
    return current


def at_risk_resubmit(*, actor, person: AtRiskPerson, conditions: list[str], guardian: str, address: str,
                     note: str = "") -> AtRiskPerson:
    """The village completes a returned entry and sends it to the county again."""
    require(actor, Capability.FOLLOWUP)
    codes = _clean_conditions(conditions)
    guardian = clean_text(guardian, "监护人（联系人）及电话", "guardian", 100)
    address = clean_text(address, "住址", "address", 200)
    note = clean_text(note, "情况说明", "note", 500)
    with transaction.atomic():
        current = selectors.get_or_404(selectors.at_risk_in_scope(actor).select_for_update(of=("self",)), person.pk)
        if current.status != AtRiskStatus.RETURNED:
            raise refused("只有退回补正的人员可以重新提交")
        current.conditions, current.guardian, current.address, current.note = codes, guardian, address, note
        current.status = AtRiskStatus.SUBMITTED
        current.save(update_fields=["conditions", "guardian", "address", "note", "status"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": "submitted", "conditions": codes})
        _event(FollowupEvent.AT_RISK_RESUBMITTED, current, actor, "补正后重新提交", region=current.region)
    return current


# ---- Repeat detection: rescue's admission ------------------------------------------------------------------

def repeat_from_admission_event(event) -> RepeatAlert | None:
    """Handler of RescueEvent.CLIENT_ADMITTED (and CLIENT_IDENTIFIED): a person of the ledger or the at-risk
    registry, matched by the ID number's keyed hash, is admitted again: one alert per rescue record to the home
    region. Two or more rescues in twelve months suggest the person for the at-risk registry."""
    case = RescueCase.objects.select_related("station").filter(pk=int(event.subject_id)).first()
    if case is None or not case.id_number_hash:
        return None
    earlier = RescueCase.objects.filter(id_number_hash=case.id_number_hash).exclude(pk=case.pk)
    if earlier.filter(admitted_on__gte=case.admitted_on - dt.timedelta(days=REPEAT_WINDOW_DAYS)).exists():
        region, _ = home_region_of(case)
        if region is not None:
            _suggest_at_risk(entry=None, case=case, region=region, source=AtRiskSource.REPEAT,
                             conditions=[Condition.REPEAT])
    entry = ReturneeEntry.objects.filter(id_number_hash=case.id_number_hash, home_region__isnull=False) \
        .exclude(case=case).select_related("home_region").order_by("-discharged_on").first()
    at_risk = AtRiskPerson.objects.filter(id_number_hash=case.id_number_hash, status=AtRiskStatus.LISTED) \
        .select_related("region").first()
    if entry is None and at_risk is None:
        return None
    existing = RepeatAlert.objects.filter(case=case).first()
    if existing is not None:
        return existing
    home = at_risk.region if at_risk is not None else entry.home_region
    try:
        with transaction.atomic():
            alert = RepeatAlert.objects.create(case=case, entry=entry, at_risk=at_risk, home_region=home,
                                               home_region_path=home.path)
    except IntegrityError:
        return RepeatAlert.objects.get(case=case)
    audit_change(AuditAction.CREATE, None, alert, changes={"case": case.pk})
    _event(FollowupEvent.REPEAT_ADMISSION, alert, None, f"再次流浪：已在{case.station.name}入站",
           region=home, payload={"case": case.pk, "station": case.station_id,
                                 "entry": getattr(entry, "pk", None), "at_risk": getattr(at_risk, "pk", None)})
    return alert


def alert_mark_seen(*, actor, alert: RepeatAlert) -> RepeatAlert:
    require(actor, Capability.FOLLOWUP)
    with transaction.atomic():
        current = selectors.get_or_404(selectors.alerts_in_scope(actor).select_for_update(of=("self",)), alert.pk)
        if current.seen_at is not None:
            raise refused("已阅")
        current.seen_at, current.seen_by = timezone.now(), actor
        current.save(update_fields=["seen_at", "seen_by"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"seen": True})
        _event(FollowupEvent.ALERT_SEEN, current, actor, "再次流浪提醒已阅", region=current.home_region)
    return current
