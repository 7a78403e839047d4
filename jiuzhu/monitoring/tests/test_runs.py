"""Comparison runs: warnings written once per subject, indicator and evidence period; discovery of persons
outside the registry; re-running changes nothing."""

import datetime as dt

import pytest

from jiuzhu.core.models import Event
from jiuzhu.core.workdays import add_working_days
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import ComparisonRun, Warning
from jiuzhu.monitoring.runs import comparison_run
from jiuzhu.monitoring.runs_snapshot import snapshot_cache_root
from jiuzhu.monitoring.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db


def _sqlite_cache_size():
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def test_medical_cost_warns_a_registry_person_once(catalogue, store_feed, person_in_registry, persona):
    from jiuzhu.core.models import Region

    person, number = person_in_registry()
    store_feed("medical_settlement", [
        {"id_number": number, "discharge_date": dt.date(2026, 3, 1), "out_of_pocket": 7000.0},
        {"id_number": number, "discharge_date": dt.date(2026, 9, 1), "out_of_pocket": 4000.5},
    ])
    county = Region.objects.get(code="430524")
    cache_size = _sqlite_cache_size()
    run = comparison_run(region=county, as_of=AS_OF)
    assert _sqlite_cache_size() == cache_size  # the write's larger page cache is given back
    warning = Warning.objects.get(indicator=catalogue["med_oop_general"])
    assert warning.person_id == person.pk and warning.household_id == person.household_id
    assert warning.region_id == person.household.region_id
    assert (warning.evidence_start, warning.evidence_end) == (dt.date(2026, 3, 1), dt.date(2026, 9, 1))
    assert warning.evidence["数值"] == 11000.5 and warning.evidence["阈值"] == 10000
    assert warning.evidence["记录数"] == 2 and warning.evidence["证据期"] == "2026-03-01 至 2026-09-01"
    assert warning.due_date == add_working_days(dt.date.today(), 10)
    assert warning.run_id == run.pk and run.counts["med_oop_general"] == 1
    assert Event.objects.filter(kind=MonitoringEvent.WARNING_RAISED, subject_id=str(warning.pk),
                                person_id=person.pk).exists()
    assert Event.objects.filter(kind=MonitoringEvent.RUN_FINISHED, subject_id=str(run.pk)).exists()
    # the same inputs again: the same run, nothing new
    again = comparison_run(region=county, as_of=AS_OF)
    assert again.pk == run.pk and Warning.objects.count() == 1
    # a later date (a new run key): the open warning is not raised again
    later = comparison_run(region=county, as_of=AS_OF + dt.timedelta(days=1))
    assert later.pk != run.pk and Warning.objects.count() == 1
    assert ComparisonRun.objects.count() == 2


def test_discovery_of_a_person_outside_the_registry(catalogue, store_feed, outsider, person_in_registry):
    from jiuzhu.core.models import Region

    person, number = person_in_registry()
    stranger = outsider()
    store_feed("medical_settlement", [
        {"id_number": stranger, "name": "王小明", "region_code": "430524100200",
         "discharge_date": dt.date(2026, 10, 1), "out_of_pocket": 12000.0},
        {"id_number": number, "discharge_date": dt.date(2026, 10, 1), "out_of_pocket": 12000.0},
        # another county's resident: not this county's lead
        {"id_number": outsider(72), "name": "赵六", "region_code": "430525100200",
         "discharge_date": dt.date(2026, 10, 1), "out_of_pocket": 12000.0},
    ])
    comparison_run(region=Region.objects.get(code="430524"), as_of=AS_OF)
    found = Warning.objects.get(indicator=catalogue["discover_medical"])
    assert found.person_id is None and found.subject_name == "王小明"
    assert found.region.code == "430524100200"
    from jiuzhu.core.crypto import keyed_hash
    assert found.subject_id_hash == keyed_hash(stranger)
    assert not Warning.objects.filter(indicator=catalogue["discover_medical"], subject_name="赵六").exists()
    assert Warning.objects.filter(indicator=catalogue["med_oop_general"], person=person).exists()


def test_a_changed_registry_is_a_new_run(catalogue, store_feed, person_in_registry, outsider, register):
    from conftest import member
    from jiuzhu.core.models import Region

    stranger = outsider()
    store_feed("medical_settlement", [{"id_number": stranger, "discharge_date": dt.date(2026, 10, 1),
                                       "out_of_pocket": 12000.0, "region_code": "430524100200"}])
    county = Region.objects.get(code="430524")
    timings = {}
    first = comparison_run(region=county, as_of=AS_OF, timings=timings)
    assert Warning.objects.get().indicator == catalogue["discover_medical"]
    assert timings["snapshot_cached"] == 0
    # another date, the same registry: the persons come from the snapshot cache
    comparison_run(region=county, as_of=AS_OF + dt.timedelta(days=1), timings=timings)
    assert timings["snapshot_cached"] == 1
    # the stranger is registered: the same feeds and rules, but a new registry (and a new cached version)
    register(members=[{**member("新登记", "head"), "id_number": stranger}])
    second = comparison_run(region=county, as_of=AS_OF, timings=timings)
    assert second.pk != first.pk and timings["snapshot_cached"] == 0
    assert Warning.objects.filter(indicator=catalogue["med_oop_general"]).count() == 1
    assert [p.name.split("-")[0] for p in snapshot_cache_root().iterdir()] == ["430524"]  # one version kept


