"""street_services: report, dispatch to the responsible (nearest) station, contact and response time, each outcome
and refusal, the hotline handler's idempotence, the public page's rate limit and photo, patrols and alerts. Each
guard (capability, scope, status, audit, event) has a test that fails without it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.core import files
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import deliver, handler_table
from jiuzhu.core.models import AuditLog, Event, Organization, OrganizationKind, Region
from jiuzhu.rescue import geo
from jiuzhu.rescue import street_services as services
from jiuzhu.rescue.events import HANDLERS, RescueEvent
from jiuzhu.rescue.models import (
    Campaign,
    CoordinateSystem,
    Patrol,
    PatrolStatus,
    ReporterKind,
    Sighting,
    SightingOutcome,
    SightingStatus,
    WeatherAlert,
)
from jiuzhu.rescue.tests.conftest import DONGKOU, TANTOU, TAOHONG

VILLAGE_A = "430524100200"


def events(sighting, kind):
    return Event.objects.filter(kind=kind, subject_type="rescue.sighting", subject_id=str(sighting.pk))


def audits(obj):
    return AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def jpeg() -> bytes:
    """Bytes a JPEG starts with (core.files checks the format by its first bytes)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)


# ---- report and dispatch ------------------------------------------------------------------------------------

def test_staff_report_is_dispatched_to_the_county_station(report, stations):
    sighting = report()
    assert sighting.status == SightingStatus.DISPATCHED and sighting.station == stations["longhui"]
    assert sighting.region_path == Region.objects.get(code=VILLAGE_A).path
    assert sighting.reporter_kind == ReporterKind.POLICE and sighting.reported_by.username == "longhui_station"
    assert events(sighting, RescueEvent.SIGHTING_REPORTED).count() == 1
    dispatched = events(sighting, RescueEvent.SIGHTING_DISPATCHED).get()
    assert dispatched.payload["automatic"] is True and dispatched.payload["station"] == stations["longhui"].pk
    assert audits(sighting).filter(action="create").count() == 1


def test_dispatch_goes_to_the_nearest_station_of_the_jurisdiction(report, stations, second_station):
    near_tantou = services.Point(TANTOU[0] - 0.01, TANTOU[1] + 0.01)
    sighting = report(point=near_tantou)
    assert sighting.station == second_station
    assert 1000 < sighting.dispatch_distance_m < 2000
    near_taohong = report(point=services.Point(TAOHONG[0] + 0.005, TAOHONG[1]))
    assert near_taohong.station == stations["longhui"]
    # the city station is nearer to 滩头 than 桃洪 is, but a county's sighting stays with the county's stations
    assert geo.haversine_m(*TANTOU, 27.2389, 111.4677) < geo.haversine_m(*TANTOU, *TAOHONG)


def test_without_a_point_the_first_station_of_the_jurisdiction(report, stations, second_station):
    assert report().station == stations["longhui"]


def test_a_place_without_a_county_station_goes_to_the_city_station(stations):
    found = services.responsible_station(Region.objects.get(code="430522"), *DONGKOU)  # 新邵县: no station
    assert found.station == stations["city"]
    assert services.responsible_station(Region.objects.get(code="430525100200")).station == stations["dongkou"]


def test_a_place_without_any_station_above_stays_reported(world):
    sighting = services.sighting_report_public(
        region=Region.objects.get(code="430102"), place="五一广场", description="一名男子躺在地上",
        seen_at=timezone.now(), client_address="10.0.0.1")
    assert sighting.status == SightingStatus.REPORTED and sighting.station is None
    assert not events(sighting, RescueEvent.SIGHTING_DISPATCHED).exists()


def test_gcj02_point_is_stored_in_wgs84(report, stations):
    g_lat, g_lon = geo.wgs84_to_gcj02(*TAOHONG)
    sighting = report(point=services.Point(f"{g_lat:.6f}", f"{g_lon:.6f}", CoordinateSystem.GCJ02))
    assert sighting.coordinate_system == CoordinateSystem.GCJ02
    assert geo.haversine_m(sighting.latitude, sighting.longitude, *TAOHONG) < 0.5


@pytest.mark.parametrize(("lat", "lon", "field"), [("27.1", "", "longitude"), ("91", "111", "latitude"),
                                                    ("27", "181", "longitude"), ("北纬", "111", "latitude")])
