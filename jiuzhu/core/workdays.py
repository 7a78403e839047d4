"""Working days on China's official calendar, for every deadline counted in 工作日 (warnings, referrals,
intake). chinese-calendar carries the State Council's yearly arrangement: holidays and the weekend days
made into working days (调休上班).

A year the library does not know yet (the arrangement is published each November; 1.11 knows up to 2026)
falls back to Monday–Friday without the fixed-date statutory holidays (全国年节及纪念日放假办法: 元旦 1 月 1 日,
劳动节 5 月 1–2 日, 国庆节 10 月 1–3 日); lunar holidays cannot be placed without the arrangement.
`is_provisional` tells a caller that a deadline was counted that way, so it can say so.
"""

import datetime as dt

import chinese_calendar

_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


def _in_range(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_provisional(day: dt.date) -> bool:
    """True when `day` lies in a year whose official arrangement is not known here."""
    return not _in_range(day)


def is_working_day(day: dt.date) -> bool:
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
