"""Writes of family-search notices (寻亲公告), issue #19: drafted for every unidentified client at admission (due
within 24 hours), edited by the station, published on a station manager's approval, refreshed monthly while the
client stays, withdrawn when the client is identified or leaves.

The public snapshot is copied from the rescue record and its identification profile (甄别信息) when drafted and
edited by the station afterwards; it never holds an ID number, a hukou or residence address, relatives, or the
record's number: the found place is the sighting's or the profile's place words (a landmark), prefixed by the
region's name. The contact is the station's public line (settings_catalog.NOTICE_PHONE_KEY, else the 救助热线).

Services check the capability, the scope (the notice's station: the actor's organisation or one below it, within
the actor's region; 404 otherwise), the status, then write in one transaction with an audit row and an event
(FamilySearchEvent.NOTICE_*). NOTICE_PUBLISHED carries {notice_id, revision}: geo-targeted push reacts to it, once
per publication and once per monthly refresh."""

from __future__ import annotations

import calendar
import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import Build, ClientProfile, FamilyNotice, NoticeStatus, PersonSex
from jiuzhu.familysearch.settings_catalog import NOTICE_PHONE_KEY
from jiuzhu.intake.settings_catalog import HOTLINE_NUMBER_KEY
from jiuzhu.rescue.models import STAY_STATUSES, RescueCase

NOTICE_DUE = dt.timedelta(hours=24)  # the campaign's rule: a notice within 24 hours of admission
NOTICE_SCOPE = {"region_field": "station__region", "organization_field": "station"}
CODE_LENGTH = 12  # digits: read aloud over the phone, typed on any keypad; 10^12 codes, not walkable
DEFAULT_HOTLINE = "12349"
SEX_WORDS = {"M": "男子", "F": "女子", "U": "人员"}
OPEN_STATUSES = (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED)
# field: (label, max length, one line): the snapshot's texts the station edits
TEXTS = {
    "title": ("标题", 100, True), "stated_name": ("自述姓名或称呼", 50, True), "ethnicity": ("民族", 20, True),
    "accent": ("口音", 60, True), "health": ("健康与精神状况", 300, False), "features": ("体貌特征", 500, False),
    "clothing": ("衣着", 300, False), "found_place": ("发现地点", 200, True),
    "contact_phone": ("联系电话", 30, True),
}
EDITABLE = (*TEXTS, "sex", "estimated_age", "height_cm", "build", "found_on")


def today() -> dt.date:
    return timezone.localdate()


