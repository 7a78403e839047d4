import datetime as dt
import pathlib

import pytest
from django.utils import timezone

from jiuzhu.core import events
from jiuzhu.core.events import (
    EventRow,
    deliver,
    handler_table,
    record_event,
    record_events,
    record_events_by_query,
)
from jiuzhu.core.models import Event, EventDelivery, Region
from jiuzhu.core.tasks import PERIODIC, deliver_pending_events

CALLS = []
SECOND = []
KIND = "test.happened"


def remember(event):
    CALLS.append(event.pk)


def remember_too(event):
    SECOND.append(event.pk)


def explode(event):
    raise RuntimeError(f"handler broke on {event.pk}")


@pytest.fixture
def calls():
    CALLS.clear()
    SECOND.clear()
    with handler_table({KIND: [f"{__name__}.remember"]}):
        yield CALLS


def sweep() -> dict:
    result = deliver_pending_events.enqueue()
    assert result.status == "SUCCESSFUL", result.errors
    return result.return_value


def test_handlers_run_once_per_event_even_when_delivered_twice(world, calls, django_capture_on_commit_callbacks):
    region = Region.objects.get(code="430524")
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(kind=KIND, subject=region, summary="测试事件", region=region)
    assert calls == [event.pk]  # delivered after commit by the task
    assert deliver(event) == 0  # redelivery is a no-op
    assert calls == [event.pk]
    assert EventDelivery.objects.filter(event=event).count() == 1


def test_events_without_handlers_are_just_rows(world, django_capture_on_commit_callbacks):
    region = Region.objects.get(code="430525")
    with django_capture_on_commit_callbacks() as callbacks:
        event = record_event(kind="test.unheard", subject=region, household_id=7, summary="无人订阅")
    assert Event.objects.filter(household_id=7).get() == event
    assert callbacks == []  # nothing to schedule


def test_handler_table_override_is_undone_after_the_block():
    with handler_table({KIND: ["a.b"]}):
        with handler_table({}):
            assert events.handlers_for(KIND) == ()
        assert events.handlers_for(KIND) == ("a.b",)
    assert events.handlers_for(KIND) == events._handler_table().get(KIND, ())


@pytest.mark.parametrize("orm_rows", [1000, 2], ids=["bulk_create", "executemany"])
def test_record_events_writes_the_set_and_schedules_one_task(world, persona, calls, monkeypatch, orm_rows,
                                                             django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "ORM_ROWS", orm_rows)
    officer = persona("longhui_officer")
    county = Region.objects.get(code="430524")
    rows = [EventRow(subject_id=900 + i, person_id=i, household_id=800 + i, region_id=county.pk,
                     summary=f"第{i}户", payload={"n": i}) for i in range(3)]
    when = timezone.now() - dt.timedelta(days=3)  # the time the caller gives, not the time of writing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert record_events(kind=KIND, subject_model=Region, rows=[], actor=officer) == 0
        assert record_events(kind=KIND, subject_model=Region, rows=rows, actor=officer, occurred_at=when) == 3
    assert len(callbacks) == 1  # one enqueue for the set, not one per event (and none for an empty set)
    written = list(Event.objects.filter(kind=KIND).order_by("pk").values_list(
        "subject_type", "subject_id", "person_id", "household_id", "region_id", "actor_id", "organization_id",
        "summary", "payload", "occurred_at"))
    assert written == [("core.region", str(900 + i), i, 800 + i, county.pk, officer.pk, officer.organization_id,
                        f"第{i}户", {"n": i}, when) for i in range(3)]
    assert calls == list(Event.objects.filter(kind=KIND).order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("orm_rows", [1000, 2], ids=["bulk_create", "executemany"])
def test_record_events_schedules_exactly_the_new_rows(world, calls, monkeypatch, orm_rows):
    # The delivery task gets the id range of this set only, not every earlier event of the kind.
    monkeypatch.setattr(events, "ORM_ROWS", orm_rows)
    county = Region.objects.get(code="430524")
    record_event(kind=KIND, subject=county, summary="更早的一条")
    scheduled = []
    monkeypatch.setattr(events, "_schedule", lambda kind, first, last: scheduled.append((kind, first, last)))
    rows = [EventRow(subject_id=i, region_id=county.pk) for i in range(3)]
    record_events(kind=KIND, subject_model=Region, rows=rows)
    ids = list(Event.objects.filter(kind=KIND, subject_type="core.region").order_by("pk").values_list("pk", flat=True))
    assert scheduled == [(KIND, ids[-3], ids[-1])] and ids[0] < ids[-3]


@pytest.mark.parametrize("orm_rows", [1000, 2], ids=["bulk_create", "executemany"])
def test_record_events_refuses_a_set_naming_a_region_that_does_not_exist(world, monkeypatch, orm_rows):
    # Event.region has no database constraint (bulk-write rule): the set's regions are checked in one query.
    monkeypatch.setattr(events, "ORM_ROWS", orm_rows)
    county = Region.objects.get(code="430524")
    gone = Region.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    rows = [EventRow(subject_id=i, region_id=county.pk) for i in range(3)] + [EventRow(subject_id=9, region_id=gone)]
    with pytest.raises(ValueError, match="no such region"):
        record_events(kind="test.unheard", subject_model=Region, rows=rows)
    assert not Event.objects.filter(kind="test.unheard").exists()


def test_a_region_named_by_an_event_cannot_be_deleted_through_the_orm(world):
    from django.db.models import ProtectedError

    county = Region.objects.get(code="430524")
    region = Region.objects.create(code="430524999999", name="测试村", full_name="测试村", level="village",
                                   parent=county, path=f"{county.path}430524999999/")
    record_events(kind="test.unheard", subject_model=Region, rows=[EventRow(subject_id=1, region_id=region.pk)])
    with pytest.raises(ProtectedError):
        region.delete()


def test_record_events_of_an_unhandled_kind_schedule_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        record_events(kind="test.unheard", subject_model=Region, rows=[EventRow(subject_id=1)])
    assert callbacks == []
    assert Event.objects.filter(kind="test.unheard").count() == 1


def test_record_events_by_query_lets_the_database_make_the_rows(world, persona, calls,
                                                                 django_capture_on_commit_callbacks):
    officer = persona("longhui_officer")
    sql = ("SELECT CAST(r.id AS TEXT), NULL, NULL, r.id, CURRENT_TIMESTAMP, '区划 ' || r.code, '{}' "
           "FROM core_region r WHERE r.code IN (%s, %s)")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        written = record_events_by_query(kind=KIND, subject_model=Region, actor=officer,
                                         queries=[(sql, ["430524", "430525"]), (sql, ["430000", "430000"])])
    assert written == 3 and len(callbacks) == 1
    assert sorted(Event.objects.filter(kind=KIND).values_list("summary", "actor_id", "payload")) == [
        ("区划 430000", officer.pk, {}), ("区划 430524", officer.pk, {}), ("区划 430525", officer.pk, {})]
    assert sorted(calls) == sorted(Event.objects.filter(kind=KIND).values_list("pk", flat=True))


def test_the_sweep_delivers_an_event_whose_enqueue_was_lost_exactly_once(world, calls,
                                                                         django_capture_on_commit_callbacks):
    region = Region.objects.get(code="430524")
    # The transaction commits, then the process dies before its on-commit enqueue runs.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = record_event(kind=KIND, subject=region, summary="提交后进程终止")
    assert len(callbacks) == 1 and calls == []
    assert sweep() == {"events": 1, "handlers_run": 1, "failed": 0}
    assert calls == [event.pk]
    assert sweep() == {"events": 0, "handlers_run": 0, "failed": 0}
    assert calls == [event.pk]


def test_the_sweep_delivers_a_set_whose_enqueue_failed(world, calls, monkeypatch, django_capture_on_commit_callbacks):
    class Unreachable:
        def enqueue(self, **kwargs):
            raise ConnectionError("task queue unreachable")

    monkeypatch.setattr(events, "deliver_events", Unreachable())
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True):
        record_events(kind=KIND, subject_model=Region, rows=[EventRow(subject_id=i) for i in range(4)])
    assert calls == []
    assert sweep() == {"events": 4, "handlers_run": 4, "failed": 0}
    assert sweep() == {"events": 0, "handlers_run": 0, "failed": 0}
    assert sorted(calls) == sorted(Event.objects.filter(kind=KIND).values_list("pk", flat=True))


