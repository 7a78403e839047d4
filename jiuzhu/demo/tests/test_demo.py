import pytest

from jiuzhu.core.demo import PersonFactory, demo_villages
from jiuzhu.core.identity import is_valid_id_number
from jiuzhu.core.models import Region, User
from jiuzhu.registry.demo import chunk_households, populate
from jiuzhu.registry.models import Household, Person


def test_demo_data_is_deterministic_by_seed(world):
    villages = demo_villages()
    first = chunk_households(7, 0, villages)
    again = chunk_households(7, 0, villages)
    other = chunk_households(8, 0, villages)
    ids = [m.id_number for h in first for m in h.members]
    assert ids == [m.id_number for h in again for m in h.members]
    assert ids != [m.id_number for h in other for m in h.members]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert all(is_valid_id_number(n) for n in ids[:500])


def test_chunks_never_share_an_id_number():
    a = PersonFactory(1, 0)
    b = PersonFactory(1, 1)
    import datetime as dt
    day = dt.date(1980, 1, 1)
    assert a.person("430524", day, "M").id_number != b.person("430524", day, "M").id_number


def test_running_the_demo_twice_adds_nothing(world):
    villages = demo_villages()
    added = populate(seed=3, persons=10_000, villages=villages)
    assert added["persons"] == 10_000
    households = Household.objects.count()
    again = populate(seed=3, persons=10_000, villages=villages)
    assert again == {"households": 0, "persons": 0, "chunks_skipped": 1}
    assert Household.objects.count() == households and Person.objects.count() == 10_000
    assert Household.objects.filter(head__isnull=True).count() == 0


def test_world_has_every_role_in_both_counties(world):
    for prefix in ("longhui", "dongkou"):
        users = User.objects.filter(username__startswith=f"{prefix}_")
        roles = {r for u in users for r in u.role_codes}
        assert {"window_officer", "assistance_officer", "approver", "department_clerk", "coordinator",
                "station_worker", "station_manager", "analyst", "auditor", "administrator"} <= roles
    assert User.objects.get(username="shaoyang_regional").has_role("regional_officer")
    build_again = User.objects.count()
    from jiuzhu.core.demo import build_world
    build_world(villages_per_township=2)
    assert User.objects.count() == build_again


# ---- the rescue stations' demo (jiuzhu/rescue/demo.py) ----------------------------------------------------------

@pytest.fixture
def rescue_demo(world):
    import time

    from jiuzhu.rescue.demo import populate as populate_rescue

    started = time.monotonic()
    made = populate_rescue(seed=5)
    print(f"rescue demo: {made} in {time.monotonic() - started:.1f} s")
    return made