def test_a_bad_point_is_refused_beside_its_field(report, lat, lon, field):
    with pytest.raises(DomainError) as exc:
        report(point=services.Point(lat, lon))
    assert exc.value.field == field
    assert not Sighting.objects.exists()


def test_report_guards(report, persona):
    with pytest.raises(PermissionDenied):
        report(username="longhui_officer")  # no RESCUE_CASES
    with pytest.raises(DomainError) as exc:
        report(region="430525100200")  # 洞口县: outside the 隆回 worker's jurisdiction
    assert exc.value.field == "region"
    with pytest.raises(DomainError) as exc:
        report(kind=ReporterKind.PATROL)  # patrol findings go through the patrol
    assert exc.value.field == "reporter_kind"
    with pytest.raises(DomainError) as exc:
        report(seen_at=timezone.now() + dt.timedelta(hours=2))
    assert exc.value.field == "seen_at"
    with pytest.raises(DomainError) as exc:
        report(place="  ")
    assert exc.value.field == "place"
    assert not Sighting.objects.exists()


# ---- contact, response time, outcomes ----------------------------------------------------------------------

def test_contact_measures_the_response_time(report, persona):
    sighting = report()
    Sighting.objects.filter(pk=sighting.pk).update(reported_at=timezone.now() - dt.timedelta(minutes=47))
    sighting.refresh_from_db()
    contacted = services.sighting_contact(actor=persona("longhui_station"), sighting=sighting, note="老人愿意随行")
    assert contacted.status == SightingStatus.CONTACTED and contacted.response_minutes == 47
    event = events(sighting, RescueEvent.SIGHTING_CONTACTED).get()
    assert event.payload["response_minutes"] == 47 and "47 分钟" in event.summary
    assert audits(sighting).filter(action="update").count() == 1


def test_contact_guards(report, persona):
    sighting = report()
    with pytest.raises(PermissionDenied):
        services.sighting_contact(actor=persona("longhui_officer"), sighting=sighting)
    with pytest.raises(DomainError) as exc:
        services.sighting_contact(actor=persona("dongkou_station"), sighting=sighting)
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError) as exc:
        services.sighting_contact(actor=persona("longhui_station"), sighting=sighting,
                                  contacted_at=sighting.reported_at - dt.timedelta(minutes=1))
    assert exc.value.field == "contacted_at"
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.DISPATCHED and sighting.contacted_at is None
    services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    with pytest.raises(DomainError) as exc:
        services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    assert exc.value.code == "invalid_status"
    assert events(sighting, RescueEvent.SIGHTING_CONTACTED).count() == 1


def test_the_city_station_acts_on_its_stations_sightings(report, persona):
    sighting = report()
    services.sighting_contact(actor=persona("shaoyang_regional"), sighting=sighting)
    sighting.refresh_from_db()
    assert sighting.contacted_by.username == "shaoyang_regional"


@pytest.fixture
def contacted(report, persona):
    def make():
        sighting = report()
        return services.sighting_contact(actor=persona("longhui_station"), sighting=sighting)
    return make


def close(persona, sighting, **kw):
    return services.sighting_close(actor=persona("longhui_station"), sighting=sighting, **kw)


def test_outcome_brought_in_with_the_case_number(contacted, persona, admit):
    case = admit()
    sighting = close(persona, contacted(), outcome=SightingOutcome.BROUGHT_IN, case_id=case.pk)
    assert sighting.status == SightingStatus.CLOSED and sighting.case_id == case.pk
    event = events(sighting, RescueEvent.SIGHTING_CLOSED).get()
    assert event.payload["outcome"] == "brought_in" and event.payload["case_id"] == case.pk
    case.refresh_from_db()
    assert case.sighting_id == sighting.pk  # the record points back to where the client was found


def test_the_case_number_must_be_a_record_in_scope(contacted, persona, admit):
    elsewhere = admit(username="dongkou_station")
    sighting = contacted()
    for number in (elsewhere.pk, elsewhere.pk + 1000):
        with pytest.raises(DomainError) as exc:
            close(persona, sighting, outcome=SightingOutcome.BROUGHT_IN, case_id=number)
        assert exc.value.field == "case_id"
    sighting.refresh_from_db()
    assert sighting.status == SightingStatus.CONTACTED


