"""The one settings page for every app's region settings (core/region_settings.py): what is in force for
a region of the user's jurisdiction on a date, each setting's history, and for administrators a form
to add a version. Rules live in region_settings; these handlers only read the request and render."""

import datetime as dt
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import IsoDateField
from jiuzhu.core.region_settings import (
    NOTE_MAX_LENGTH,
    SettingDefinition,
    may_change_settings,
    region_setting_set,
    setting_definitions,
    setting_history,
    settings_for_region,
    settings_region,
)
from jiuzhu.core.selectors import regions_in_scope

SETTING_LEVELS = ("province", "city", "county")  # where standards are usually set; the chosen region is added


class SettingVersionForm(forms.Form):
    key = forms.ChoiceField(label="参数", error_messages={"required": "请选择参数", "invalid_choice": "请选择参数"})
    value = forms.CharField(label="数值", required=False, max_length=200,
                            error_messages={"max_length": "数值不能超过 200 个字"})
    effective_from = IsoDateField(label="生效日期",
                                  error_messages={"required": "请填写生效日期",
                                                  "invalid": "生效日期格式应为 YYYY-MM-DD"})
    note = forms.CharField(label="依据（文号）", required=False, max_length=NOTE_MAX_LENGTH,
                           error_messages={"max_length": f"依据不能超过 {NOTE_MAX_LENGTH} 个字"})

    def __init__(self, *args, definitions: list[SettingDefinition], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(d.key, f"{d.label}（{d.unit}）" if d.unit else d.label) for d in definitions]


def _on(value: str | None) -> dt.date:
    try:
        return parse_date(value or "") or dt.date.today()
    except ValueError:
        return dt.date.today()


def _region_choices(actor, region) -> list:
    choices = list(regions_in_scope(actor=actor).filter(level__in=SETTING_LEVELS).order_by("path")[:200])
    return choices if region in choices else [region, *choices]


def _add_version(request, region, definitions: list[SettingDefinition], key: str | None = None):
    """Handles the add-a-version form; returns (form, redirect or None). The service refuses anyone but an
    administrator of the region (403)."""
    data = request.POST.copy()
    if key is not None:
        data["key"] = key
    form = SettingVersionForm(data, definitions=definitions)
    if not form.is_valid():
        return form, None
    definition = setting_definitions()[form.cleaned_data["key"]]
    value = ({row: request.POST.getlist(row) for row, _ in definition.rows} if definition.is_matrix
             else form.cleaned_data["value"])
    effective_from = form.cleaned_data["effective_from"]
    try:
        region_setting_set(actor=request.user, key=definition.key, region=region, effective_from=effective_from,
                           value=value, note=form.cleaned_data["note"])
    except DomainError as exc:
        field = (exc.field or "").split(".")[0]
        form.add_error(field if field in form.fields else None, exc.message)
        return form, None
    messages.success(request, f"已新增“{definition.label}”的版本，自 {effective_from:%Y-%m-%d} 起在{region.name}执行"
                              "（历史版本保持不变）")
    return form, redirect(f"{request.path}?region={region.code}")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Every defined setting in force for the chosen region; administrators add versions here."""
    region = settings_region(actor=request.user, code=request.GET.get("region") or request.POST.get("region"))
    on = _on(request.GET.get("on"))
    scalar = [d for d in setting_definitions().values() if not d.is_matrix]
    form, status = None, 200
    if request.method == "POST":
        form, done = _add_version(request, region, scalar)
        if done is not None:
            return done
        status = 400
    may_edit = may_change_settings(request.user)
    if may_edit and form is None:
        form = SettingVersionForm(definitions=scalar)
    items = settings_for_region(actor=request.user, region=region, on=on)
    groups = [(group, list(rows)) for group, rows in groupby(items, key=lambda item: item.definition.group)]
    return render(request, "core/settings.html", {
        "region": region, "on": on, "groups": groups, "form": form, "may_edit": may_edit,
        "history": setting_history(actor=request.user, region=region, limit=200),
        "regions": _region_choices(request.user, region),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def setting_detail(request, key: str):
    """One setting: in force, its history for the region, and (administrators) a new version; a matrix
    setting is edited as a grid of checkboxes named by row."""
    definition = setting_definitions().get(key)
    if definition is None:
        raise Http404("没有这个参数")
    region = settings_region(actor=request.user, code=request.GET.get("region") or request.POST.get("region"))
    on = _on(request.GET.get("on"))
    form, status = None, 200
    if request.method == "POST":
        form, done = _add_version(request, region, [definition], key=key)
        if done is not None:
            return done
        status = 400
    may_edit = may_change_settings(request.user)
    if may_edit and form is None:
        form = SettingVersionForm(initial={"key": key}, definitions=[definition])
    item = next(i for i in settings_for_region(actor=request.user, region=region, on=on) if i.definition.key == key)
    grid = []
    if definition.is_matrix:
        chosen = ({row: request.POST.getlist(row) for row, _ in definition.rows} if request.method == "POST"
                  else (item.value or {}))
        grid = [{"row": row, "label": label,
                 "cells": [{"column": column, "label": column_label, "on": column in chosen.get(row, [])}
                           for column, column_label in definition.columns]}
                for row, label in definition.rows]
    return render(request, "core/settings_detail.html", {
        "definition": definition, "item": item, "region": region, "on": on, "grid": grid, "form": form,
        "may_edit": may_edit, "history": setting_history(actor=request.user, region=region, key=key),
        "regions": _region_choices(request.user, region),
        "list_url": f"{reverse('core:settings')}?region={region.code}",
    }, status=status)
