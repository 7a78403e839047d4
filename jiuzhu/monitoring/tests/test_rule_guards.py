"""Guards of the rules part: who may change rules and start runs, jurisdiction, saved versions never edited,
and the scheduled runs."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditLog, Event, Region
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.indicators import indicator_version_create
from jiuzhu.monitoring.models import ComparisonRun, IndicatorVersion, Warning
from jiuzhu.monitoring.runs import comparison_run_start, dry_run, scheduled_runs
from jiuzhu.monitoring.tests.test_rules_sql import GOOD

pytestmark = pytest.mark.django_db


def tomorrow():
    """Worked out when asked: a module constant goes stale when a run crosses local midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


def test_only_an_administrator_of_the_region_changes_a_rule(catalogue, persona):
    indicator = catalogue["med_oop_general"]
    county_a, county_b = Region.objects.get(code="430524"), Region.objects.get(code="430525")
    with pytest.raises(PermissionDenied):
        indicator_version_create(actor=persona("longhui_officer"), indicator=indicator, region=county_a,
                                 valid_from=tomorrow(), rule=GOOD)
    with pytest.raises(DomainError) as outside:
        indicator_version_create(actor=persona("longhui_admin"), indicator=indicator, region=county_b,
                                 valid_from=tomorrow(), rule=GOOD)
    assert outside.value.code == "out_of_scope"
    version = indicator_version_create(actor=persona("longhui_admin"), indicator=indicator, region=county_a,
                                       valid_from=tomorrow(), rule=GOOD, note="试行")
    assert AuditLog.objects.filter(object_id=str(version.pk)).exists()
    assert Event.objects.filter(kind=MonitoringEvent.INDICATOR_CHANGED, subject_id=str(version.pk)).exists()
    with pytest.raises(DomainError) as twice:  # a saved version is never edited: another date is needed
        indicator_version_create(actor=persona("longhui_admin"), indicator=indicator, region=county_a,
                                 valid_from=tomorrow(), rule={**GOOD, "threshold": 1})
    assert twice.value.field == "valid_from"
    assert IndicatorVersion.objects.get(pk=version.pk).rule["threshold"] == 6000


def test_an_invalid_rule_is_not_saved(catalogue, persona):
    before = IndicatorVersion.objects.count()
    with pytest.raises(DomainError) as caught:
        indicator_version_create(actor=persona("longhui_admin"), indicator=catalogue["med_oop_general"],
                                 region=Region.objects.get(code="430524"), valid_from=tomorrow(),
                                 rule={**GOOD, "deadline_days": "三天"})
    assert caught.value.field == "deadline_days" and "办理时限（工作日）" in caught.value.message
    assert IndicatorVersion.objects.count() == before


def test_dry_run_is_the_administrators_and_writes_nothing(catalogue, persona, media, store_feed,
                                                           person_in_registry):
    _person, number = person_in_registry()
    store_feed("medical_settlement", [{"id_number": number, "discharge_date": dt.date(2026, 11, 1),
                                       "out_of_pocket": 7000.0}])
    county = Region.objects.get(code="430524")
    with pytest.raises(PermissionDenied):
        dry_run(actor=persona("longhui_officer"), version_rule=GOOD, indicator=None, region=county,
                as_of=dt.date(2026, 11, 30))
    rule = {**GOOD, "population": "registry"}
    counts = dry_run(actor=persona("longhui_admin"), version_rule=rule, indicator=catalogue["med_oop_general"],
                     region=county, as_of=dt.date(2026, 11, 30))
    assert counts["fired"] == 1 and counts["new"] == 1
    assert not Warning.objects.exists() and not ComparisonRun.objects.exists()


def test_runs_are_started_by_warning_handlers_of_the_region(catalogue, persona):
    county_a, county_b = Region.objects.get(code="430524"), Region.objects.get(code="430525")
    with pytest.raises(PermissionDenied):
        comparison_run_start(actor=persona("longhui_clerk"), region=county_a, as_of=timezone.localdate())
    with pytest.raises(PermissionDenied):
        comparison_run_start(actor=persona("longhui_admin"), region=county_a, as_of=timezone.localdate())
    with pytest.raises(DomainError):
        comparison_run_start(actor=persona("longhui_officer"), region=county_b, as_of=timezone.localdate())
    with pytest.raises(DomainError) as future:
        comparison_run_start(actor=persona("longhui_officer"), region=county_a, as_of=tomorrow())
    assert future.value.field == "as_of"


def test_scheduled_runs_cover_each_county_with_new_batches_once(catalogue, store_feed, person_in_registry):
    _person, number = person_in_registry()
    store_feed("death_cremation", [{"id_number": number, "death_date": timezone.localdate() - dt.timedelta(days=3)}])
    assert scheduled_runs() == 1
    run = ComparisonRun.objects.get()
    assert run.region.code == "430524" and run.started_by is None and run.counts == {"death_cremation": 1}
    assert scheduled_runs() == 0  # nothing new since
    assert Warning.objects.count() == 1