def test_admission_from_a_sighting_links_both_ways(contacted, persona, admit):
    sighting = close(persona, contacted(), outcome=SightingOutcome.BROUGHT_IN)
    case = admit(sighting_id=sighting.pk)
    sighting.refresh_from_db()
    assert (case.sighting_id, sighting.case_id) == (sighting.pk, case.pk)
    with pytest.raises(DomainError) as exc:  # another county's station cannot claim this sighting
        admit(username="dongkou_station", sighting_id=sighting.pk)
    assert exc.value.field == "sighting_id"


def test_outcome_hospital_needs_the_hospital(contacted, persona):
    sighting = contacted()
    with pytest.raises(DomainError) as exc:
        close(persona, sighting, outcome=SightingOutcome.HOSPITAL)
    assert exc.value.field == "hospital_name"
    closed = close(persona, sighting, outcome=SightingOutcome.HOSPITAL, hospital_name="隆回县人民医院")
    assert closed.hospital_name == "隆回县人民医院"
    assert events(sighting, RescueEvent.SIGHTING_CLOSED).get().summary == "送医救治：隆回县人民医院"


def test_refused_help_records_what_was_left(contacted, persona):
    sighting = contacted()
    with pytest.raises(DomainError) as exc:
        close(persona, sighting, outcome=SightingOutcome.REFUSED)
    assert exc.value.field == "left"
    closed = close(persona, sighting, outcome=SightingOutcome.REFUSED, left_food=True, left_information=True)
    assert (closed.left_food, closed.left_clothing, closed.left_information) == (True, False, True)
    event = events(sighting, RescueEvent.SIGHTING_CLOSED).get()
    assert event.summary == "拒绝救助，留下食物、救助信息"
    assert event.payload["left_food"] is True and event.payload["left_clothing"] is False


def test_refused_help_with_nothing_left_needs_a_reason(contacted, persona):
    closed = close(persona, contacted(), outcome=SightingOutcome.REFUSED, note="本人拒绝接受任何物品")
    assert closed.outcome == SightingOutcome.REFUSED and not closed.left_food


def test_not_found_without_contact(report, persona):
    sighting = close(persona, report(), outcome=SightingOutcome.NOT_FOUND, note="到场未见")
    assert sighting.status == SightingStatus.CLOSED and sighting.contacted_at is None
    assert sighting.response_minutes is None


def test_outcome_guards(report, contacted, persona):
    dispatched = report()
    with pytest.raises(DomainError) as exc:  # brought in before any contact
        close(persona, dispatched, outcome=SightingOutcome.BROUGHT_IN)
    assert exc.value.code == "invalid_status"
    sighting = contacted()
    with pytest.raises(DomainError) as exc:
        close(persona, sighting, outcome="vanished")
    assert exc.value.field == "outcome"
    with pytest.raises(DomainError) as exc:
        close(persona, sighting, outcome=SightingOutcome.HOSPITAL, hospital_name="医院", case_id=3)
    assert exc.value.field == "case_id"
    with pytest.raises(PermissionDenied):
        services.sighting_close(actor=persona("longhui_officer"), sighting=sighting, outcome="not_found")
    with pytest.raises(DomainError) as exc:
        services.sighting_close(actor=persona("dongkou_station"), sighting=sighting, outcome="not_found")
    assert exc.value.code == "out_of_scope"
    close(persona, sighting, outcome=SightingOutcome.NOT_FOUND)
    with pytest.raises(DomainError) as exc:
        close(persona, sighting, outcome=SightingOutcome.BROUGHT_IN)
    assert exc.value.code == "invalid_status"
    assert events(sighting, RescueEvent.SIGHTING_CLOSED).count() == 1


def test_redispatch_by_the_city_station(report, persona, stations):
    sighting = report()
    with pytest.raises(DomainError) as exc:  # a county station may not pass it sideways
        services.sighting_dispatch(actor=persona("longhui_station"), sighting=sighting, station=stations["dongkou"])
    assert exc.value.field == "station"
    moved = services.sighting_dispatch(actor=persona("shaoyang_regional"), sighting=sighting,
                                       station=stations["city"])
    assert moved.station == stations["city"]
    assert events(sighting, RescueEvent.SIGHTING_DISPATCHED).count() == 2
    assert audits(sighting).filter(action="update").count() == 1
    # now the city's: 隆回 no longer sees it
    with pytest.raises(DomainError) as exc:
        services.sighting_contact(actor=persona("longhui_station"), sighting=moved)
    assert exc.value.code == "out_of_scope"
    services.sighting_contact(actor=persona("shaoyang_regional"), sighting=moved)
    with pytest.raises(DomainError) as exc:
        services.sighting_dispatch(actor=persona("shaoyang_regional"), sighting=moved, station=stations["longhui"])
    assert exc.value.code == "invalid_status"


