from jiuzhu.core import events
from jiuzhu.core.events import deliver, record_event
from jiuzhu.core.models import Event, EventDelivery, Region

CALLS = []


def remember(event):
    CALLS.append(event.pk)


def test_handlers_run_once_per_event_even_when_delivered_twice(world, monkeypatch, django_capture_on_commit_callbacks):
    CALLS.clear()
    monkeypatch.setattr(events, "_handler_table", lambda: {"test.happened": (f"{__name__}.remember",)})
    region = Region.objects.get(code="430524")
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(kind="test.happened", subject=region, summary="测试事件", region=region)
    assert CALLS == [event.pk]  # delivered after commit by the task
    assert deliver(event) == 0  # redelivery is a no-op
    assert CALLS == [event.pk]
    assert EventDelivery.objects.filter(event=event).count() == 1


def test_events_without_handlers_are_just_rows(world):
    region = Region.objects.get(code="430525")
    event = record_event(kind="test.unheard", subject=region, household_id=7, summary="无人订阅")
    assert Event.objects.filter(household_id=7).get() == event
