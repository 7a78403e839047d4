"""工作日调整: the administrator's page for the official calendar's overrides (core/workdays.py). It lists the
entries of a year beside what chinese-calendar says of each day, adds or replaces one day, and removes one.
Rules live in workdays.py; this handler only reads the request and renders."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import IsoDateField
from jiuzhu.core.models import WorkdayOverride
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.workdays import (
    NOTE_MAX_LENGTH,
    is_provisional,
    library_says,
    workday_override_delete,
    workday_override_set,
)

KINDS = [("rest", "休息日（放假）"), ("work", "工作日（调休上班）")]


class WorkdayOverrideForm(forms.Form):
    day = IsoDateField(label="日期",
                       error_messages={"required": "请填写日期", "invalid": "日期格式应为 YYYY-MM-DD"})
    kind = forms.ChoiceField(label="当天", choices=KINDS,
                             error_messages={"required": "请选择当天是工作日还是休息日",
                                             "invalid_choice": "请选择当天是工作日还是休息日"})
    note = forms.CharField(label="依据（放假通知文号）", max_length=NOTE_MAX_LENGTH,
                           error_messages={"required": "请填写依据（如国务院办公厅放假通知的文号）",
                                           "max_length": f"依据不能超过 {NOTE_MAX_LENGTH} 个字"})


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return dt.date.today().year
    return year if 2000 <= year <= 2100 else dt.date.today().year


@login_required
@require_http_methods(["GET", "POST"])
def workday_overrides(request):
    require(request.user, Capability.ADMINISTER)
    year = _year(request.GET.get("year") or request.POST.get("year"))
    form, status = WorkdayOverrideForm(initial={"kind": "rest"}), 200
    if request.method == "POST":
        form = WorkdayOverrideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = workday_override_set(actor=request.user, day=data["day"], is_working_day=data["kind"] == "work",
                                           note=data["note"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"已设定：{row.day:%Y-%m-%d} 为"
                                          f"{'工作日（调休上班）' if row.is_working_day else '休息日（放假）'}，"
                                          "此后计算的办理期限按此执行")
                return redirect(f"{reverse('core:workdays')}?year={row.day.year}")
        status = 400
    rows = [{"row": r, "library": library_says(r.day)}
            for r in WorkdayOverride.objects.filter(day__year=year).select_related("set_by")]
    return render(request, "core/workdays.html", {
        "form": form, "rows": rows, "year": year, "years": [year - 1, year, year + 1],
        "provisional": is_provisional(dt.date(year, 12, 31)) and not rows,
    }, status=status)


@login_required
@require_POST
def workday_override_remove(request):
    require(request.user, Capability.ADMINISTER)
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
        workday_override_delete(actor=request.user, day=day)
    except ValueError:
        messages.error(request, "日期格式应为 YYYY-MM-DD")
        return redirect("core:workdays")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("core:workdays")
    messages.success(request, f"已删除 {day:%Y-%m-%d} 的调整，恢复按国家日历计算")
    return redirect(f"{reverse('core:workdays')}?year={day.year}")