# ---- the hotline handler ---------------------------------------------------------------------------------------

@pytest.fixture
def hotline_call(persona, stations):
    from jiuzhu.intake.hotline_services import hotline_call_log
    from jiuzhu.intake.models import CallOutcome

    def make():
        with handler_table({}):  # delivered by hand below
            return hotline_call_log(
                actor=persona("longhui_window"), region=Region.objects.get(code=VILLAGE_A), caller_name="李先生",
                caller_phone="13800001111", summary="一位老人衣着单薄，在车站过夜", outcome=CallOutcome.SIGHTING,
                sighting_place="桃洪镇汽车站候车厅")
    return make


def test_the_handler_is_registered_for_the_hotline_kind():
    from jiuzhu.core.events import _handler_table
    from jiuzhu.intake.events import IntakeEvent

    path = "jiuzhu.rescue.street_services.sighting_from_hotline_event"
    assert HANDLERS[IntakeEvent.STREET_SIGHTING_REPORTED] == [path]
    assert path in _handler_table()[IntakeEvent.STREET_SIGHTING_REPORTED]  # core reads it (handlers.py)


def test_a_hotline_sighting_becomes_a_sighting_once(hotline_call, stations):
    from jiuzhu.intake.events import IntakeEvent

    call = hotline_call()
    event = Event.objects.get(kind=IntakeEvent.STREET_SIGHTING_REPORTED, subject_id=str(call.pk))
    assert deliver(event) == 1
    sighting = Sighting.objects.get()
    assert (sighting.reporter_kind, sighting.place, sighting.source_ref) == (ReporterKind.HOTLINE, "桃洪镇汽车站候车厅",
                                                                            f"call:{call.pk}")
    assert sighting.description == "一位老人衣着单薄，在车站过夜" and sighting.region.code == VILLAGE_A
    assert sighting.station == stations["longhui"] and sighting.reported_at == event.occurred_at
    assert deliver(event) == 0  # redelivery through core: nothing
    assert services.sighting_from_hotline_event(event) == sighting  # called again directly: the same one
    assert Sighting.objects.count() == 1
    assert Event.objects.filter(kind=RescueEvent.SIGHTING_REPORTED).count() == 1


def test_hotline_calls_are_delivered_after_commit(persona, stations, django_capture_on_commit_callbacks):
    from jiuzhu.intake.hotline_services import hotline_call_log
    from jiuzhu.intake.models import CallOutcome

    with django_capture_on_commit_callbacks(execute=True):
        hotline_call_log(actor=persona("longhui_window"), region=Region.objects.get(code=VILLAGE_A),
                         caller_name="", caller_phone="", summary="桥洞下有人", outcome=CallOutcome.SIGHTING,
                         sighting_place="资江桥桥洞")
    assert Sighting.objects.get().place == "资江桥桥洞"


# ---- the public page's service ------------------------------------------------------------------------------------

def public(**kw):
    data = {"region": Region.objects.get(code=VILLAGE_A), "place": "桃洪镇汽车站", "description": "有人在睡觉",
            "seen_at": timezone.now(), "client_address": "203.0.113.9"}
    return services.sighting_report_public(**{**data, **kw})


def test_public_report_keeps_no_address_and_is_rate_limited(stations):
    for _ in range(services.PUBLIC_MAX_PER_HOUR):
        sighting = public()
    assert sighting.client_hash and "203.0.113.9" not in sighting.client_hash
    assert sighting.reported_by is None and sighting.reporter_kind == ReporterKind.CITIZEN
    with pytest.raises(DomainError) as exc:
        public()
    assert exc.value.code == "rate_limited"
    public(client_address="203.0.113.10")  # another address is not limited
    Sighting.objects.update(reported_at=timezone.now() - dt.timedelta(hours=2))
    public()  # the hour has passed
    assert Sighting.objects.count() == services.PUBLIC_MAX_PER_HOUR + 2


