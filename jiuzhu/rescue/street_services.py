"""Writes of the street part: sightings (发现报告) and street patrols (街面巡查).

A sighting comes from the public page (no sign-in, rate-limited per client address), from the hotline (intake's
STREET_SIGHTING_REPORTED event, handled idempotently by the call), from staff recording what police, city
management, sanitation workers or drivers told them, or from a patrol. It is dispatched at once to the station
responsible for the place (`responsible_station`): the rescue stations of the deepest region above the place that
has any (a county's station; a place without one goes to the city-level station), the nearest of them by
haversine when the place and the stations have coordinates. Then: first contact (the response time is measured
from the report to it), and the outcome: brought in, hospital, refused help (what was left), not found.

Every write checks the capability (RESCUE_CASES; weather alerts and station locations APPROVE_RESCUE), the scope
(the sighting's station is the actor's or directly below it), the status, and writes in one transaction with an
audit row and an event (RescueEvent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.core import files
from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError, clean_text, invalid
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Organization, OrganizationKind, Region, User
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.ratelimit import RateLimit
from jiuzhu.core.scoping import region_in_scope, scope_q
from jiuzhu.rescue import geo
from jiuzhu.rescue.events import RescueEvent
from jiuzhu.rescue.models import (
    CoordinateSystem,
    Patrol,
    PatrolStatus,
    PatrolTeam,
    ReporterKind,
    RescueCase,
    Sighting,
    SightingOutcome,
    SightingStatus,
    StationLocation,
    WeatherAlert,
)
from jiuzhu.rescue.scopes import CASE_SCOPE, PATROL_SCOPE, SIGHTING_SCOPE
from jiuzhu.rescue.street_settings import campaign_on

PUBLIC_MAX_PER_HOUR = 5  # sightings from one client address within PUBLIC_WINDOW
PUBLIC_WINDOW = dt.timedelta(hours=1)
PUBLIC_LIMITED = "同一网络一小时内提交的报告过多，请稍后再试；情况紧急请拨打 110 或救助热线"
PUBLIC_LIMIT = RateLimit("rescue-report", PUBLIC_MAX_PER_HOUR, PUBLIC_WINDOW, PUBLIC_LIMITED)  # core.ratelimit
CLOCK_SKEW = dt.timedelta(minutes=5)  # a time "now" typed on a phone may run a little ahead of the server
STAFF_KINDS = (ReporterKind.POLICE, ReporterKind.CITY_MANAGEMENT, ReporterKind.SANITATION, ReporterKind.DRIVER,
               ReporterKind.CITIZEN, ReporterKind.OTHER)


@dataclass(frozen=True)
class Point:
    """A point as entered: the coordinates and the system they were entered in."""

    latitude: object
    longitude: object
    system: str = CoordinateSystem.WGS84


def clean_point(point: Point | None) -> tuple[Decimal, Decimal, str] | tuple[None, None, str]:
    """(lat, lon) in WGS-84 as stored and the system entered, or (None, None, "") without a point. Both
    coordinates or neither; numbers within the globe; a GCJ-02 point converted (geo.py)."""
    if point is None:
        return None, None, ""
    raw_lat, raw_lon = (str(v).strip() if v is not None else "" for v in (point.latitude, point.longitude))
    if not raw_lat and not raw_lon:
        return None, None, ""
    if not raw_lat or not raw_lon:
        raise invalid("经度和纬度须同时填写，或都不填", "latitude" if not raw_lat else "longitude")
    try:
        lat, lon = Decimal(raw_lat), Decimal(raw_lon)
    except InvalidOperation:
        raise invalid("经纬度应为数字，如 纬度 27.111700、经度 111.035800", "latitude") from None
    if not lat.is_finite() or not -90 <= lat <= 90:
        raise invalid("纬度应在 -90 到 90 之间", "latitude")
    if not lon.is_finite() or not -180 <= lon <= 180:
        raise invalid("经度应在 -180 到 180 之间", "longitude")
    if point.system not in CoordinateSystem.values:
        raise invalid("请选择坐标系", "coordinate_system")
    w_lat, w_lon = geo.to_wgs84(lat, lon, point.system)
    return geo.quantize(w_lat), geo.quantize(w_lon), point.system


def _clean_time(value, label: str, field: str, *, now: dt.datetime, required: bool = True) -> dt.datetime | None:
    if value is None:
        if required:
            raise invalid(f"请填写{label}", field)
        return None
    if not isinstance(value, dt.datetime):
        raise invalid(f"{label}格式不正确", field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise invalid(f"{label}不能晚于现在", field)
    return value


def _require_staff(actor) -> None:
    require(actor, Capability.RESCUE_CASES)


def _station_of(actor) -> Organization:
    org = actor.organization
    if org is None or org.kind != OrganizationKind.RESCUE_STATION:
        raise DomainError("只有救助管理站的工作人员可以办理", code="forbidden")
    return org


def _in_scope(actor, model, pk: int, scope: dict) -> bool:
    q = scope_q(actor, **scope)
    rows = model.objects.filter(pk=pk)
    return (rows if q is None else rows.filter(q)).exists()


def _require_sighting_in_scope(actor, sighting: Sighting) -> None:
    if not _in_scope(actor, Sighting, sighting.pk, SIGHTING_SCOPE):
        raise DomainError("该发现报告不在您的管辖范围内", code="out_of_scope")


def _event(kind: str, sighting: Sighting, actor, summary: str, payload: dict | None = None):
    return record_event(kind=kind, subject=sighting, actor=actor, summary=summary, region=sighting.region,
                        payload={"station": sighting.station_id, **(payload or {})})


# ---- Dispatch: the responsible station --------------------------------------------------------------------

@dataclass(frozen=True)
class Dispatch:
    station: Organization | None
    distance_m: int | None  # to the station, when both have coordinates


def responsible_station(region: Region, latitude=None, longitude=None) -> Dispatch:
    """The station a sighting in `region` (at the point, if known) goes to: among the rescue stations of the
    deepest region above the place (or the place itself) that has any, the nearest one with a location; if the
    point or every location is unknown, the first of them (lowest id). A county without a station leaves the
    city-level station; no station anywhere above gives Dispatch(None, None)."""
    stations = list(Organization.objects.filter(kind=OrganizationKind.RESCUE_STATION,
                                                region__code__in=region.ancestor_codes())
                    .select_related("region").order_by("pk"))
    if not stations:
        return Dispatch(None, None)
    deepest = max(len(s.region.path) for s in stations)
    stations = [s for s in stations if len(s.region.path) == deepest]
    if latitude is not None and longitude is not None:
        located = {loc.station_id: loc for loc in StationLocation.objects.filter(station__in=stations)}
        best = geo.nearest(latitude, longitude, [(s, located[s.pk].latitude, located[s.pk].longitude)
                                                 for s in stations if s.pk in located])
        if best is not None:
            return Dispatch(best[0], round(best[1]))
    return Dispatch(stations[0], None)


def _dispatch(sighting: Sighting, *, actor, now: dt.datetime) -> None:
    """Sends a new sighting to its responsible station (inside the caller's transaction)."""
    found = responsible_station(sighting.region, sighting.latitude, sighting.longitude)
    if found.station is None:
        return  # stays REPORTED: no rescue station above the place (shown to administrators)
    sighting.station, sighting.dispatched_at = found.station, now
    sighting.dispatch_distance_m = found.distance_m
    sighting.status = SightingStatus.DISPATCHED
    sighting.save(update_fields=["station", "dispatched_at", "dispatch_distance_m", "status"])
    distance = f"，距离约 {found.distance_m / 1000:.1f} 公里" if found.distance_m is not None else ""
    _event(RescueEvent.SIGHTING_DISPATCHED, sighting, actor, f"派遣至{found.station.name}{distance}",
           {"distance_m": found.distance_m, "automatic": True})


# ---- Reporting ----------------------------------------------------------------------------------------------

def _create(*, actor, reporter_kind: str, region: Region, place: str, description: str, seen_at: dt.datetime,
            point: Point | None, photo: bytes | None = None, reporter_name: str = "", reporter_phone: str = "",
            source_ref: str = "", client_hash: str = "", patrol: Patrol | None = None,
            reported_at: dt.datetime | None = None, extra: dict | None = None) -> Sighting:
    """Validates, stores the photo, creates the sighting with its audit row and events, dispatches it."""
    now = timezone.now()
    if region is None:
        raise invalid("请选择发现地区", "region")
    place = clean_text(place, "发现地点", "place", 200, required=True)
    description = clean_text(description, "情况描述", "description", 2000, required=True)
    reporter_name = clean_text(reporter_name, "报告人", "reporter_name", 50)
    reporter_phone = clean_text(reporter_phone, "联系电话", "reporter_phone", 20)
    seen_at = _clean_time(seen_at, "发现时间", "seen_at", now=now)
    lat, lon, system = clean_point(point)
    photo_key, photo_type = "", ""
    if photo:
        facts = files.file_facts(photo)
        if facts.content_type not in ("image/jpeg", "image/png"):
            raise files.FileRejected("照片须为 JPEG 或 PNG 格式", field="photo")
        photo_key, photo_type = files.stored_file_save(data=photo), facts.content_type
    try:
        with transaction.atomic():
            sighting = Sighting.objects.create(
                reporter_kind=reporter_kind, reporter_name=reporter_name, reporter_phone=reporter_phone,
                region=region, region_path=region.path, place=place, latitude=lat, longitude=lon,
                coordinate_system=system, seen_at=seen_at, description=description, photo_key=photo_key,
                photo_content_type=photo_type, reported_at=reported_at or now,
                reported_by=actor if actor is not None and actor.pk else None, source_ref=source_ref,
                client_hash=client_hash, patrol=patrol, **(extra or {}))
            audit_change(AuditAction.CREATE, actor, sighting, changes={
                "reporter_kind": reporter_kind, "region": region.code, "photo": bool(photo_key),
                "point": bool(lat is not None), **({"source_ref": source_ref} if source_ref else {})})
            _event(RescueEvent.SIGHTING_REPORTED, sighting, actor,
                   f"{ReporterKind(reporter_kind).label}报告：{place}",
                   {"reporter_kind": reporter_kind, "place": place,
                    **({"source_ref": source_ref} if source_ref else {})})
            if sighting.station_id is None:
                _dispatch(sighting, actor=actor, now=now)
            return sighting
    except BaseException:
        if photo_key:
            files.stored_file_delete(photo_key)
        raise


def public_client_hash(address: str | None) -> str:
    return PUBLIC_LIMIT.key(address)


def sighting_report_public(*, region: Region | None, place: str, description: str, seen_at: dt.datetime | None,
                           point: Point | None = None, photo: bytes | None = None, reporter_phone: str = "",
                           client_address: str | None = None) -> Sighting:
    """A citizen's report from the public page (no sign-in). At most PUBLIC_MAX_PER_HOUR reports an hour from one
    client address (its keyed hash is kept on the sighting, never the address)."""
    client = public_client_hash(client_address)
    now = timezone.now()
    PUBLIC_LIMIT.check(Sighting.objects, key=client, time_field="reported_at", now=now)
    return _create(actor=None, reporter_kind=ReporterKind.CITIZEN, region=region, place=place,
                   description=description, seen_at=seen_at or now, point=point, photo=photo,
                   reporter_phone=reporter_phone, client_hash=client)


def sighting_report(*, actor, reporter_kind: str, region: Region | None, place: str, description: str,
                    seen_at: dt.datetime | None, point: Point | None = None, photo: bytes | None = None,
                    reporter_name: str = "", reporter_phone: str = "") -> Sighting:
    """Staff record a report that police, city management, a sanitation worker, a driver or a passer-by made to
    the station (by phone or in person). The place must lie in the actor's jurisdiction."""
    _require_staff(actor)
    _station_of(actor)
    if reporter_kind not in STAFF_KINDS:
        raise invalid("请选择报告来源", "reporter_kind")
    if region is not None and not region_in_scope(actor, region):
        raise invalid("发现地区不在您的管辖范围内", "region")
    return _create(actor=actor, reporter_kind=reporter_kind, region=region, place=place, description=description,
                   seen_at=seen_at, point=point, photo=photo, reporter_name=reporter_name,
                   reporter_phone=reporter_phone)


def sighting_from_hotline_event(event) -> Sighting | None:
    """Handler of IntakeEvent.STREET_SIGHTING_REPORTED (rescue/events.py HANDLERS): the call's sighting, once per
    call whatever the number of deliveries (source_ref "call:<id>", unique). Payload {call, place, description,
    region, caller_name, caller_phone}; the operator who took the call is who recorded it (reported_by), the caller
    its reporter (name and phone, as a public reporter's phone is kept; both absent in events before they were
    sent)."""
    payload = event.payload or {}
    ref = f"call:{payload.get('call')}"
    existing = Sighting.objects.filter(source_ref=ref).first()
    if existing is not None:
        return existing
    region = Region.objects.filter(code=str(payload.get("region") or "")).first()
    if region is None and event.region_id:
        region = Region.objects.filter(pk=event.region_id).first()
    if region is None:
        raise DomainError(f"热线线索的地区无法识别：{payload.get('region')}", code="invalid_event")
    actor = User.objects.filter(pk=event.actor_id).select_related("organization").first() if event.actor_id \
        else None
    description = (payload.get("description") or "").strip() or "（热线来电未描述）"
    try:
        with transaction.atomic():
            return _create(actor=actor, reporter_kind=ReporterKind.HOTLINE, region=region,
                           place=(payload.get("place") or "").strip()[:200] or "（热线来电未说明地点）",
                           description=description[:2000], seen_at=event.occurred_at, point=None,
                           source_ref=ref, reported_at=event.occurred_at,
                           reporter_name=str(payload.get("caller_name") or "")[:50],
                           reporter_phone=str(payload.get("caller_phone") or "")[:20])
    except IntegrityError:  # a parallel delivery made it first
        return Sighting.objects.get(source_ref=ref)


# ---- Dispatch by hand, contact, outcome ---------------------------------------------------------------------

def _locked(sighting: Sighting) -> Sighting:
    return Sighting.objects.select_for_update(of=("self",)).select_related("region", "station").get(pk=sighting.pk)


def sighting_dispatch(*, actor, sighting: Sighting, station: Organization | None) -> Sighting:
    """Sends a sighting not yet contacted to another station: the actor's own or one directly below it (a city
    station passing a report to a county station, or taking it over)."""
    _require_staff(actor)
    own = _station_of(actor)
    _require_sighting_in_scope(actor, sighting)
    if station is None or station.kind != OrganizationKind.RESCUE_STATION or \
            (station.pk != own.pk and station.parent_id != own.pk):
        raise invalid("只能派遣给本站或下级救助管理站", "station")
    with transaction.atomic():
        current = _locked(sighting)
        if current.status not in (SightingStatus.REPORTED, SightingStatus.DISPATCHED):
            raise DomainError("已接触或已处置的发现报告不能再派遣", code="invalid_status")
        if current.station_id == station.pk:
            raise invalid(f"该报告已派遣至{station.name}", "station")
        before = current.station_id
        current.station, current.dispatched_at = station, timezone.now()
        current.dispatch_distance_m, current.team = None, None  # a team is the old station's
        current.status = SightingStatus.DISPATCHED
        current.save(update_fields=["station", "dispatched_at", "dispatch_distance_m", "team", "status"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"station": [before, station.pk]})
        _event(RescueEvent.SIGHTING_DISPATCHED, current, actor, f"改派至{station.name}",
               {"from_station": before, "automatic": False})
    return current


def sighting_assign_team(*, actor, sighting: Sighting, team: PatrolTeam | None) -> Sighting:
    """Hands a sighting not yet contacted to one of its station's active patrol teams (the team goes to the
    place; the station stays responsible). Assigning again moves it to another team."""
    _require_staff(actor)
    _require_sighting_in_scope(actor, sighting)
    with transaction.atomic():
        current = _locked(sighting)
        if current.status != SightingStatus.DISPATCHED:
            raise DomainError("只有已派遣、尚未接触的发现报告可以派给巡查队", code="invalid_status")
        if team is None or team.station_id != current.station_id or not team.is_active:
            raise invalid("请选择派遣站的在用巡查队", "team")
        if current.team_id == team.pk:
            raise invalid(f"该报告已派给{team.name}", "team")
        before = current.team_id
        current.team = team
        current.save(update_fields=["team"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"team": [before, team.pk]})
        _event(RescueEvent.SIGHTING_DISPATCHED, current, actor, f"派给巡查队：{team.name}",
               {"team": team.pk, "automatic": False})
    return current


def sighting_contact(*, actor, sighting: Sighting, contacted_at: dt.datetime | None = None,
                     note: str = "") -> Sighting:
    """First contact with the person (到达现场并见到本人): DISPATCHED → CONTACTED; the response time runs from the
    report to this moment."""
    _require_staff(actor)
    _require_sighting_in_scope(actor, sighting)
    now = timezone.now()
    contacted_at = _clean_time(contacted_at or now, "接触时间", "contacted_at", now=now)
    note = clean_text(note, "接触情况", "contact_note", 500)
    with transaction.atomic():
        current = _locked(sighting)
        if current.status != SightingStatus.DISPATCHED:
            raise DomainError("只有已派遣、尚未接触的发现报告可以登记接触", code="invalid_status")
        if contacted_at < current.reported_at:
            raise invalid("接触时间不能早于报告时间", "contacted_at")
        current.status, current.contacted_at, current.contacted_by = SightingStatus.CONTACTED, contacted_at, actor
        current.contact_note = note
        current.save(update_fields=["status", "contacted_at", "contacted_by", "contact_note"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": SightingStatus.CONTACTED,
                                                                   "response_minutes": current.response_minutes})
        _event(RescueEvent.SIGHTING_CONTACTED, current, actor,
               f"已接触，响应时间 {current.response_minutes} 分钟",
               {"response_minutes": current.response_minutes})
    return current


def sighting_close(*, actor, sighting: Sighting, outcome: str, note: str = "", hospital_name: str = "",
                   left_food: bool = False, left_clothing: bool = False, left_information: bool = False,
                   case_id: int | None = None) -> Sighting:
    """The outcome. After contact: brought in (引导入站; the rescue case's number when it is known), hospital
    (the hospital named), refused help (what was left with the person: food, clothing, information — at least one,
    or a note why nothing was), not found. Not found is also allowed without contact (nobody was there)."""
    _require_staff(actor)
    _require_sighting_in_scope(actor, sighting)
    if outcome not in SightingOutcome.values:
        raise invalid("请选择处置结果", "outcome")
    note = clean_text(note, "处置说明", "outcome_note", 500)
    hospital_name = clean_text(hospital_name, "送往医院", "hospital_name", 100,
                               required=outcome == SightingOutcome.HOSPITAL)
    left = {"left_food": bool(left_food), "left_clothing": bool(left_clothing),
            "left_information": bool(left_information)}
    if outcome == SightingOutcome.REFUSED and not any(left.values()) and not note:
        raise invalid("拒绝救助时请勾选留下的物品或信息，或在处置说明中写明原因", "left")
    if outcome != SightingOutcome.REFUSED:
        left = dict.fromkeys(left, False)
    if case_id is not None and (outcome != SightingOutcome.BROUGHT_IN or int(case_id) <= 0):
        raise invalid("只有引导入站的报告可以关联救助记录", "case_id")
    if case_id is not None and not _in_scope(actor, RescueCase, int(case_id), CASE_SCOPE):
        raise invalid("救助记录编号不存在或不在您的管辖范围内", "case_id")
    allowed = (SightingStatus.CONTACTED, SightingStatus.DISPATCHED) if outcome == SightingOutcome.NOT_FOUND \
        else (SightingStatus.CONTACTED,)
    with transaction.atomic():
        current = _locked(sighting)
        if current.status not in allowed:
            raise DomainError("请先登记接触情况，再登记处置结果" if current.status == SightingStatus.DISPATCHED
                              else "该发现报告已处置或尚未派遣", code="invalid_status")
        now = timezone.now()
        current.status, current.outcome, current.outcome_at, current.outcome_by = (
            SightingStatus.CLOSED, outcome, now, actor)
        current.outcome_note = note
        current.hospital_name = hospital_name if outcome == SightingOutcome.HOSPITAL else ""
        current.case_id = int(case_id) if case_id is not None else None
        if current.case_id is not None:  # the record admitted before the outcome was written points back
            RescueCase.objects.filter(pk=current.case_id, sighting__isnull=True).update(sighting=current)
        for name, value in left.items():
            setattr(current, name, value)
        current.save(update_fields=["status", "outcome", "outcome_at", "outcome_by", "outcome_note",
                                    "hospital_name", "case_id", *left])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": SightingStatus.CLOSED, "outcome": outcome,
                                                                   **left})
        summary = SightingOutcome(outcome).label
        if outcome == SightingOutcome.HOSPITAL:
            summary += f"：{current.hospital_name}"
        elif outcome == SightingOutcome.REFUSED:
            given = [label for key, label in (("left_food", "食物"), ("left_clothing", "衣被"),
                                              ("left_information", "救助信息")) if left[key]]
            summary += "，留下" + "、".join(given) if given else "，未留物品"
        _event(RescueEvent.SIGHTING_CLOSED, current, actor, summary,
               {"outcome": outcome, **left, **({"case_id": current.case_id} if current.case_id else {})})
    return current


