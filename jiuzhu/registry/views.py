import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_tasks import default_task_backend

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import IdNumberError, normalize_id_number
from jiuzhu.core.models import Region, RegionSetting, Role
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.registry import selectors, services
from jiuzhu.registry.forms import HouseholdFilterForm, PersonFilterForm
from jiuzhu.registry.models import (
    AssetKind,
    AssistanceCategory,
    AssistanceGrant,
    DecisionStatus,
    DisabilityType,
    Employment,
    ExpenseKind,
    IncomeKind,
    LabourCapacity,
    Relation,
    Schooling,
    Source,
    Tier,
    TierDecision,
)
from jiuzhu.registry.standards import (
    STANDARDS,
    categories_for,
    category_matrix,
    category_matrix_set,
    standard_set,
    standards_for,
)
from jiuzhu.registry.tasks import tier_assessment_task
from jiuzhu.registry.validation import parse_date


@login_required
def person_list(request):
    form = PersonFilterForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    number = filters.pop("id_number", "")
    if number:
        try:
            filters["id_hash"] = keyed_hash(normalize_id_number(number))
        except IdNumberError as exc:
            form.add_error("id_number", exc.message)
            filters["id_hash"] = "invalid"
    persons = selectors.person_search(actor=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    for p in page:
        p.shown_id = selectors.display_id_number(request.user, p)
    return render(request, "registry/person_list.html", {"form": form, "page": page})


@login_required
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(request, "registry/person_detail.html", {
        "person": person, "shown_id": selectors.display_id_number(request.user, person),
    })


@login_required
def household_list(request):
    form = HouseholdFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.household_search(actor=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {"form": form, "page": page})


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id)
    members = list(selectors.household_members(household))
    for m in members:
        m.shown_id = selectors.display_id_number(request.user, m)
    return render(request, "registry/household_detail.html", {
        "household": household, "members": members,
        "chain": selectors.assistance_chain(actor=request.user, household=household),
        **household_work_context(request.user, household),
    })


# ---- Household work: means test, tiers, grants (thin: every rule is in services) -----------------

def _back(household_id: int, anchor: str):
    return redirect(f"/registry/households/{household_id}/#{anchor}")


def _run(request, action, ok: str) -> bool:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


@login_required
@require_POST
def means_add(request, household_id: int, kind: str):
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="means_test")
    _run(request, lambda: services.means_record(actor=request.user, household=household, kind=kind,
                                                data=request.POST.dict()), "已登记")
    return _back(household_id, "means")


@login_required
@require_POST
def assess_household(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="assess")
    _run(request, lambda: services.tier_assess_household(actor=request.user, household=household), "已完成分层评估")
    return _back(household_id, "tiers")


@login_required
@require_POST
def decision_decide(request, decision_id: int):
    decision = get_scoped_decision(request.user, decision_id)
    if request.POST.get("action") == "override":
        action = lambda: services.tier_decision_override(  # noqa: E731
            actor=request.user, decision=decision, tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""))
    else:
        action = lambda: services.tier_decision_confirm(actor=request.user, decision=decision)  # noqa: E731
    _run(request, action, "审批意见已保存")
    return _back(decision.household_id, "tiers")


def get_scoped_decision(actor, decision_id: int) -> TierDecision:
    return get_scoped_or_404(TierDecision.objects.select_related("household__region", "person"), actor,
                             scope={"region_field": "household__region"}, pk=decision_id)


@login_required
@require_POST
def grant_add(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="grant")
    try:
        services.grant_create(actor=request.user, household=household, data=request.POST.dict(),
                              acknowledge=request.POST.get("acknowledge") == "on")
    except DomainError as exc:
        if exc.code == "needs_acknowledgement":
            messages.warning(request, f"保存前请注意：{exc.message}。如确需发放，请勾选“已知悉”后再次保存。")
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, "救助发放已登记")
    return _back(household_id, "grants")


@login_required
@require_POST
def grant_stop(request, grant_id: int):
    grant = get_scoped_or_404(AssistanceGrant.objects.select_related("household__region"), request.user,
                              scope={"region_field": "household__region"}, pk=grant_id)

    def stop():
        try:
            end_date = parse_date(request.POST.get("end_date")) or dt.date.today()
        except ValueError as exc:
            raise DomainError(f"终止日期：{exc}", code="validation_error", field="end_date") from None
        services.grant_end(actor=request.user, grant=grant, reason=request.POST.get("reason", ""), end_date=end_date)
    _run(request, stop, "救助已终止")
    return _back(grant.household_id, "grants")