def test_public_report_with_a_photo(stations, media):
    sighting = public(photo=jpeg(), point=services.Point(*TAOHONG))
    assert sighting.photo_content_type == "image/jpeg"
    assert files.stored_file_read(sighting.photo_key)[:3] == b"\xff\xd8\xff"
    assert sighting.station == stations["longhui"] and sighting.dispatch_distance_m == 0


def test_public_report_refuses_a_file_that_is_not_a_photo(stations, media):
    with pytest.raises(DomainError) as exc:
        public(photo=b"%PDF-1.4 not a photo")
    assert exc.value.field == "photo"
    with pytest.raises(DomainError) as exc:
        public(photo=b"just text")
    assert exc.value.field == "file"
    assert not Sighting.objects.exists()
    root = files.files_root()
    assert not root.exists() or not list(root.glob("*/*.bin"))


def test_public_report_failing_after_the_photo_removes_it(stations, media):
    with pytest.raises(DomainError):
        public(photo=jpeg(), region=None)
    root = files.files_root()
    assert not root.exists() or not list(root.glob("*/*.bin"))


# ---- patrols -------------------------------------------------------------------------------------------------

@pytest.fixture
def team(persona, stations):
    return services.patrol_team_create(actor=persona("longhui_station"), name="城区夜巡队",
                                       area="汽车站、火车站、资江桥桥洞",
                                       members=[persona("longhui_station"), persona("longhui_stationmgr")])


def plan(persona, team, *, start=None, hours=3, username="longhui_station", region="430524100000"):
    start = start or timezone.now() - dt.timedelta(hours=1)
    return services.patrol_plan(actor=persona(username), team=team, region=Region.objects.get(code=region),
                                shift_start=start, shift_end=start + dt.timedelta(hours=hours))


def test_team_members_are_of_the_station(persona, stations):
    with pytest.raises(DomainError) as exc:
        services.patrol_team_create(actor=persona("longhui_station"), name="夜巡队", area="城区",
                                    members=[persona("dongkou_station")])
    assert exc.value.field == "members"
    with pytest.raises(PermissionDenied):
        services.patrol_team_create(actor=persona("longhui_window"), name="夜巡队", area="城区", members=[])
    from jiuzhu.core.models import User, UserRole

    elsewhere = User.objects.create(username="ca_rescue", organization=persona("longhui_officer").organization,
                                    region=persona("longhui_officer").region)
    UserRole.objects.create(user=elsewhere, role="station_worker")
    with pytest.raises(DomainError) as exc:  # the capability, but not in a station
        services.patrol_team_create(actor=elsewhere, name="夜巡队", area="城区", members=[])
    assert exc.value.code == "forbidden"
    team = services.patrol_team_create(actor=persona("longhui_station"), name="夜巡队", area="城区", members=[])
    with pytest.raises(DomainError) as exc:
        services.patrol_team_create(actor=persona("longhui_station"), name="夜巡队", area="城区", members=[])
    assert exc.value.field == "name"
    assert Event.objects.filter(kind=RescueEvent.PATROL_TEAM_CREATED, subject_id=str(team.pk)).count() == 1


def test_plan_record_and_findings(persona, team, stations):
    patrol = plan(persona, team)
    assert patrol.status == PatrolStatus.PLANNED and patrol.station == stations["longhui"]
    finding = services.patrol_finding_add(actor=persona("longhui_stationmgr"), patrol=patrol, place="资江桥桥洞",
                                          description="男性，约五十岁，腿部有伤",
                                          point=services.Point(*TAOHONG))
    assert finding.reporter_kind == ReporterKind.PATROL and finding.patrol == patrol
    assert finding.status == SightingStatus.CONTACTED and finding.response_minutes == 0
    assert finding.station == stations["longhui"]
    assert not events(finding, RescueEvent.SIGHTING_DISPATCHED).exists()
    services.sighting_close(actor=persona("longhui_stationmgr"), sighting=finding, outcome=SightingOutcome.HOSPITAL,
                            hospital_name="隆回县人民医院")
    recorded = services.patrol_record(actor=persona("longhui_station"), patrol=patrol,
                                      findings="巡查汽车站、桥洞，发现 1 人，已送医")
    assert recorded.status == PatrolStatus.RECORDED
    event = Event.objects.get(kind=RescueEvent.PATROL_RECORDED)
    assert event.payload["found"] == 1 and "发现 1 人" in event.summary
    with pytest.raises(DomainError) as exc:
        services.patrol_record(actor=persona("longhui_station"), patrol=patrol, findings="again")
    assert exc.value.code == "invalid_status"