def test_closed_evidence_is_not_raised_again_but_new_evidence_is(catalogue, store_feed, person_in_registry):
    from jiuzhu.core.models import Region

    person, number = person_in_registry()
    store_feed("death_cremation", [{"id_number": number, "death_date": dt.date(2026, 10, 3)}])
    county = Region.objects.get(code="430524")
    comparison_run(region=county, as_of=AS_OF)
    Warning.objects.update(status="closed")  # handled (the warnings part's dispositions close it)
    comparison_run(region=county, as_of=AS_OF + dt.timedelta(days=1))
    assert Warning.objects.count() == 1
    store_feed("death_hospital", [{"id_number": number, "death_date": dt.date(2026, 10, 3)}])
    comparison_run(region=county, as_of=AS_OF + dt.timedelta(days=1))
    assert set(Warning.objects.values_list("indicator__code", "status")) == {("death_cremation", "closed"),
                                                                             ("death_hospital", "open")}
    assert Warning.objects.get(status="open").person_id == person.pk


def test_a_death_warning_is_raised_as_the_kind_funds_handles(catalogue, store_feed, person_in_registry):
    """A death feed's warning for a registry person is DEATH_WARNING_RAISED (funds holds the payee: its HANDLERS
    list the kind, read through core); an ordinary warning stays WARNING_RAISED, which nothing handles."""
    from jiuzhu.core.events import handlers_for
    from jiuzhu.core.models import Region

    person, number = person_in_registry()
    store_feed("death_cremation", [{"id_number": number, "death_date": dt.date(2026, 10, 3)}])
    store_feed("medical_settlement", [{"id_number": number, "discharge_date": dt.date(2026, 3, 1),
                                       "out_of_pocket": 12000.0}])
    comparison_run(region=Region.objects.get(code="430524"), as_of=AS_OF)
    death = Warning.objects.get(indicator=catalogue["death_cremation"])
    medical = Warning.objects.get(indicator=catalogue["med_oop_general"])
    kinds = dict(Event.objects.filter(subject_type="monitoring.warning").values_list("subject_id", "kind"))
    assert kinds == {str(death.pk): MonitoringEvent.DEATH_WARNING_RAISED,
                     str(medical.pk): MonitoringEvent.WARNING_RAISED}
    assert Event.objects.get(subject_type="monitoring.warning", subject_id=str(death.pk)).person_id == person.pk
    assert "jiuzhu.funds.services.hold_for_death_warning" in handlers_for(MonitoringEvent.DEATH_WARNING_RAISED)
    assert "jiuzhu.funds.services.lift_hold_for_rebuttal" in handlers_for(MonitoringEvent.WARNING_REBUTTED)
    assert handlers_for(MonitoringEvent.WARNING_RAISED) == ()


def test_an_open_warning_is_not_raised_again_on_new_evidence(catalogue, store_feed, person_in_registry, outsider):
    """New feed rows change a subject's evidence period (a new warning key): a registry person and a person
    outside the registry with a warning of the indicator still open are not warned again."""
    from jiuzhu.core.models import Region

    person, number = person_in_registry()
    stranger = outsider()
    store_feed("medical_settlement", [
        {"id_number": number, "discharge_date": dt.date(2026, 9, 1), "out_of_pocket": 12000.0},
        {"id_number": stranger, "name": "王小明", "region_code": "430524100200",
         "discharge_date": dt.date(2026, 9, 1), "out_of_pocket": 12000.0}])
    county = Region.objects.get(code="430524")
    comparison_run(region=county, as_of=AS_OF)
    first = set(Warning.objects.values_list("indicator__code", "person_id", "warning_key"))
    assert {("med_oop_general", person.pk), ("discover_medical", None)} <= {(c, p) for c, p, _k in first}
    store_feed("medical_settlement", [
        {"id_number": number, "discharge_date": dt.date(2026, 11, 1), "out_of_pocket": 500.0},
        {"id_number": stranger, "name": "王小明", "region_code": "430524100200",
         "discharge_date": dt.date(2026, 11, 1), "out_of_pocket": 500.0}])
    later = comparison_run(region=county, as_of=AS_OF + dt.timedelta(days=1))
    assert later.fired >= len(first)  # the rules fire again, on evidence ending 2026-11-01
    assert set(Warning.objects.values_list("indicator__code", "person_id", "warning_key")) == first


def test_a_household_deleted_mid_run_gets_no_warning(catalogue, store_feed, person_in_registry):
    """The warning table's keys carry no database constraint (the bulk-write foreign-key rule): the run itself
    drops, in its write transaction, the rows whose person or household was deleted after its snapshot."""
    from jiuzhu.core.models import Region
    from jiuzhu.registry.models import Household, HouseholdMembership, Person

    kept, kept_number = person_in_registry(seq=31, name="李秀英")
    gone, gone_number = person_in_registry(seq=32, name="王建国", born=dt.date(1970, 5, 6))
    store_feed("medical_settlement", [
        {"id_number": kept_number, "discharge_date": dt.date(2026, 3, 1), "out_of_pocket": 12000.0},
        {"id_number": gone_number, "discharge_date": dt.date(2026, 3, 1), "out_of_pocket": 12000.0},
    ])

    def delete_after_snapshot(done, total):
        if done == 7:  # the engine has evaluated the snapshot that still holds the household
            Household.objects.filter(pk=gone.household_id).update(head=None)
            HouseholdMembership.objects.filter(person=gone).delete()
            Person.objects.filter(pk=gone.pk).delete()
            Household.objects.filter(pk=gone.household_id).delete()

    run = comparison_run(region=Region.objects.get(code="430524"), as_of=AS_OF, progress=delete_after_snapshot)
    assert list(Warning.objects.values_list("person_id", flat=True)) == [kept.pk]
    assert run.counts == {"med_oop_general": 1}
    assert not Event.objects.filter(subject_type="monitoring.warning", person_id=gone.pk).exists()
