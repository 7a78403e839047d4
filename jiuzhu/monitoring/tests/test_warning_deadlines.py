"""Deadlines in working days on China's official calendar, and the overdue sweep (owner and level above)."""

import datetime as dt

import pytest

from jiuzhu.core.models import Event
from jiuzhu.core.worklist import work_items
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import Warning, WarningStatus
from jiuzhu.monitoring.tasks import PERIODIC
from jiuzhu.monitoring.warning_selectors import deadline_text


@pytest.mark.parametrize(("start", "days", "due"), [
    (dt.date(2025, 11, 14), 1, dt.date(2025, 11, 17)),  # Friday + 1: over the weekend to Monday
    (dt.date(2025, 11, 14), 5, dt.date(2025, 11, 21)),
    (dt.date(2025, 9, 30), 1, dt.date(2025, 10, 9)),  # National Day and Mid-Autumn holidays 1–8 Oct
    (dt.date(2025, 9, 26), 1, dt.date(2025, 9, 28)),  # Sunday 28 Sep is a make-up working day
    (dt.date(2025, 10, 9), 2, dt.date(2025, 10, 11)),  # so is Saturday 11 Oct
    (dt.date(2026, 2, 13), 1, dt.date(2026, 2, 14)),  # Saturday 14 Feb 2026: make-up day before Spring Festival
    (dt.date(2025, 12, 31), 1, dt.date(2026, 1, 4)),  # New Year 1–3 Jan 2026, Sunday 4 Jan a make-up day
])
@pytest.mark.django_db  # the administrator's working-day overrides are read first (core/workdays.py)
def test_due_dates_in_working_days(start, days, due):
    assert services.due_date_for(start, days) == (due, False)


@pytest.mark.django_db
def test_a_year_not_yet_published_is_provisional_and_said_so():
    due, provisional = services.due_date_for(dt.date(2099, 3, 6), 1)  # a Friday
    assert (due, provisional) == (dt.date(2099, 3, 9), True)
    assert "暂按周末推算" in deadline_text(due)
    assert "暂按" not in deadline_text(dt.date(2025, 10, 9))


def test_overdue_sweep_marks_once_and_tells_owner_and_level_above(make_warning, dibao_household, persona):
    today = dt.date(2026, 9, 1)
    late = make_warning(household=dibao_household, due_date=dt.date(2026, 8, 31))
    due_today = make_warning(household=dibao_household, due_date=today)
    closed = make_warning(household=dibao_household, due_date=dt.date(2026, 8, 1), status=WarningStatus.CLOSED)
    no_deadline = make_warning(household=dibao_household)
    Warning.objects.filter(pk=no_deadline.pk).update(due_date=None)
    assert services.overdue_sweep(today=today) == 1
    assert services.overdue_sweep(today=today) == 0  # idempotent
    marked = set(Warning.objects.filter(overdue=True).values_list("pk", flat=True))
    assert marked == {late.pk}
    events = Event.objects.filter(kind=MonitoringEvent.WARNING_OVERDUE)
    assert events.count() == 1
    event = events.get()
    assert (event.subject_id, event.household_id, event.person_id) == (
        str(late.pk), dibao_household.pk, dibao_household.head_id)
    assert "超期" in event.summary and "2026-08-31" in event.summary
    assert due_today.pk not in marked and closed.pk not in marked
    # the owner (township) and the level above (county) each get a work-list line
    owner = {wi.label: wi for wi in work_items(persona("longhui_window"))}
    above = {wi.label: wi for wi in work_items(persona("longhui_officer"))}
    assert owner["超期未办结的预警"].count == 1 and owner["超期未办结的预警"].urgency == "due"
    assert above["下级超期未办结的预警（督办）"].count == 1
    other = {wi.label: wi for wi in work_items(persona("dongkou_officer"))}
    assert other["下级超期未办结的预警（督办）"].count == 0


def test_sweep_is_a_periodic_job(db):
    from django.utils.module_loading import import_string

    path = "jiuzhu.monitoring.warning_tasks.warning_overdue_sweep"
    assert path in [p for p, _ in PERIODIC]
    assert import_string(path).call() == 0