def test_patrol_guards(persona, team, stations):
    with pytest.raises(DomainError) as exc:
        plan(persona, team, region="430525100000")
    assert exc.value.field == "region"
    with pytest.raises(DomainError) as exc:
        plan(persona, team, username="dongkou_station", region="430525100000")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError) as exc:
        plan(persona, team, hours=0)
    assert exc.value.field == "shift_end"
    patrol = plan(persona, team)
    with pytest.raises(DomainError) as exc:
        services.patrol_finding_add(actor=persona("dongkou_station"), patrol=patrol, place="桥洞", description="有人")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(PermissionDenied):
        services.patrol_record(actor=persona("longhui_officer"), patrol=patrol, findings="无")
    future = plan(persona, team, start=timezone.now() + dt.timedelta(hours=5))
    with pytest.raises(DomainError) as exc:
        services.patrol_record(actor=persona("longhui_station"), patrol=future, findings="无")
    assert exc.value.code == "invalid_status"
    cancelled = services.patrol_cancel(actor=persona("longhui_station"), patrol=future, reason="暴雨改期")
    assert cancelled.status == PatrolStatus.CANCELLED
    with pytest.raises(DomainError) as exc:
        services.patrol_finding_add(actor=persona("longhui_station"), patrol=cancelled, place="桥洞",
                                    description="有人")
    assert exc.value.code == "invalid_status"
    assert not Sighting.objects.exists()


def test_campaign_and_alert_are_recorded_on_the_patrol(persona, team, stations):
    winter = timezone.make_aware(dt.datetime(2026, 12, 20, 20, 0))
    summer = timezone.make_aware(dt.datetime(2026, 7, 10, 20, 0))
    spring = timezone.make_aware(dt.datetime(2026, 4, 10, 20, 0))
    assert plan(persona, team, start=winter).campaign == Campaign.WINTER
    assert plan(persona, team, start=summer).campaign == Campaign.SUMMER
    quiet = plan(persona, team, start=spring)
    assert quiet.campaign == Campaign.NONE and quiet.weather_alert is False
    with pytest.raises(PermissionDenied):  # a worker may not declare an alert
        services.weather_alert_record(actor=persona("longhui_station"), region=Region.objects.get(code="430524"),
                                      kind="cold", starts_on=dt.date(2026, 4, 9), ends_on=dt.date(2026, 4, 12))
    alert = services.weather_alert_record(actor=persona("longhui_stationmgr"), region=Region.objects.get(code="430524"),
                                          kind=WeatherAlert.Kind.COLD, starts_on=dt.date(2026, 4, 9),
                                          ends_on=dt.date(2026, 4, 12), note="寒潮蓝色预警")
    quiet.refresh_from_db()
    assert quiet.weather_alert is True  # planned shifts within the alert follow it
    assert plan(persona, team, start=spring + dt.timedelta(days=1)).weather_alert is True
    assert Event.objects.filter(kind=RescueEvent.WEATHER_ALERT_RECORDED, subject_id=str(alert.pk)).count() == 1
    assert audits(alert).filter(action="create").get().detail["changes"]["flagged_patrols"] == 1
    with pytest.raises(DomainError) as exc:
        services.weather_alert_record(actor=persona("longhui_stationmgr"), region=Region.objects.get(code="430525"),
                                      kind="cold", starts_on=dt.date(2026, 4, 9), ends_on=dt.date(2026, 4, 12))
    assert exc.value.field == "region"


