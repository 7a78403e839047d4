"""The one helper for dates typed in forms (core/errors.clean_date)."""

import datetime as dt

import pytest

from jiuzhu.core.errors import DomainError, clean_date, clean_time


@pytest.mark.parametrize("typed", ["2026-03-07", "2026/3/7", "2026年3月7日", "2026.03.07", " 2026-3-7 "])
def test_clean_date_accepts_how_people_write_dates(typed):
    assert clean_date(typed, "走失日期", "missing_date") == dt.date(2026, 3, 7)


def test_clean_date_empty_is_none_unless_required():
    assert clean_date("", "走失日期", "missing_date") is None
    assert clean_date(None, "走失日期", "missing_date") is None
    with pytest.raises(DomainError) as exc:
        clean_date(" ", "发现日期", "found_on", required=True)
    assert exc.value.message == "请填写发现日期" and exc.value.field == "found_on"


@pytest.mark.parametrize("typed", ["三月七日", "2026-02-30", "x" * 500])
def test_clean_date_error_names_the_field_in_chinese(typed):
    with pytest.raises(DomainError) as exc:
        clean_date(typed, "走失日期", "missing_date")
    assert exc.value.message.startswith("走失日期") and exc.value.field == "missing_date"
    assert exc.value.code == "validation_error" and len(exc.value.message) < 60


@pytest.mark.parametrize("typed", ["14:30", "14:30:00", "14时30分", "14点30", "14：30"])
def test_clean_time_accepts_how_people_write_times(typed):
    assert clean_time(typed, "走失时间", "missing_time") == dt.time(14, 30)


def test_clean_time_empty_is_none_and_nonsense_names_the_field():
    assert clean_time("", "走失时间", "missing_time") is None and clean_time("8点", "走失时间", "t") == dt.time(8)
    for typed in ("25:00", "下午", "14:30:00:00", "1" * 300):
        with pytest.raises(DomainError) as exc:
            clean_time(typed, "走失时间", "missing_time")
        assert exc.value.message == "走失时间格式应为 时:分，如 14:30" and exc.value.field == "missing_time"


# ---- The one date field and widget of every form (core/forms.py) -----------------------------------------------

def _dated_form(data=None, **kwargs):
    from django import forms

    from jiuzhu.core.forms import IsoDateField

    class DatedForm(forms.Form):
        on = IsoDateField(label="生效日期", required=False)
        note = forms.CharField(label="依据", max_length=4)

    return DatedForm(data, **kwargs)


@pytest.mark.parametrize("typed", ["2026-03-07", "2026/3/7", "2026年3月7日", "2026.03.07", "20260307"])
def test_the_date_field_reads_what_clean_date_reads_and_a_refused_form_shows_it_in_iso(typed):
    form = _dated_form({"on": typed, "note": "太长的依据文号"})  # refused for the other field
    assert not form.is_valid() and form.cleaned_data["on"] == dt.date(2026, 3, 7) and "on" not in form.errors
    assert 'type="date" name="on" value="2026-03-07"' in str(form["on"])  # an <input type=date> reads only this


def test_a_date_from_initial_is_shown_in_iso_not_in_the_locale_format():
    assert 'value="2026-03-07"' in str(_dated_form(initial={"on": dt.date(2026, 3, 7)})["on"])  # not 2026/03/07


def test_a_date_that_cannot_be_read_is_refused_in_chinese_and_shown_as_typed():
    form = _dated_form({"on": "三月七日", "note": "文号"})
    assert form.errors["on"] == ["日期格式应为 年-月-日，如 2026-03-07"] and 'value="三月七日"' in str(form["on"])
    assert _dated_form({"on": "2026-02-30", "note": "文号"}).errors["on"] == ["日期格式应为 年-月-日，如 2026-03-07"]
    empty = _dated_form({"on": "", "note": "文号"})
    assert empty.is_valid() and empty.cleaned_data["on"] is None