# ---- Stations' locations ------------------------------------------------------------------------------------

def station_location_set(*, actor, station: Organization, point: Point, address: str = "") -> StationLocation:
    """Where a station is (for dispatch to the nearest one). Managers, for their station or one directly below."""
    require(actor, Capability.APPROVE_RESCUE)
    own = _station_of(actor)
    if station.kind != OrganizationKind.RESCUE_STATION or (station.pk != own.pk and station.parent_id != own.pk):
        raise DomainError("只能设定本站或下级救助管理站的位置", code="out_of_scope")
    lat, lon, _system = clean_point(point)
    if lat is None:
        raise invalid("请填写救助管理站的经纬度", "latitude")
    address = clean_text(address, "地址", "address", 200)
    with transaction.atomic():
        location, _ = StationLocation.objects.update_or_create(
            station=station, defaults={"latitude": lat, "longitude": lon, "address": address, "set_by": actor})
        audit_change(AuditAction.UPDATE, actor, location, changes={"latitude": str(lat), "longitude": str(lon)})
        record_event(kind=RescueEvent.STATION_LOCATION_SET, subject=location, actor=actor, region=station.region,
                     summary=f"{station.name}位置：{lat}, {lon}", payload={"station": station.pk})
    return location


# ---- Patrols ------------------------------------------------------------------------------------------------