def add_month(day: dt.date) -> dt.date:
    """The same day next month (the 31st → the month's last day): the monthly refresh."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def new_public_code() -> str:
    """Random (secrets), not derived from any row: the public cannot walk the notices or guess a record."""
    return str(secrets.randbelow(9 * 10 ** (CODE_LENGTH - 1)) + 10 ** (CODE_LENGTH - 1))


def station_phone(station, on: dt.date | None = None) -> str:
    on = on or today()
    phone = setting_value(NOTICE_PHONE_KEY, station.region, on)
    return str(phone or setting_value(HOTLINE_NUMBER_KEY, station.region, on, default=DEFAULT_HOTLINE)
               or DEFAULT_HOTLINE)


def default_title(*, sex: str, estimated_age: int | None, found_on: dt.date, region_name: str) -> str:
    age = f"约 {estimated_age} 岁" if estimated_age is not None else "年龄不详"
    day = f"{found_on.year}年{found_on.month}月{found_on.day}日"
    return f"{day}在{region_name}发现的{SEX_WORDS.get(sex, '人员')}（{age}）"[:100]


def snapshot_of(case: RescueCase) -> dict:
    """The public fields of a client's notice, from the record and its profile (see the module's docstring)."""
    from jiuzhu.familysearch.review_services import profile_defaults

    profile = ClientProfile.objects.select_related("found_region").filter(case=case).first()
    defaults = profile_defaults(case)
    found_on = profile.found_on if profile else defaults["found_on"]
    region = profile.found_region if profile else defaults["found_region"]
    place = (profile.found_place if profile else "") or (defaults["found_place"] if case.sighting_id else "")
    age = case.age_on(found_on) if case.birth_date or case.estimated_age is not None else None
    health = (profile.health if profile else "") or "、".join(
        label for flag, label in (("check_mental", "精神异常"), ("check_illness", "患病"), ("check_injury", "有外伤"))
        if getattr(case, flag))
    return {
        "region": region, "photo_key": case.photo_key, "sex": case.sex, "estimated_age": age,
        "stated_name": (case.name or (profile.stated_name if profile else ""))[:50],
        "height_cm": profile.height_cm if profile else None, "build": profile.build if profile else "",
        "ethnicity": profile.ethnicity if profile else "", "accent": profile.accent if profile else "",
        "health": health[:300], "features": profile.features if profile else "",
        "clothing": profile.clothing if profile else "", "found_on": found_on,
        "found_place": f"{region.name}{place}"[:200] if place else region.full_name[:200],
        "contact_phone": station_phone(case.station)[:30],
        "title": default_title(sex=case.sex, estimated_age=age, found_on=found_on, region_name=region.name),
    }


def _needs_notice(case: RescueCase) -> bool:
    return case.status in STAY_STATUSES and not case.identity_confirmed


def notice_draft_for_case(*, case: RescueCase, actor=None) -> FamilyNotice | None:
    """The client's notice, drafted once per rescue record (FamilyNotice.case is one-to-one): None for an
    identified client or one no longer in stay; the existing notice when there is one. Due 24 hours after the
    admission (not after the drafting: a late handler does not move the deadline)."""
    existing = FamilyNotice.objects.filter(case=case).first()
    if existing is not None:
        return existing
    case = RescueCase.objects.select_related("station", "station__region", "sighting", "sighting__region") \
        .get(pk=case.pk)
    if not _needs_notice(case):
        return None
    snap = snapshot_of(case)
    notice = FamilyNotice(case=case, station=case.station, due_at=case.admitted_at + NOTICE_DUE,
                          public_code=new_public_code(), **snap)
    try:
        with transaction.atomic():
            notice.save()
            audit_change(AuditAction.CREATE, actor, notice, changes={"case": case.pk, "status": notice.status})
            record_event(kind=FamilySearchEvent.NOTICE_DRAFTED, subject=notice, actor=actor,
                         region=case.station.region,
                         summary=f"寻亲公告起草：救助记录 {case.number}，"
                                 f"{timezone.localtime(notice.due_at):%Y-%m-%d %H:%M} 前审核发布",
                         payload={"notice_id": notice.pk, "case": case.pk, "due_at": notice.due_at.isoformat()})
    except IntegrityError:
        found = FamilyNotice.objects.filter(case=case).first()  # a parallel delivery drafted it
        if found is None:
            raise
        return found
    return notice


def notice_draft_from_admission_event(event) -> FamilyNotice | None:
    """Handler of RescueEvent.CLIENT_ADMITTED: an unidentified client gets a draft notice (once per record)."""
    case = RescueCase.objects.filter(pk=int(event.subject_id)).first()
    if case is None:
        return None
    return notice_draft_for_case(case=case, actor=event.actor if event.actor_id else None)


# ---- The station's edits and decisions --------------------------------------------------------------

def _locked(actor, notice: FamilyNotice) -> FamilyNotice:
    qs = FamilyNotice.objects.select_for_update(of=("self",)).select_related("station", "station__region", "case")
    return get_scoped_or_404(qs, actor, scope=NOTICE_SCOPE, pk=notice.pk)


def _clean_int(value, label: str, field: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(f"{label}应为整数", field) from None
    if not low <= number <= high:
        raise invalid(f"{label}应在 {low} 至 {high} 之间", field)
    return number


def _clean_snapshot(values: dict, case: RescueCase) -> dict:
    clean = {}
    for field, (label, length, one_line) in TEXTS.items():
        if field in values:
            clean[field] = clean_text(values[field], label, field, length, join_lines=one_line,
                                      required=field in ("title", "contact_phone"))
    if "sex" in values:
        if values["sex"] not in PersonSex.values:
            raise invalid("请选择性别", "sex")
        clean["sex"] = values["sex"]
    if "estimated_age" in values:
        clean["estimated_age"] = _clean_int(values["estimated_age"], "估计年龄", "estimated_age", 0, 120)
    if "height_cm" in values:
        clean["height_cm"] = _clean_int(values["height_cm"], "身高", "height_cm", 40, 230)
    if "build" in values:
        if values["build"] and values["build"] not in Build.values:
            raise invalid("请选择体型", "build")
        clean["build"] = values["build"] or ""
    if "found_on" in values:
        found_on = values["found_on"]
        if not isinstance(found_on, dt.date):
            raise invalid("请填写发现日期", "found_on")
        if found_on > case.admitted_on:
            raise invalid("发现日期不能晚于入站日期", "found_on")
        clean["found_on"] = found_on
    return clean


def notice_update(*, actor, notice: FamilyNotice, **values) -> FamilyNotice:
    """Edits the public snapshot of a draft or a published notice (a published one shows the change at once; its
    revision and next refresh stay). Only the fields given change; unknown fields are refused."""
    require(actor, Capability.RESCUE_CASES)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise invalid("公告中没有这些项目：" + "、".join(unknown), unknown[0])
    with transaction.atomic():
        notice = _locked(actor, notice)
        if notice.status not in OPEN_STATUSES:
            raise refused(f"该寻亲公告{notice.get_status_display()}，不能修改")
        clean = _clean_snapshot(values, notice.case)
        changed = sorted(f for f, v in clean.items() if getattr(notice, f) != v)
        if not changed:
            return notice
        for field in changed:
            setattr(notice, field, clean[field])
        notice.save(update_fields=[*changed, "updated_at"])
        # the names of the fields changed, never their values (a person's description)
        audit_change(AuditAction.UPDATE, actor, notice, changes={"fields": changed})
        record_event(kind=FamilySearchEvent.NOTICE_EDITED, subject=notice, actor=actor,
                     region=notice.station.region, summary="寻亲公告修改：" + "、".join(
                         FamilyNotice._meta.get_field(f).verbose_name for f in changed),
                     payload={"notice_id": notice.pk, "fields": changed, "revision": notice.revision})
    return notice


def _published(notice: FamilyNotice, *, actor, on: dt.date, summary: str) -> FamilyNotice:
    now = timezone.now()
    notice.revision += 1
    notice.status, notice.published_at, notice.refresh_due_on = NoticeStatus.PUBLISHED, now, add_month(on)
    if actor is not None:
        notice.published_by = actor
    notice.save(update_fields=["status", "revision", "published_at", "published_by", "refresh_due_on",
                               "updated_at"])
    audit_change(AuditAction.UPDATE, actor, notice, changes={"status": notice.status, "revision": notice.revision})
    record_event(kind=FamilySearchEvent.NOTICE_PUBLISHED, subject=notice, actor=actor, region=notice.station.region,
                 summary=f"{summary}（第 {notice.revision} 次发布），下次更新 {notice.refresh_due_on:%Y-%m-%d}",
                 payload={"notice_id": notice.pk, "revision": notice.revision, "found_region": notice.region.code,
                          "refresh_due_on": notice.refresh_due_on.isoformat()})
    return notice


def notice_publish(*, actor, notice: FamilyNotice) -> FamilyNotice:
    """审核发布: a station manager (APPROVE_RESCUE) publishes a draft: revision 1, next refresh in a month. A
    client identified or gone meanwhile is not published (the notice is withdrawn by the handlers instead)."""
    require(actor, Capability.APPROVE_RESCUE)
    with transaction.atomic():
        notice = _locked(actor, notice)
        if notice.status != NoticeStatus.DRAFT:
            raise refused(f"该寻亲公告{notice.get_status_display()}，不能再次审核发布")
        case = RescueCase.objects.select_for_update(of=("self",)).get(pk=notice.case_id)
        if case.identity_confirmed:
            raise refused("该受助人员身份已查明，不能发布寻亲公告")
        if case.status not in STAY_STATUSES:
            raise refused(f"该受助人员{case.get_status_display()}，不能发布寻亲公告")
        return _published(notice, actor=actor, on=today(), summary="寻亲公告审核发布")


def notice_refresh(*, notice: FamilyNotice, actor=None, on: dt.date | None = None) -> FamilyNotice | None:
    """每月更新: a published notice whose refresh day has come, of a client still in stay and unidentified, is
    published again (revision + 1, published now, next refresh in a month). None when not due (so a second run the
    same day changes nothing). With an actor (the station's button), the manager's capability and scope apply;
    without one, the periodic sweep."""
    on = on or today()
    if actor is not None:
        require(actor, Capability.APPROVE_RESCUE)
    with transaction.atomic():
        qs = FamilyNotice.objects.select_for_update(of=("self",)).select_related("station", "station__region",
                                                                                   "region")
        notice = get_scoped_or_404(qs, actor, scope=NOTICE_SCOPE, pk=notice.pk) if actor is not None \
            else qs.get(pk=notice.pk)
        if notice.status != NoticeStatus.PUBLISHED or notice.refresh_due_on is None or notice.refresh_due_on > on:
            if actor is not None:
                raise refused("该寻亲公告尚未到更新日期" if notice.status == NoticeStatus.PUBLISHED
                              else f"该寻亲公告{notice.get_status_display()}，不能更新")
            return None
        case = RescueCase.objects.get(pk=notice.case_id)
        if not _needs_notice(case):
            return None  # identified or gone: the handlers withdraw it, never refreshed
        return _published(notice, actor=actor, on=on, summary="寻亲公告每月更新")


def notices_due_for_refresh(on: dt.date):
    return FamilyNotice.objects.filter(status=NoticeStatus.PUBLISHED, refresh_due_on__lte=on,
                                       case__status__in=STAY_STATUSES, case__identity_confirmed=False)


def notice_refresh_sweep(*, on: dt.date | None = None) -> int:
    """The periodic job: every notice due for its monthly refresh is refreshed (each in its own transaction, one
    NOTICE_PUBLISHED each). Idempotent: a refreshed notice is due again only a month later."""
    on = on or today()
    done = 0
    for notice in notices_due_for_refresh(on).only("pk").order_by("refresh_due_on", "pk"):
        if notice_refresh(notice=notice, on=on) is not None:
            done += 1
    return done


# ---- Withdrawal ------------------------------------------------------------------------------------

def _withdraw(notice: FamilyNotice, *, actor, reason: str) -> FamilyNotice:
    was = notice.status
    notice.status, notice.withdrawn_at, notice.withdraw_reason = NoticeStatus.WITHDRAWN, timezone.now(), reason
    notice.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
    audit_change(AuditAction.UPDATE, actor, notice, changes={"status": notice.status, "was": was})
    record_event(kind=FamilySearchEvent.NOTICE_WITHDRAWN, subject=notice, actor=actor, region=notice.station.region,
                 summary=f"寻亲公告撤回：{reason}",
                 payload={"notice_id": notice.pk, "revision": notice.revision, "was": was})
    return notice


def notice_withdraw(*, actor, notice: FamilyNotice, reason: str) -> FamilyNotice:
    """撤回: a station manager takes a draft or published notice down, with the reason; it leaves the portal and
    the feed at once (both read only published notices)."""
    require(actor, Capability.APPROVE_RESCUE)
    reason = clean_text(reason, "撤回原因", "withdraw_reason", 200, required=True, join_lines=True)
    with transaction.atomic():
        notice = _locked(actor, notice)
        if notice.status not in OPEN_STATUSES:
            raise refused(f"该寻亲公告{notice.get_status_display()}，不能再次撤回")
        return _withdraw(notice, actor=actor, reason=reason)


def notice_withdraw_for_case(*, case_id: int, reason: str, actor=None) -> FamilyNotice | None:
    """The automatic withdrawal (the handlers below): no-op without an open notice, so deliveries repeat safely."""
    with transaction.atomic():
        notice = FamilyNotice.objects.select_for_update(of=("self",)).select_related("station", "station__region") \
            .filter(case_id=case_id, status__in=OPEN_STATUSES).first()
        if notice is None:
            return None
        return _withdraw(notice, actor=actor, reason=reason)


def _event_actor(event):
    return event.actor if event.actor_id else None


def notice_withdraw_on_match_event(event) -> FamilyNotice | None:
    """Handler of FamilySearchEvent.MATCH_CONFIRMED: the client's identity established by a confirmed match."""
    case_id = (event.payload or {}).get("case")
    if not case_id:
        return None
    return notice_withdraw_for_case(case_id=int(case_id), reason="寻亲比对确认，身份已查明", actor=_event_actor(event))


def notice_withdraw_on_identified_event(event) -> FamilyNotice | None:
    """Handler of RescueEvent.CLIENT_IDENTIFIED (an identity card found, the police, or a confirmed match)."""
    return notice_withdraw_for_case(case_id=int(event.subject_id), reason="身份已查明", actor=_event_actor(event))


def notice_withdraw_on_discharge_event(event) -> FamilyNotice | None:
    """Handler of RescueEvent.CLIENT_DISCHARGED: the client left the station (whatever the way)."""
    return notice_withdraw_for_case(case_id=int(event.subject_id), reason="受助人员已离站",
                                    actor=_event_actor(event))
