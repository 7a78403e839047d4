"""Rescue fixtures. Personas are the demo accounts: longhui_station (station worker, 隆回县救助管理站),
longhui_stationmgr (its manager), dongkou_station (the other county's station), shaoyang_regional (the regional
centre 邵阳市救助管理站, whose children are both county stations)."""

import datetime as dt

import pytest

# ---- cases part ----


@pytest.fixture
def admit(persona):
    """Admits a client through the service as `username` (the 隆回 station worker by default)."""
    from jiuzhu.rescue.cases_services import case_admit

    def make(username="longhui_station", **extra):
        data = {"sex": "M", "arrival_channel": "self_request", "name": "王大山", "estimated_age": 45,
                "hukou_text": "河南省周口市", "vagrancy_reason": "外出务工无着", **extra}
        return case_admit(actor=persona(username), **data)
    return make


@pytest.fixture
def shift_admission():
    """Moves a record's admission `days` back (the 10-day rules without waiting ten days)."""
    from jiuzhu.rescue.models import RescueCase

    def shift(case, days: int):
        admitted_on = case.admitted_on - dt.timedelta(days=days)
        RescueCase.objects.filter(pk=case.pk).update(
            admitted_on=admitted_on, admitted_at=case.admitted_at - dt.timedelta(days=days),
            period_end=case.period_end - dt.timedelta(days=days))
        case.refresh_from_db()
        return case
    return shift


# ---- street part -------------------------------------------------------------------------------------------

TAOHONG = (27.111700, 111.035800)  # 隆回县救助管理站 (桃洪镇), WGS-84, a demo position
TANTOU = (27.238000, 111.252000)  # a second station of 隆回县 (滩头), made by `second_station`
DONGKOU = (27.060000, 110.575000)  # 洞口县救助管理站
SHAOYANG = (27.238900, 111.467700)  # 邵阳市救助管理站


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def stations(world):
    """The demo's three rescue stations by short name, each with a location."""
    from jiuzhu.core.models import Organization, OrganizationKind
    from jiuzhu.rescue.models import StationLocation

    found = {
        "longhui": Organization.objects.get(kind=OrganizationKind.RESCUE_STATION, region__code="430524"),
        "dongkou": Organization.objects.get(kind=OrganizationKind.RESCUE_STATION, region__code="430525"),
        "city": Organization.objects.get(kind=OrganizationKind.RESCUE_STATION, region__code="430500"),
    }
    for key, (lat, lon) in (("longhui", TAOHONG), ("dongkou", DONGKOU), ("city", SHAOYANG)):
        StationLocation.objects.update_or_create(station=found[key], defaults={"latitude": lat, "longitude": lon})
    return found


@pytest.fixture
def second_station(stations):
    """Another rescue station in 隆回县 (滩头), below the city station, with its location."""
    from jiuzhu.core.models import Organization, OrganizationKind
    from jiuzhu.rescue.models import StationLocation

    station = Organization.objects.create(name="隆回县救助管理站滩头救助点", kind=OrganizationKind.RESCUE_STATION,
                                          region=stations["longhui"].region, parent=stations["city"])
    StationLocation.objects.create(station=station, latitude=TANTOU[0], longitude=TANTOU[1])
    return station


@pytest.fixture
def report(persona, stations):
    """Records a sighting through the staff service as `username` (default the 隆回 station worker)."""
    from django.utils import timezone

    from jiuzhu.core.models import Region
    from jiuzhu.rescue import street_services as services

    def make(username="longhui_station", region="430524100200", place="桃洪镇汽车站候车厅", point=None,
             kind="police", **extra):
        return services.sighting_report(
            actor=persona(username), reporter_kind=kind, region=Region.objects.get(code=region), place=place,
            description=extra.pop("description", "一位老人衣着单薄，在车站过夜"),
            seen_at=extra.pop("seen_at", timezone.now() - dt.timedelta(minutes=30)), point=point, **extra)
    return make