def household_work_context(actor, household) -> dict:
    """What the household page shows besides members and chain."""
    current = selectors.tier_in_force(household)
    return {
        "incomes": household.incomes.select_related("person").order_by("-period_end"),
        "assets": household.assets.order_by("-recorded_on"),
        "expenses": household.expenses.select_related("person").order_by("-period_end"),
        "decisions": selectors.decisions_for(household)[:20],
        "current_tier": current,
        "open_categories": [AssistanceCategory(c).label for c in
                            categories_for(current.tier, household.region, dt.date.today())] if current else [],
        "grants": selectors.grants_for(household),
        "means_forms": [("income", "收入", IncomeKind.choices), ("asset", "财产", AssetKind.choices),
                        ("expense", "刚性支出", ExpenseKind.choices)],
        "sources": Source.choices, "tiers": Tier.choices, "categories": AssistanceCategory.choices,
        "may_approve": actor.is_superuser or actor.has_role(Role.APPROVER),
        "recommended": DecisionStatus.RECOMMENDED,
        "today": dt.date.today(),
        **_member_choices(),
    }


# ---- Standards, category matrix, region assessment, report -------------------------------------

def _require_admin(actor):
    if not (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)):
        raise PermissionDenied("只有系统管理员可以修改地方标准")


def _region_param(request) -> Region:
    code = request.GET.get("region") or request.POST.get("region") or (request.user.region.code
                                                                       if request.user.region_id else "")
    region = regions_in_scope(actor=request.user).filter(code=code).first()
    if region is None:
        raise Http404("区划不存在或不在您的管辖范围内")
    return region


@login_required
def standards_page(request):
    region = _region_param(request)
    on = _date_param(request.GET.get("on"))
    if request.method == "POST":
        _require_admin(request.user)
        _run(request, lambda: standard_set(actor=request.user, region=region, key=request.POST.get("key", ""),
                                           value=request.POST.get("value", ""),
                                           effective_from=_date_param(request.POST.get("effective_from")),
                                           note=request.POST.get("note", "")), "已新增标准版本（历史版本保持不变）")
        return redirect(f"/registry/standards/?region={region.code}")
    standards = standards_for(region, on)
    rows = {r.pk: r for r in RegionSetting.objects.filter(pk__in=standards.sources.values()).select_related("region")}
    table = [{"key": key, "spec": spec, "value": standards.values[key],
              "source": rows.get(standards.sources.get(key))} for key, spec in STANDARDS.items()]
    history = RegionSetting.objects.filter(key__in=list(STANDARDS), region__code__in=region.ancestor_codes())\
        .select_related("region", "set_by").order_by("key", "-effective_from")
    return render(request, "registry/standards.html", {
        "region": region, "on": on, "table": table, "history": history, "specs": STANDARDS,
        "regions": regions_in_scope(actor=request.user).filter(level__in=["province", "city", "county"])[:200],
        "may_edit": request.user.is_superuser or request.user.has_role(Role.ADMINISTRATOR)})


def _date_param(value) -> dt.date:
    try:
        return parse_date(value) or dt.date.today()
    except ValueError:
        return dt.date.today()


@login_required
def category_matrix_page(request):
    region = _region_param(request)
    if request.method == "POST":
        _require_admin(request.user)
        matrix = {tier: request.POST.getlist(tier) for tier in Tier.values}
        _run(request, lambda: category_matrix_set(actor=request.user, region=region, matrix=matrix,
                                                  effective_from=_date_param(request.POST.get("effective_from")),
                                                  note=request.POST.get("note", "")), "已保存救助类别对照（新版本）")
        return redirect(f"/registry/categories/?region={region.code}")
    matrix = category_matrix(region, dt.date.today())
    grid = [{"tier": value, "label": label,
             "cells": [{"category": c, "on": c in matrix.get(value, [])} for c, _ in AssistanceCategory.choices]}
            for value, label in Tier.choices if value != "none"]
    return render(request, "registry/categories.html", {
        "region": region, "grid": grid, "categories": AssistanceCategory.choices,
        "may_edit": request.user.is_superuser or request.user.has_role(Role.ADMINISTRATOR)})