def _require_patrol_in_scope(actor, patrol: Patrol) -> None:
    if not _in_scope(actor, Patrol, patrol.pk, PATROL_SCOPE):
        raise DomainError("该巡查不在您的管辖范围内", code="out_of_scope")


def patrol_team_create(*, actor, name: str, area: str, members: list[User]) -> PatrolTeam:
    """A team of the actor's station; its members are users of that station."""
    _require_staff(actor)
    station = _station_of(actor)
    name = clean_text(name, "巡查队名称", "name", 60, required=True)
    area = clean_text(area, "巡查区域", "area", 300, required=True)
    if any(m.organization_id != station.pk for m in members):
        raise invalid("队员须是本站的工作人员", "members")
    with transaction.atomic():
        if PatrolTeam.objects.filter(station=station, name=name).exists():
            raise invalid(f"本站已有名为“{name}”的巡查队", "name")
        team = PatrolTeam.objects.create(station=station, name=name, area=area)
        team.members.set(members)
        audit_change(AuditAction.CREATE, actor, team, changes={"members": [m.pk for m in members]})
        record_event(kind=RescueEvent.PATROL_TEAM_CREATED, subject=team, actor=actor, region=station.region,
                     summary=f"成立巡查队：{name}", payload={"station": station.pk})
    return team


