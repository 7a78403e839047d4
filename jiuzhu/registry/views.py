import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import IdNumberError, normalize_id_number
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.core.taskruns import task_runs_for
from jiuzhu.registry import selectors, services
from jiuzhu.registry.forms import GrantForm, HouseholdFilterForm, MeansForm, PersonFilterForm, first_error
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
from jiuzhu.registry.standards import categories_for
from jiuzhu.registry.tasks import TIER_ASSESSMENT
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
    search = {k: v for k, v in filters.items() if v}
    persons = selectors.person_search(actor=request.user, **search)
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_identity_shown(request.user, page)
    selectors.audit_shown(request.user, [p.pk for p in page], purpose="list",
                          query_hash=selectors.query_hash(search))
    return render(request, "registry/person_list.html", {"form": form, "page": page,
                                                         "birth_label": selectors.birth_label(request.user)})


@login_required
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    selectors.with_identity_shown(request.user, [person])
    return render(request, "registry/person_detail.html", {
        "person": person, "birth_label": selectors.birth_label(request.user)})


@login_required
def household_list(request):
    form = HouseholdFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    search = {k: v for k, v in filters.items() if v}
    rows = selectors.household_search(actor=request.user, **search)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    selectors.audit_shown(request.user, [h.head_id for h in page if h.head_id], purpose="household_list",
                          query_hash=selectors.query_hash(search))
    return render(request, "registry/household_list.html", {"form": form, "page": page})


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id)
    members = selectors.with_identity_shown(request.user,
                                            selectors.household_members(actor=request.user, household=household))
    return render(request, "registry/household_detail.html", {
        "household": household, "members": members, "birth_label": selectors.birth_label(request.user),
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
    form = MeansForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        _run(request, lambda: services.means_record(actor=request.user, household=household, item=kind,
                                                    **form.cleaned_data), "已登记")
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
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(household_id, "grants")
    try:
        services.grant_create(actor=request.user, household=household, **form.cleaned_data)
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
    current = selectors.tier_in_force(actor=actor, household=household)
    return {
        "incomes": household.incomes.select_related("person").order_by("-period_end"),
        "assets": household.assets.order_by("-recorded_on"),
        "expenses": household.expenses.select_related("person").order_by("-period_end"),
        "decisions": selectors.decisions_for(actor=actor, household=household)[:20],
        "current_tier": current,
        "open_categories": [AssistanceCategory(c).label for c in
                            categories_for(current.tier, household.region, dt.date.today())] if current else [],
        "grants": selectors.grants_for(actor=actor, household=household),
        "means_forms": [("income", "收入", IncomeKind.choices), ("asset", "财产", AssetKind.choices),
                        ("expense", "刚性支出", ExpenseKind.choices)],
        "sources": Source.choices, "tiers": Tier.choices, "categories": AssistanceCategory.choices,
        "may_approve": can(actor, Capability.DECIDE_TIERS),
        "recommended": DecisionStatus.RECOMMENDED,
        "today": dt.date.today(),
        **_member_choices(),
    }


# ---- Region assessment, report (standards and the category matrix: core/settings_views.py) ------

def _region_param(request) -> Region:
    code = request.GET.get("region") or request.POST.get("region") or (request.user.region.code
                                                                       if request.user.region_id else "")
    region = regions_in_scope(actor=request.user).filter(code=code).first()
    if region is None:
        raise Http404("区划不存在或不在您的管辖范围内")
    return region


def _date_param(value) -> dt.date:
    try:
        return parse_date(value) or dt.date.today()
    except ValueError:
        return dt.date.today()


@login_required
def assessment_run_page(request):
    """Starts a batch assessment; the user lands on its task-run page (core/taskruns.py)."""
    require(request.user, Capability.RUN_ASSESSMENT)
    if request.method == "POST":
        region = _region_param(request)
        try:
            run = services.tier_assessment_start(actor=request.user, region=region,
                                                 on=_date_param(request.POST.get("on")))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("registry:assessment_run")
        return redirect("core:task_run", run_id=run.pk)
    return render(request, "registry/assessment_run.html", {
        "regions": regions_in_scope(actor=request.user).filter(level__in=["city", "county", "township"])[:300],
        "runs": task_runs_for(actor=request.user, kind=TIER_ASSESSMENT)[:5],
        "today": dt.date.today()})


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
    # Each member block's fields are named m0_name, m1_name, …: the prefix is made here, because the
    # template's `add` filter cannot join "m" and a number (it silently gave "_" for every block).
    rows = [{"i": i, "prefix": f"m{i}_", **{f: values.get(f"m{i}_{f}", "") for f in MEMBER_FIELDS}}
            for i in range(MEMBER_ROWS)]
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