@login_required
def assessment_run_page(request):
    if request.method == "POST":
        region = _region_param(request)
        services.require_writer(request.user)
        result = tier_assessment_task.enqueue(actor_id=request.user.pk, region_code=region.code,
                                              on=_date_param(request.POST.get("on")).isoformat())
        return redirect(f"/registry/assessment/?task={result.id}")
    return render(request, "registry/assessment_run.html", {
        "task_id": request.GET.get("task", ""),
        "regions": regions_in_scope(actor=request.user).filter(level__in=["city", "county", "township"])[:300],
        "today": dt.date.today()})


@login_required
def assessment_run_status(request, task_id: str):
    """Polled by the run page (htmx) until the task finishes."""
    try:
        result = default_task_backend.get_result(task_id)
    except Exception:
        return JsonResponse({"status": "unknown"}, status=404)
    body = {"status": str(result.status)}
    if str(result.status).endswith("SUCCESSFUL"):
        body["result"] = result.return_value
    elif str(result.status).endswith("FAILED"):
        body["error"] = "评估失败：" + "; ".join(str(e.exception_class_path) for e in result.errors)
    return render(request, "registry/assessment_status.html", {"body": body, "task_id": task_id})


@login_required
def assistance_report_page(request):
    rows = selectors.assistance_report(actor=request.user)
    return render(request, "registry/assistance_report.html", {"rows": rows})


# ---- Registering and editing households and persons --------------------------------------------

MEMBER_FIELDS = ["name", "id_number", "relation", "disability_type", "disability_grade", "serious_illness",
                 "labour_capacity", "schooling", "employment", "phone", "supporter_able"]
MEMBER_ROWS = 8


def _member_choices() -> dict:
    return {"relations": Relation.choices, "disability_types": DisabilityType.choices,
            "labour": LabourCapacity.choices, "schooling": Schooling.choices, "employment": Employment.choices}


@login_required
def household_new(request):
    values = request.POST.dict() if request.method == "POST" else {}
    if request.method == "POST":
        members = []
        for i in range(MEMBER_ROWS):
            row = {f: request.POST.get(f"m{i}_{f}", "").strip() for f in MEMBER_FIELDS}
            if row["name"] or row["id_number"]:
                members.append({k: v for k, v in row.items() if v})
        household = {k: request.POST.get(k, "") for k in ("region_code", "address", "hukou_type")}
        try:
            created = services.household_register(actor=request.user, household=household, members=members)
        except DomainError as exc:
            messages.error(request, exc.message)
            for e in exc.errors[1:]:
                messages.error(request, f"{e['path']}：{e['message']}")
        else:
            messages.success(request, f"已登记家庭（户号 {created.pk}）")
            return redirect("registry:household_detail", created.pk)
    villages = regions_in_scope(actor=request.user, level="village").order_by("code")[:2000]
    rows = [{"i": i, **{f: values.get(f"m{i}_{f}", "") for f in MEMBER_FIELDS}} for i in range(MEMBER_ROWS)]
    return render(request, "registry/household_new.html", {"villages": villages, "rows": rows, "values": values,
                                                           **_member_choices()})


@login_required
@require_POST
def member_add(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="member_add")
    data = {f: request.POST.get(f, "").strip() for f in MEMBER_FIELDS}
    _run(request, lambda: services.household_member_add(actor=request.user, household=household,
                                                        member={k: v for k, v in data.items() if v}),
         "已新增家庭成员")
    return redirect("registry:household_detail", household_id)


@login_required
def person_edit(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id, purpose="edit")
    if request.method == "POST":
        changes = {f: request.POST.get(f, "").strip() for f in services.PERSON_EDITABLE if f in request.POST}
        changes = {f: v for f, v in changes.items() if str(v) != str(getattr(person, f) or "")}
        if _run(request, lambda: services.person_update(actor=request.user, person=person, changes=changes),
                "已保存"):
            return redirect("registry:person_detail", person_id)
    return render(request, "registry/person_edit.html", {"person": person, **_member_choices()})


@login_required
@require_POST
def person_move_view(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id, purpose="move")
    target_id = request.POST.get("household_id", "")
    target = selectors.households_in_scope(request.user).filter(pk=int(target_id) if target_id.isdigit() else 0)\
        .select_related("region").first()
    if target is None:
        messages.error(request, "迁入家庭的户号不存在或不在您的管辖范围内")
    else:
        _run(request, lambda: services.person_move(actor=request.user, person=person, to_household=target,
                                                   relation=request.POST.get("relation", "")), "已迁移")
    return redirect("registry:person_detail", person_id)