def test_the_rescue_demo_has_every_kind_of_work(rescue_demo):
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from jiuzhu.core.region_settings import setting_value
    from jiuzhu.rescue.models import (
        CareLog,
        Escalation,
        Incident,
        PatrolTeam,
        PeriodExtension,
        Placement,
        ReporterKind,
        RescueCase,
        Settlement,
        Sighting,
        StationLocation,
        SupervisionVisit,
        WeatherAlert,
    )
    from jiuzhu.rescue.models import Patrol as RescuePatrol
    from jiuzhu.rescue.settings_catalog import STATION_BEDS_KEY

    today = timezone.localdate()
    per_station = dict(RescueCase.objects.values_list("station__region__code").annotate(n=Count("pk")))
    assert set(per_station) == {"430524", "430525"} and all(40 <= n <= 80 for n in per_station.values())
    assert rescue_demo["cases"] == RescueCase.objects.count()
    assert {s for s in RescueCase.objects.values_list("status", flat=True)} == {
        "in_station", "in_hospital", "in_foster", "discharged", "refused"}
    assert RescueCase.objects.filter(status="refused").exclude(refusal_reason="").count() >= 4
    assert RescueCase.objects.filter(long_stay=True, name="", estimated_age__isnull=False).count() >= 10
    days = sorted((today - d).days for d in RescueCase.objects.filter(settlement__isnull=True)
                  .values_list("admitted_on", flat=True))
    assert days[0] == 0 and 45 <= days[-1] <= 60  # spread over the last ~60 days (settlements are older)
    kinds = set(RescueCase.objects.filter(status="discharged").values_list("discharge__kind", flat=True))
    assert {"escorted_return", "relatives_collected", "travel_ticket", "self_leave", "left_without_formalities",
            "transfer_institution", "terminated"} <= kinds
    assert not RescueCase.objects.filter(status="discharged", discharged_on=today).exists()  # dated back
    assert CareLog.objects.filter(day__lt=today).exists() and CareLog.objects.filter(day=today).exists()
    assert Placement.objects.filter(kind="hospital", ended_on__isnull=False).exists()
    assert SupervisionVisit.objects.count() == 2
    assert {e.status for e in PeriodExtension.objects.all()} == {"requested", "approved"}
    assert set(Escalation.objects.values_list("status", flat=True)) == {"delegated", "requested"}
    assert Incident.objects.filter(is_open=True).count() == 2 and Incident.objects.filter(is_open=False).exists()
    assert set(Settlement.objects.values_list("stage", flat=True)) == {"planned"}
    # The street part: positions, beds, teams, patrols (a campaign one, one under the alert), sightings.
    assert StationLocation.objects.count() == 3
    for code, beds in (("430524", 60), ("430525", 40), ("430500", 120)):
        assert int(setting_value(STATION_BEDS_KEY, Region.objects.get(code=code), today)) == beds
    assert PatrolTeam.objects.count() == 4 and WeatherAlert.objects.count() == 2
    assert RescuePatrol.objects.exclude(campaign="").exists() and RescuePatrol.objects.filter(weather_alert=True)\
        .exists() and RescuePatrol.objects.filter(status="planned").count() == 2
    assert {"dispatched", "contacted", "closed"} <= set(Sighting.objects.values_list("status", flat=True))
    assert set(Sighting.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "brought_in", "hospital", "refused", "not_found"}
    assert Sighting.objects.filter(reporter_kind=ReporterKind.CITIZEN, reported_by__isnull=True).count() == 2
    brought_in = Sighting.objects.filter(outcome="brought_in")
    assert brought_in.count() >= 4 and not brought_in.filter(case__isnull=True).exists()  # linked to their records
    assert all(s.case.admitted_at > s.outcome_at for s in brought_in)
    contacted = Sighting.objects.filter(contacted_at__isnull=False, patrol__isnull=True)
    assert all(10 <= s.response_minutes <= 60 for s in contacted)
    assert all(s.reported_at <= timezone.now() - dt.timedelta(minutes=20) for s in Sighting.objects.all())
    # Each timeline reads in order: admission (or refusal) first, discharge last, nothing later than now.
    from jiuzhu.core.models import Event

    now = timezone.now()
    for case in RescueCase.objects.all():
        timeline = list(Event.objects.filter(subject_type="rescue.rescuecase", subject_id=str(case.pk))
                        .order_by("occurred_at", "id").values_list("kind", "occurred_at"))
        assert timeline[0] == ("rescue.assistance_refused" if case.status == "refused" else "rescue.client_admitted",
                               case.admitted_at)
        assert all(case.admitted_at <= at <= now for _, at in timeline), case.pk
        if case.status == "discharged":
            kind, at = timeline[-1]
            assert kind == "rescue.client_discharged" and timezone.localdate(at) < today, case.pk


def test_running_the_rescue_demo_twice_adds_nothing(rescue_demo):
    from jiuzhu.rescue.demo import populate as populate_rescue
    from jiuzhu.rescue.models import RescueCase, Sighting

    cases, sightings = RescueCase.objects.count(), Sighting.objects.count()
    assert populate_rescue(seed=5) == {"cases": 0, "sightings": 0, "patrols": 0, "care_logs": 0}
    assert (RescueCase.objects.count(), Sighting.objects.count()) == (cases, sightings)


