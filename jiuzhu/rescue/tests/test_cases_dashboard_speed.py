"""The station dashboard at scale (bench/station_dashboard.py measures it): the census from small index ranges
gives the day-by-day definition; beds come from one query whatever the number of stations; the number of queries
of the dashboard does not grow with the stations of a regional centre."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _record(station, user, admitted_on, status="discharged", discharged_on=None, **extra):
    from django.utils import timezone

    from jiuzhu.rescue.models import RescueCase

    at = timezone.make_aware(dt.datetime.combine(admitted_on, dt.time(12)))
    return RescueCase(station=station, created_by=user, status=status, name="测试", sex="M",
                      arrival_channel="self_request", admitted_at=at, admitted_on=admitted_on,
                      period_end=admitted_on + dt.timedelta(days=10), discharged_on=discharged_on, **extra)


def test_the_census_counts_each_day_as_defined(persona):
    """Clients admitted on or before the day and not discharged by its end; refusals never; edge days included."""
    from jiuzhu.rescue.cases_selectors import census, today
    from jiuzhu.rescue.models import RescueCase

    user = persona("longhui_station")
    station = user.organization
    on = today()
    first = on - dt.timedelta(days=13)
    days = [on - dt.timedelta(days=n) for n in (400, 30, 14, 13, 12, 7, 3, 1, 0)]
    rows = []
    for a in days:  # every admission day with every discharge day after it, a stay and a refusal
        rows.append(_record(station, user, a, status="in_station"))
        rows.append(_record(station, user, a, status="refused", refusal_reason="不符合"))
        for b in days:
            if b >= a:
                rows.append(_record(station, user, a, discharged_on=b))
    rows.append(_record(station, user, first - dt.timedelta(days=50), status="in_foster", long_stay=True))
    RescueCase.objects.bulk_create(rows)
    qs = RescueCase.objects.filter(station=station)
    expected = []
    for i in range(14):
        day = first + dt.timedelta(days=i)
        n = sum(1 for r in rows if r.status != "refused" and r.admitted_on <= day
                and (r.discharged_on is None or r.discharged_on > day))
        expected.append((day, n))
    assert census(qs, on) == expected


def test_beds_are_read_in_one_query_nearest_region_first(persona, stations):
    """The city sets 40 then 50 beds, 隆回县 its own 30 (and 99 from next week): 隆回 30, 洞口 and the city station
    50 each, as setting_value answers station by station."""
    from jiuzhu.core.models import RegionSetting
    from jiuzhu.core.region_settings import setting_value
    from jiuzhu.rescue import settings_catalog as sc
    from jiuzhu.rescue.cases_selectors import _beds, stations_in_scope, today

    long_ago = today() - dt.timedelta(days=400)
    city, longhui = stations["city"].region, stations["longhui"].region
    RegionSetting.objects.create(key=sc.STATION_BEDS_KEY, region=city, effective_from=long_ago, value=40)
    RegionSetting.objects.create(key=sc.STATION_BEDS_KEY, region=city, effective_from=long_ago + dt.timedelta(days=1),
                                 value=50)  # the later version wins
    RegionSetting.objects.create(key=sc.STATION_BEDS_KEY, region=longhui, effective_from=long_ago, value=30)
    RegionSetting.objects.create(key=sc.STATION_BEDS_KEY, region=longhui, effective_from=today()
                                 + dt.timedelta(days=5), value=99)  # not yet in force
    actor = persona("shaoyang_regional")
    found = list(stations_in_scope(actor))
    assert len(found) == 3
    expected = sum(int(setting_value(sc.STATION_BEDS_KEY, s.region, today())) for s in found)
    with CaptureQueriesContext(connection) as queries:
        assert _beds(actor, found) == expected == 30 + 50 + 50
    assert len(queries) == 1
    assert _beds(actor, []) is None


def test_the_dashboard_asks_as_many_queries_for_twenty_stations_as_for_two(persona, stations, admit):
    from jiuzhu.core.models import Organization, OrganizationKind, Region
    from jiuzhu.rescue.cases_selectors import dashboard

    admit()
    actor = persona("shaoyang_regional")
    dashboard(actor=actor)  # the actor's roles and organisation, read once and kept
    with CaptureQueriesContext(connection) as few:
        small = dashboard(actor=actor)
    counties = Region.objects.filter(parent=stations["city"].region, level="county")\
        .exclude(code__in=["430524", "430525"])[:18]
    for county in counties:
        Organization.objects.create(name=f"{county.name}救助管理站", kind=OrganizationKind.RESCUE_STATION,
                                    region=county, parent=stations["city"])
    with CaptureQueriesContext(connection) as many:
        large = dashboard(actor=actor)
    assert len(large["stations"]) == len(small["stations"]) + len(counties) > 10
    assert len(many) == len(few)
    assert large["in_station"] == small["in_station"] == 1
