"""Pages of the rules part: the indicator catalogue by class, an indicator's rule with its version history and
the rule builder (a new effective-dated version, or a new indicator) with its dry run, and comparison runs
(the list, starting one by hand; progress on the task-run page). Rules live in indicators.py, rules_sql.py
and runs.py; these handlers read the request and render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.monitoring.indicators import (
    catalogue,
    indicator_create,
    indicator_version_create,
    may_read_rules,
    version_history,
    versions_in_force,
)
from jiuzhu.monitoring.models import Indicator
from jiuzhu.monitoring.rule_forms import IndicatorForm, RuleForm, field_choices
from jiuzhu.monitoring.rules_sources import SOURCES
from jiuzhu.monitoring.rules_sql import FIELD_LABELS, describe
from jiuzhu.monitoring.runs import comparison_run_start, dry_run, may_start_runs, runs_for


def _region(request):
    code = (request.POST.get("region") or request.GET.get("region") or "").strip()
    user = request.user
    if not code:
        if user.region_id:
            return user.region
        raise Http404("请选择区划")
    region = regions_in_scope(actor=user).filter(code=code[:12]).first()
    if region is None:
        raise Http404("区划不存在或不在您的管辖范围内")
    return region


def _region_choices(user, region):
    choices = list(regions_in_scope(actor=user).filter(level__in=("province", "city", "county", "township"))
                   .order_by("path")[:300])
    return choices if region in choices else [region, *choices]


def _sources_json() -> dict:
    return {key: {"fields": [[n, label] for n, (label, _kind) in s.columns.items()],
                  "household": s.subject == "household"} for key, s in SOURCES.items()}


def _form_error(form, exc: DomainError) -> None:
    field = (exc.field or "").split(".")[0]
    if field == "conditions":
        form.add_error("cond_field_0" if "cond_field_0" in form.fields else None, exc.message)
    elif field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)


@login_required
def indicator_list(request):
    if not may_read_rules(request.user):
        raise PermissionDenied("您没有查看预警指标的权限")
    region = _region(request)
    on = timezone.localdate()
    groups = [(label, [(i, v, describe(v.rule) if v else "") for i, v in items]) for label, items in
              catalogue(region, on)]
    return render(request, "monitoring/indicator_list.html", {
        "groups": groups, "region": region, "on": on, "may_edit": can(request.user, Capability.ADMINISTER)})


def _builder_context(request, form, region, **extra) -> dict:
    return {"form": form, "region": region, "regions": _region_choices(request.user, region),
            "sources_json": _sources_json(), "field_choices": field_choices(), "labels": FIELD_LABELS, **extra}


def _dry_run(request, form, indicator, region) -> dict | None:
    try:
        return dry_run(actor=request.user, version_rule=form.rule(), indicator=indicator, region=region,
                       as_of=timezone.localdate())
    except DomainError as exc:
        _form_error(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def indicator_detail(request, code: str):
    if not may_read_rules(request.user):
        raise PermissionDenied("您没有查看预警指标的权限")
    indicator = get_object_or_404(Indicator, code=code)
    region = _region(request)
    on = timezone.localdate()
    current = versions_in_force(region, on, indicators=[indicator]).get(indicator.pk)
    may_edit = can(request.user, Capability.ADMINISTER)
    result = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("只有系统管理员可以修改预警规则")
        form = RuleForm(request.POST)
        if form.is_valid():
            if request.POST.get("action") == "dry_run":
                result = _dry_run(request, form, indicator, region)
            else:
                valid_from = form.cleaned_data.get("valid_from")
                try:
                    indicator_version_create(actor=request.user, indicator=indicator, region=region,
                                             valid_from=valid_from, rule=form.rule(),
                                             enabled=form.cleaned_data.get("enabled", False),
                                             note=form.cleaned_data.get("note", ""))
                except DomainError as exc:
                    _form_error(form, exc)
                else:
                    messages.success(request, f"已保存“{indicator.name}”的新版本，自 {valid_from:%Y-%m-%d} 起在"
                                              f"{region.name}执行")
                    return redirect(f"{request.path}?region={region.code}")
    else:
        initial = RuleForm.initial_from(current.rule) if current else {}
        form = RuleForm(initial={**initial, "region": region.code, "valid_from": on + dt.timedelta(days=1),
                                 "enabled": True})
    history = [(v, describe(v.rule)) for v in version_history(indicator, region)[:100]]
    return render(request, "monitoring/rule_builder.html", _builder_context(
        request, form, region, indicator=indicator, current=current,
        current_text=describe(current.rule) if current else "", history=history, may_edit=may_edit,
        dry=result))


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request):
    if not can(request.user, Capability.ADMINISTER):
        raise PermissionDenied("只有系统管理员可以新建预警指标")
    region = _region(request)
    result = None
    if request.method == "POST":
        form, head = RuleForm(request.POST), IndicatorForm(request.POST)
        if form.is_valid() and head.is_valid():
            if request.POST.get("action") == "dry_run":
                result = _dry_run(request, form, None, region)
            else:
                data = head.cleaned_data
                try:
                    indicator = indicator_create(
                        actor=request.user, code=data["code"], name=data["name"],
                        indicator_class=data["indicator_class"], description=data["description"], region=region,
                        valid_from=form.cleaned_data.get("valid_from"), rule=form.rule(),
                        note=form.cleaned_data.get("note", ""))
                except DomainError as exc:
                    if (exc.field or "") in head.fields:
                        head.add_error(exc.field, exc.message)
                    else:
                        _form_error(form, exc)
                else:
                    messages.success(request, f"已新建预警指标“{indicator.name}”")
                    return redirect("monitoring:indicator", code=indicator.code)
    else:
        form = RuleForm(initial={"region": region.code, "valid_from": timezone.localdate(), "window_months": 12,
                                 "deadline_days": 10, "enabled": True, "population": "registry",
                                 "severity": "medium"})
        head = IndicatorForm()
    return render(request, "monitoring/rule_builder.html", _builder_context(
        request, form, region, head=head, may_edit=True, dry=result))


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    if not may_start_runs(request.user):
        raise PermissionDenied("您没有发起预警比对的权限")
    error = None
    if request.method == "POST":
        try:
            as_of = dt.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            error = "比对基准日：请填写日期（YYYY-MM-DD）"
        else:
            try:
                run = comparison_run_start(actor=request.user, region=_region(request), as_of=as_of,
                                           engine=request.POST.get("engine") or None)
            except DomainError as exc:
                error = exc.message
            else:
                return redirect("core:task_run", run_id=run.pk)
    page = Paginator(runs_for(actor=request.user), 50).get_page(request.GET.get("page"))
    region = request.user.region if request.user.region_id else None
    regions = list(regions_in_scope(actor=request.user).filter(level__in=("province", "city", "county"))
                   .order_by("path")[:200])
    names = dict(Indicator.objects.values_list("code", "name"))
    rows = [(run, sum((run.counts or {}).values()),
             [(names.get(code, code), n) for code, n in (run.counts or {}).items()]) for run in page]
    return render(request, "monitoring/run_list.html", {
        "page": page, "rows": rows, "error": error, "today": timezone.localdate(), "region": region,
        "regions": regions})
