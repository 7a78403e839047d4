import datetime as dt

import pytest

from jiuzhu.core.workdays import add_working_days, is_provisional, is_working_day, working_days_between

# The administrator's overrides (WorkdayOverride) are read from the database before the library.
pytestmark = pytest.mark.django_db
D = dt.date


def test_national_day_week_and_make_up_working_day():
    # 2026: 10月1日–7日 off, Saturday 10月10日 a make-up working day (调休上班), Sunday 9月27日 too? no: off
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert is_working_day(D(2026, 10, 10)) is True
    assert is_working_day(D(2026, 10, 1)) is False


def test_weekend_skipped_and_zero_days():
    assert add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday → Monday
    assert add_working_days(D(2026, 12, 4), 0) == D(2026, 12, 4)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 12, 4), -1)


def test_between_counts_working_days_after_start():
    assert working_days_between(D(2026, 12, 4), D(2026, 12, 7)) == 1
    assert working_days_between(D(2026, 12, 7), D(2026, 12, 4)) == 0
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_year_without_arrangement_falls_back_to_weekdays_and_fixed_holidays():
    assert is_provisional(D(2027, 1, 4)) is True
    assert is_provisional(D(2026, 12, 31)) is False
    assert is_working_day(D(2027, 1, 1)) is False  # 元旦
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)  # 1 Jan holiday, then the weekend
    assert is_working_day(D(2027, 10, 4)) is True  # only 1–3 October are fixed; the rest needs the arrangement
