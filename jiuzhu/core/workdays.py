"""Working days on China's official calendar, for every deadline counted in 工作日 (warnings, referrals,
intake). chinese-calendar carries the State Council's yearly arrangement: holidays and the weekend days
made into working days (调休上班).

An administrator's override (`WorkdayOverride`, entered on core's 工作日调整 page through
`workday_override_set`) is consulted first: a year the library does not know yet (the arrangement is published
each November; 1.11 knows up to 2026) is entered day by day from the State Council's notice, and a local
correction wins over the library. Overrides are read once per year and kept in this process for
`CACHE_SECONDS`; a write clears this process's copy at once (and again on commit), other processes see it
within `CACHE_SECONDS`.

A year neither the library nor an override covers falls back to Monday–Friday without the fixed-date
statutory holidays (全国年节及纪念日放假办法: 元旦 1 月 1 日, 劳动节 5 月 1–2 日, 国庆节 10 月 1–3 日); lunar
holidays cannot be placed without the arrangement. `is_provisional` tells a caller that a deadline was counted
that way, so it can say so.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.permissions import Capability, require

_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
CACHE_SECONDS = 60.0
NOTE_MAX_LENGTH = 200

_lock = threading.Lock()
_cache: dict[int, tuple[float, dict[dt.date, bool]]] = {}  # year -> (loaded at, {day: is working day})


def clear_override_cache() -> None:
    with _lock:
        _cache.clear()


def _overrides(year: int) -> dict[dt.date, bool]:
    """The administrator's entries for `year` (one query per year per CACHE_SECONDS in this process)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(year)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    from jiuzhu.core.models import WorkdayOverride

    days = dict(WorkdayOverride.objects.filter(day__year=year).values_list("day", "is_working_day"))
    with _lock:
        _cache[year] = (now, days)
    return days


def _in_range(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_provisional(day: dt.date) -> bool:
    """True when `day` lies in a year whose official arrangement is known here neither from the library nor
    from an administrator's entries for that year."""
    return not _in_range(day) and not _overrides(day.year)


def is_working_day(day: dt.date) -> bool:
    override = _overrides(day.year).get(day)
    if override is not None:
        return override
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted); 0 gives `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def working_days_left(today: dt.date, due: dt.date) -> int:
    """Working days from `today` to the deadline `due`: positive before it, 0 on it, negative (working days
    late) after it."""
    if due >= today:
        return working_days_between(today, due)
    return -working_days_between(due, today)


def library_says(day: dt.date) -> bool | None:
    """What chinese-calendar alone says of `day` (None: a year it does not cover), for the override page."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


# ---- The administrator's override ------------------------------------------------------------------------

def workday_override_set(*, actor, day: dt.date | None, is_working_day: bool, note: str):
    """Enters (or replaces) one day of the official calendar: a holiday or a make-up working day. Administrators
    only (the calendar is national: every region's deadlines follow it). Audited and an event; this process's
    cache is cleared at once."""
    from jiuzhu.core.audit import audit_change
    from jiuzhu.core.events import CoreEvent, record_event
    from jiuzhu.core.models import WorkdayOverride

    require(actor, Capability.ADMINISTER)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise DomainError("请填写日期（YYYY-MM-DD）", code="validation_error", field="day")
    note = " ".join((note or "").split())
    if len(note) < 2:
        raise DomainError("请填写依据（如国务院办公厅放假通知的文号）", code="validation_error", field="note")
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(f"依据不能超过 {NOTE_MAX_LENGTH} 个字", code="validation_error", field="note")
    working = bool(is_working_day)
    with transaction.atomic():
        row = WorkdayOverride.objects.select_for_update().filter(day=day).first()
        before = None if row is None else {"is_working_day": row.is_working_day, "note": row.note}
        if row is None:
            row = WorkdayOverride(day=day)
        row.is_working_day, row.note, row.set_by = working, note, actor
        row.set_at = timezone.now()
        row.save()
        audit_change("create" if before is None else "update", actor, row,
                     changes={"day": day.isoformat(), "is_working_day": working, "note": note, "before": before})
        record_event(kind=CoreEvent.WORKDAY_OVERRIDE_SET, subject=row, actor=actor,
                     summary=f"{day:%Y-%m-%d} 设为{'工作日（上班）' if working else '休息日（放假）'}：{note}"[:300],
                     payload={"day": day.isoformat(), "is_working_day": working})
        transaction.on_commit(clear_override_cache)
    clear_override_cache()
    return row


def workday_override_delete(*, actor, day: dt.date) -> bool:
    """Removes an entry: the day follows the library (or the weekday rule) again."""
    from jiuzhu.core.audit import audit_change
    from jiuzhu.core.events import CoreEvent, record_event
    from jiuzhu.core.models import WorkdayOverride

    require(actor, Capability.ADMINISTER)
    with transaction.atomic():
        row = WorkdayOverride.objects.select_for_update().filter(day=day).first()
        if row is None:
            raise DomainError("该日期没有调整记录", code="not_found", field="day")
        audit_change("delete", actor, row, changes={"day": day.isoformat(), "is_working_day": row.is_working_day,
                                                    "note": row.note})
        record_event(kind=CoreEvent.WORKDAY_OVERRIDE_SET, subject=row, actor=actor,
                     summary=f"{day:%Y-%m-%d} 的调整已删除，恢复按国家日历计算",
                     payload={"day": day.isoformat(), "deleted": True})
        row.delete()
        transaction.on_commit(clear_override_cache)
    clear_override_cache()
    return True