def test_patrol_frequency_follows_the_settings(persona, team, stations):
    from jiuzhu.core.region_settings import region_setting_set
    from jiuzhu.rescue import street_selectors as selectors
    from jiuzhu.rescue import street_settings as ss

    county = Region.objects.get(code="430524")
    admin = persona("longhui_admin")
    region_setting_set(actor=admin, key=ss.NORMAL_PATROLS_KEY, region=county, effective_from=dt.date(2026, 1, 1),
                       value="2")
    region_setting_set(actor=admin, key=ss.ALERT_PATROLS_KEY, region=county, effective_from=dt.date(2026, 1, 1),
                       value="4")
    region_setting_set(actor=admin, key=ss.WINTER_PERIOD_KEY, region=county, effective_from=dt.date(2026, 1, 1),
                       value="12-15~02-15")
    worker = persona("longhui_station")
    assert selectors.patrol_day(worker, dt.date(2026, 4, 10)).required == 2
    assert selectors.patrol_day(worker, dt.date(2026, 12, 1)).campaign == ""  # the county's own period
    day = selectors.patrol_day(worker, dt.date(2026, 12, 20))
    assert day.campaign == "winter" and day.required == 2  # campaign default 2, never below normal
    services.weather_alert_record(actor=persona("longhui_stationmgr"), region=county, kind="cold",
                                  starts_on=dt.date(2026, 12, 19), ends_on=dt.date(2026, 12, 21))
    plan(persona, team, start=timezone.make_aware(dt.datetime(2026, 12, 20, 20, 0)))
    day = selectors.patrol_day(worker, dt.date(2026, 12, 20))
    assert (day.required, day.planned, day.short) == (4, 1, 3)


def test_period_parsing():
    from jiuzhu.rescue import street_settings as ss

    assert ss.parse_period("11-01~03-31") == ((11, 1), (3, 31))
    assert ss.parse_period("无") is None and ss.parse_period("02-30~03-01") is None
    assert ss.in_period(dt.date(2027, 1, 5), ss.parse_period("11-01~03-31"))
    assert not ss.in_period(dt.date(2027, 5, 5), ss.parse_period("11-01~03-31"))
    assert ss.in_period(dt.date(2027, 7, 5), ss.parse_period("06-15 至 09-15"))
    assert ss.period_in_force("无", ss.DEFAULT_WINTER) is None
    assert ss.period_in_force("十一月到三月", ss.DEFAULT_WINTER) == ss.parse_period(ss.DEFAULT_WINTER)


def test_station_location_by_the_manager(persona, stations):
    with pytest.raises(PermissionDenied):
        services.station_location_set(actor=persona("longhui_station"), station=stations["longhui"],
                                      point=services.Point("27.1", "111.0"))
    with pytest.raises(DomainError) as exc:
        services.station_location_set(actor=persona("longhui_stationmgr"), station=stations["dongkou"],
                                      point=services.Point("27.1", "111.0"))
    assert exc.value.code == "out_of_scope"
    location = services.station_location_set(actor=persona("longhui_stationmgr"), station=stations["longhui"],
                                             point=services.Point("27.100000", "111.000000"), address="桃洪东路")
    assert (str(location.latitude), str(location.longitude)) == ("27.100000", "111.000000")
    assert audits(location).filter(action="update").count() == 1
    assert Event.objects.filter(kind=RescueEvent.STATION_LOCATION_SET, subject_id=str(location.pk)).count() == 1
    assert Organization.objects.filter(kind=OrganizationKind.RESCUE_STATION).count() == 3
    assert Patrol.objects.count() == 0


@pytest.fixture
def no_station_worker(persona):
    """A user holding the station manager's role but working at the county's civil affairs bureau."""
    from jiuzhu.core.models import User, UserRole

    officer = persona("longhui_officer")
    user = User.objects.create(username="ca_rescue", organization=officer.organization, region=officer.region)
    UserRole.objects.create(user=user, role="station_manager")
    return User.objects.select_related("organization", "region").get(pk=user.pk)


def test_only_station_staff_report_and_dispatch(report, persona, no_station_worker, stations):
    with pytest.raises(DomainError) as exc:
        services.sighting_report(actor=no_station_worker, reporter_kind="police",
                                 region=Region.objects.get(code=VILLAGE_A), place="车站", description="有人",
                                 seen_at=timezone.now())
    assert exc.value.code == "forbidden"
    sighting = report()
    with pytest.raises(PermissionDenied):
        services.sighting_dispatch(actor=persona("longhui_officer"), sighting=sighting, station=stations["city"])
    with pytest.raises(DomainError) as exc:
        services.sighting_dispatch(actor=persona("dongkou_station"), sighting=sighting, station=stations["dongkou"])
    assert exc.value.code == "out_of_scope"
    with pytest.raises(DomainError) as exc:
        services.weather_alert_record(actor=no_station_worker, region=Region.objects.get(code="430524"),
                                      kind="cold", starts_on=dt.date(2026, 4, 9), ends_on=dt.date(2026, 4, 12))
    assert exc.value.code == "forbidden"
    sighting.refresh_from_db()
    assert sighting.station == stations["longhui"]
    assert events(sighting, RescueEvent.SIGHTING_DISPATCHED).count() == 1