def test_the_sweep_runs_only_the_handlers_still_missing(world, django_capture_on_commit_callbacks):
    CALLS.clear()
    SECOND.clear()
    region = Region.objects.get(code="430524")
    with handler_table({KIND: [f"{__name__}.remember"]}), django_capture_on_commit_callbacks(execute=True):
        event = record_event(kind=KIND, subject=region)
        record_event(kind="test.unheard", subject=region)
    with handler_table({KIND: [f"{__name__}.remember", f"{__name__}.remember_too"]}):
        assert sweep() == {"events": 1, "handlers_run": 1, "failed": 0}
        assert sweep() == {"events": 0, "handlers_run": 0, "failed": 0}
    assert (CALLS, SECOND) == ([event.pk], [event.pk])


def test_the_sweep_is_bounded_and_oldest_first(world, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        record_events(kind=KIND, subject_model=Region, rows=[EventRow(subject_id=i) for i in range(5)])
    ids = list(Event.objects.filter(kind=KIND).order_by("pk").values_list("pk", flat=True))
    assert deliver_pending_events.call(limit=2) == {"events": 2, "handlers_run": 2, "failed": 0}
    assert calls == ids[:2]
    assert deliver_pending_events.call(limit=10) == {"events": 3, "handlers_run": 3, "failed": 0}
    assert calls == ids


def test_a_failing_handler_neither_stops_the_others_nor_counts_as_delivered(world,
                                                                             django_capture_on_commit_callbacks):
    CALLS.clear()
    region = Region.objects.get(code="430524")
    table = {KIND: [f"{__name__}.explode", f"{__name__}.remember"]}
    with handler_table(table), django_capture_on_commit_callbacks(execute=False):
        event = record_event(kind=KIND, subject=region)
    with handler_table(table):
        assert sweep() == {"events": 1, "handlers_run": 1, "failed": 1}
        assert CALLS == [event.pk]
        assert list(EventDelivery.objects.filter(event=event).values_list("handler", flat=True)) == [
            f"{__name__}.remember"]
        assert sweep() == {"events": 1, "handlers_run": 0, "failed": 1}  # retried, still broken, never doubled
    assert CALLS == [event.pk]


def test_the_sweep_runs_every_minute():
    assert ("jiuzhu.core.tasks.deliver_pending_events", 60) in PERIODIC


def test_no_app_writes_event_rows_by_hand_or_builds_kinds_from_strings():
    """ARCHITECTURE.md: handlers never fire for a raw INSERT INTO core_event, and grep cannot find an
    f-string kind. Only core/events.py writes the table."""
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or (path.name == "events.py" and path.parent.name == "core"):
            continue
        text = path.read_text(encoding="utf-8")
        if "INSERT INTO core_event" in text or 'kind=f"' in text or "kind=f'" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