@pytest.mark.parametrize("username", ["longhui_station", "shaoyang_regional"])
def test_the_station_roles_sign_in_to_a_live_station(rescue_demo, client_for, username):
    import re

    client = client_for(username)
    page = client.get("/rescue/")
    assert page.status_code == 200
    html = page.content.decode()
    for figure in ("fig-in-station", "fig-in-stay", "fig-hospital", "fig-foster", "fig-long-stay", "fig-incidents",
                   "fig-today", "fig-overdue"):
        assert int(re.search(rf'id="{figure}"><span class="n">(\d+)<', html).group(1)) > 0, figure
    beds = re.search(r'id="fig-beds"><span class="n">(\d+) / (\d+)<', html)
    beds_in_scope = {"longhui_station": 60, "shaoyang_regional": 60 + 40 + 120}[username]  # the centre: its stations
    assert beds and int(beds.group(1)) > 0 and int(beds.group(2)) == beds_in_scope
    listing = client.get("/rescue/cases/")
    assert listing.status_code == 200 and "无名氏" in listing.content.decode()
    assert client.get("/rescue/sightings/").status_code == 200 and client.get("/rescue/patrols/").status_code == 200
    from jiuzhu.rescue.models import RescueCase, Sighting

    for case in (RescueCase.objects.filter(station__region__code="430524", status=status).first()
                 for status in ("in_foster", "discharged", "refused")):
        assert client.get(f"/rescue/cases/{case.pk}/").status_code == 200, case.status
    sighting = Sighting.objects.filter(station__region__code="430524", outcome="brought_in").first()
    assert client.get(f"/rescue/sightings/{sighting.pk}/").status_code == 200


def test_the_followup_demo_gives_the_coordinator_a_week_of_work(rescue_demo, client_for):
    """Follow-up's demo after rescue's: the coordinator's phone page has a visit due this week and an overdue one;
    a visit that found hardship was handed over to intake; the at-risk registry has each state; a returnee
    admitted again alerted 洞口县. A second run adds nothing."""
    from jiuzhu.followup.demo import populate as populate_followup
    from jiuzhu.followup.models import AtRiskPerson, FollowupVisit, RepeatAlert, ReturneeEntry
    from jiuzhu.intake.models import Application

    made = populate_followup(seed=5)
    assert made["returnees"] >= 6 and made["at_risk"] >= 4 and made["alerts"] >= 1
    village = User.objects.get(username="dongkou_coordinator").region
    mine = FollowupVisit.objects.filter(region=village)
    assert mine.filter(status="planned", overdue_flagged_at__isnull=False).exists()
    from jiuzhu.followup.selectors import today, week_end

    assert mine.filter(status="planned", due_on__range=(today(), week_end(today()))).exists()
    assert Application.objects.filter(source_ref__startswith="followup:visit:").count() == 1
    assert set(AtRiskPerson.objects.values_list("status", flat=True)) >= {"submitted", "listed", "returned",
                                                                          "suggested"}
    assert RepeatAlert.objects.filter(home_region_path__startswith=village.path[:13]).exists()
    assert ReturneeEntry.objects.filter(home_region=village, arrived_on__isnull=False).count() == 4
    page = client_for("dongkou_coordinator").get("/followup/")
    assert page.status_code == 200 and "超期" in page.content.decode()
    before = (ReturneeEntry.objects.count(), FollowupVisit.objects.count(), AtRiskPerson.objects.count())
    assert populate_followup(seed=5)["returnees"] == 0
    assert (ReturneeEntry.objects.count(), FollowupVisit.objects.count(), AtRiskPerson.objects.count()) == before


# ---- the city's safety-net fund pays the counties' decided cases (funds/fund_demo.py, demo/decided.py) ---------

def test_the_city_fund_pays_each_county_s_own_decided_cases(world):
    from jiuzhu.demo.decided import decided_cases
    from jiuzhu.funds.fund_demo import populate as populate_fund
    from jiuzhu.funds.fund_models import Fund, FundEntry
    from jiuzhu.intake.demo import populate as populate_intake
    from jiuzhu.intake.references import ASSIST_FIRST

    populate(seed=3, persons=10_000, villages=demo_villages())
    populate_intake()  # each county's window grants a 先行救助 to a registered household
    cases = decided_cases()
    assert [kind for kind, _ in cases].count(ASSIST_FIRST) >= 2
    populate_fund(cases=cases)
    fund = Fund.objects.get()
    assert fund.region.code == "430500"
    linked = list(FundEntry.objects.filter(fund=fund, kind="disbursement", source_kind=ASSIST_FIRST)
                  .select_related("recorded_by__region", "household__region"))
    assert {e.recorded_by.username for e in linked} == {"longhui_officer", "dongkou_officer"}
    assert all(e.household.region.path.startswith(e.recorded_by.region.path) for e in linked)