def alert_on(region: Region, day: dt.date) -> WeatherAlert | None:
    """The extreme-weather alert in force for the region (set on it or a region above) on the day."""
    return (WeatherAlert.objects.filter(region__code__in=region.ancestor_codes(), starts_on__lte=day,
                                        ends_on__gte=day).order_by("-starts_on", "-pk").first())


def patrol_plan(*, actor, team: PatrolTeam, region: Region | None, shift_start: dt.datetime | None,
                shift_end: dt.datetime | None, area: str = "") -> Patrol:
    """A shift of a team of the actor's station (or one below it), in a region of the actor's jurisdiction. The
    campaign and the weather alert in force on the shift's day are recorded on it."""
    _require_staff(actor)
    own = _station_of(actor)
    if team.station_id != own.pk and team.station.parent_id != own.pk:
        raise DomainError("该巡查队不属于本站", code="out_of_scope")
    if not team.is_active:
        raise invalid("该巡查队已停用", "team")
    if region is None:
        raise invalid("请选择巡查地区", "region")
    if not region_in_scope(actor, region):
        raise invalid("巡查地区不在您的管辖范围内", "region")
    if shift_start is None or shift_end is None:
        raise invalid("请填写巡查的开始和结束时间", "shift_start" if shift_start is None else "shift_end")
    if shift_end <= shift_start:
        raise invalid("结束时间应晚于开始时间", "shift_end")
    if shift_end - shift_start > dt.timedelta(hours=24):
        raise invalid("一次巡查不能超过 24 小时", "shift_end")
    area = clean_text(area, "巡查区域", "area", 300) or team.area
    day = timezone.localtime(shift_start).date()
    with transaction.atomic():
        patrol = Patrol.objects.create(team=team, station=team.station, region=region, shift_start=shift_start,
                                       shift_end=shift_end, area=area, campaign=campaign_on(region, day),
                                       weather_alert=alert_on(region, day) is not None, planned_by=actor)
        audit_change(AuditAction.CREATE, actor, patrol, changes={"team": team.pk, "region": region.code})
        record_event(kind=RescueEvent.PATROL_PLANNED, subject=patrol, actor=actor, region=region,
                     summary=f"{team.name}巡查排班：{timezone.localtime(shift_start):%Y-%m-%d %H:%M}",
                     payload={"station": team.station_id, "campaign": patrol.campaign,
                              "weather_alert": patrol.weather_alert})
    return patrol