def test_every_write_leaves_its_audit_row_and_event(contacted, persona, team, stations):
    sighting = contacted()
    close(persona, sighting, outcome=SightingOutcome.BROUGHT_IN)
    assert audits(sighting).filter(action="update").count() == 2  # contact, outcome
    assert audits(team).filter(action="create").count() == 1
    patrol = plan(persona, team)
    assert audits(patrol).filter(action="create").count() == 1
    assert Event.objects.filter(kind=RescueEvent.PATROL_PLANNED, subject_id=str(patrol.pk)).count() == 1
    finding = services.patrol_finding_add(actor=persona("longhui_station"), patrol=patrol, place="桥洞",
                                          description="有人")
    assert audits(finding).filter(action="create").count() == 1
    assert events(finding, RescueEvent.SIGHTING_REPORTED).count() == 1
    services.patrol_record(actor=persona("longhui_station"), patrol=patrol, findings="发现 1 人")
    assert audits(patrol).filter(action="update").count() == 1
    later = plan(persona, team, start=timezone.now() + dt.timedelta(days=1))
    services.patrol_cancel(actor=persona("longhui_station"), patrol=later, reason="暴雨")
    assert audits(later).filter(action="update").count() == 1
    assert Event.objects.filter(kind=RescueEvent.PATROL_CANCELLED, subject_id=str(later.pk)).count() == 1
    with pytest.raises(DomainError) as exc:
        services.patrol_cancel(actor=persona("longhui_station"), patrol=later, reason="again")
    assert exc.value.code == "invalid_status"
    with pytest.raises(PermissionDenied):
        services.patrol_finding_add(actor=persona("longhui_officer"), patrol=patrol, place="桥洞", description="有人")
    with pytest.raises(PermissionDenied):
        services.patrol_cancel(actor=persona("longhui_officer"), patrol=patrol, reason="x")
    with pytest.raises(DomainError) as exc:
        services.patrol_cancel(actor=persona("dongkou_station"), patrol=patrol, reason="x")
    assert exc.value.code == "out_of_scope"


def test_a_sighting_handed_to_a_patrol_team(report, persona, team, stations):
    from jiuzhu.core.worklist import work_items
    from jiuzhu.rescue import street_selectors as selectors

    sighting = report()
    handed = services.sighting_assign_team(actor=persona("longhui_station"), sighting=sighting, team=team)
    assert handed.team == team and handed.station == stations["longhui"]
    event = events(sighting, RescueEvent.SIGHTING_DISPATCHED).order_by("pk").last()
    assert event.payload["team"] == team.pk and event.summary == "派给巡查队：城区夜巡队"
    assert audits(sighting).filter(action="update").count() == 1
    assert list(selectors.awaiting_my_team(persona("longhui_stationmgr"))) == [handed]  # a member
    labels = {wi.label: wi.count for wi in work_items(persona("longhui_stationmgr"))}
    assert labels["派给我所在巡查队、待接触的发现报告"] == 1
    with pytest.raises(DomainError) as exc:
        services.sighting_assign_team(actor=persona("longhui_station"), sighting=sighting, team=team)
    assert exc.value.field == "team"
    other = services.patrol_team_create(actor=persona("dongkou_station"), name="洞口巡查队", area="车站",
                                        members=[])
    with pytest.raises(DomainError) as exc:  # a team of another station
        services.sighting_assign_team(actor=persona("longhui_station"), sighting=sighting, team=other)
    assert exc.value.field == "team"
    with pytest.raises(DomainError) as exc:
        services.sighting_assign_team(actor=persona("dongkou_station"), sighting=sighting, team=other)
    assert exc.value.code == "out_of_scope"
    with pytest.raises(PermissionDenied):
        services.sighting_assign_team(actor=persona("longhui_officer"), sighting=sighting, team=team)
    moved = services.sighting_dispatch(actor=persona("shaoyang_regional"), sighting=sighting,
                                       station=stations["city"])
    assert moved.team is None  # the team was the old station's
    services.sighting_contact(actor=persona("shaoyang_regional"), sighting=moved)
    with pytest.raises(DomainError) as exc:
        services.sighting_assign_team(actor=persona("shaoyang_regional"), sighting=moved, team=team)
    assert exc.value.code == "invalid_status"