def patrol_finding_add(*, actor, patrol: Patrol, place: str, description: str, seen_at: dt.datetime | None = None,
                       point: Point | None = None, photo: bytes | None = None) -> Sighting:
    """A person the patrol found: a sighting of reporter PATROL, dispatched to the patrol's station and contacted
    at the moment it was seen (response time 0), then closed with an outcome like any other."""
    _require_staff(actor)
    _require_patrol_in_scope(actor, patrol)
    if patrol.status == PatrolStatus.CANCELLED:
        raise DomainError("已取消的巡查不能登记发现", code="invalid_status")
    now = timezone.now()
    seen_at = _clean_time(seen_at or now, "发现时间", "seen_at", now=now)
    with transaction.atomic():
        Patrol.objects.select_for_update().filter(pk=patrol.pk).first()
        sighting = _create(actor=actor, reporter_kind=ReporterKind.PATROL, region=patrol.region, place=place,
                           description=description, seen_at=seen_at, point=point, photo=photo, patrol=patrol,
                           reported_at=seen_at, reporter_name=str(actor)[:50],
                           extra={"station": patrol.station, "dispatched_at": seen_at,
                                  "status": SightingStatus.CONTACTED, "contacted_at": seen_at,
                                  "contacted_by": actor, "contact_note": "巡查中发现并接触"})
    return sighting


def patrol_record(*, actor, patrol: Patrol, findings: str) -> Patrol:
    """The patrol done: what it found in words (the persons found are its sightings). PLANNED → RECORDED."""
    _require_staff(actor)
    _require_patrol_in_scope(actor, patrol)
    findings = clean_text(findings, "巡查情况", "findings", 2000, required=True)
    with transaction.atomic():
        current = Patrol.objects.select_for_update().select_related("team").get(pk=patrol.pk)
        if current.status != PatrolStatus.PLANNED:
            raise DomainError("该巡查已登记或已取消", code="invalid_status")
        if current.shift_start > timezone.now() + CLOCK_SKEW:
            raise DomainError("巡查尚未开始，不能登记巡查情况", code="invalid_status")
        found = current.sightings.count()
        current.status, current.findings = PatrolStatus.RECORDED, findings
        current.recorded_by, current.recorded_at = actor, timezone.now()
        current.save(update_fields=["status", "findings", "recorded_by", "recorded_at"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": PatrolStatus.RECORDED, "found": found})
        record_event(kind=RescueEvent.PATROL_RECORDED, subject=current, actor=actor, region=current.region,
                     summary=f"{current.team.name}巡查完成，发现 {found} 人",
                     payload={"station": current.station_id, "found": found})
    return current


def patrol_cancel(*, actor, patrol: Patrol, reason: str) -> Patrol:
    _require_staff(actor)
    _require_patrol_in_scope(actor, patrol)
    reason = clean_text(reason, "取消原因", "reason", 300, required=True)
    with transaction.atomic():
        current = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if current.status != PatrolStatus.PLANNED:
            raise DomainError("只有已排班的巡查可以取消", code="invalid_status")
        if current.sightings.exists():
            raise DomainError("已登记发现人员的巡查不能取消", code="invalid_status")
        current.status, current.findings = PatrolStatus.CANCELLED, f"取消：{reason}"
        current.save(update_fields=["status", "findings"])
        audit_change(AuditAction.UPDATE, actor, current, changes={"status": PatrolStatus.CANCELLED})
        record_event(kind=RescueEvent.PATROL_CANCELLED, subject=current, actor=actor, region=current.region,
                     summary=f"巡查取消：{reason}", payload={"station": current.station_id})
    return current


def weather_alert_record(*, actor, region: Region | None, kind: str, starts_on: dt.date | None,
                         ends_on: dt.date | None, note: str = "") -> WeatherAlert:
    """An extreme-weather alert for a region of the actor's jurisdiction (managers): patrols planned in it during
    the alert are flagged and the alert frequency applies (street_settings.patrols_per_day)."""
    require(actor, Capability.APPROVE_RESCUE)
    _station_of(actor)
    if region is None:
        raise invalid("请选择预警地区", "region")
    if not region_in_scope(actor, region):
        raise invalid("预警地区不在您的管辖范围内", "region")
    if kind not in WeatherAlert.Kind.values:
        raise invalid("请选择预警类型", "kind")
    if starts_on is None or ends_on is None:
        raise invalid("请填写预警的开始和结束日期", "starts_on" if starts_on is None else "ends_on")
    if ends_on < starts_on:
        raise invalid("结束日期不能早于开始日期", "ends_on")
    if (ends_on - starts_on).days > 60:
        raise invalid("一次预警不超过 60 天", "ends_on")
    note = clean_text(note, "预警内容", "note", 200)
    with transaction.atomic():
        alert = WeatherAlert.objects.create(region=region, kind=kind, starts_on=starts_on, ends_on=ends_on,
                                            note=note, recorded_by=actor)
        # Shifts already planned in the alert's days and region follow it too.
        flagged = (Patrol.objects.filter(status=PatrolStatus.PLANNED, region__path__startswith=region.path,
                                         shift_start__date__gte=starts_on, shift_start__date__lte=ends_on)
                   .filter(weather_alert=False).update(weather_alert=True))
        audit_change(AuditAction.CREATE, actor, alert, changes={"region": region.code, "kind": kind,
                                                                "flagged_patrols": flagged})
        record_event(kind=RescueEvent.WEATHER_ALERT_RECORDED, subject=alert, actor=actor, region=region,
                     summary=f"{region.name}{alert.get_kind_display()}预警：{starts_on:%m-%d}至{ends_on:%m-%d}",
                     payload={"kind": kind, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    return alert

