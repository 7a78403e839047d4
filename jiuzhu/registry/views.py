import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.files import limit_uploads, max_file_bytes, size_label
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.core.taskruns import task_runs_for
from jiuzhu.registry import lists, registration, selectors, services
from jiuzhu.registry.forms import GrantForm, MeansForm, first_error
from jiuzhu.registry.models import (
    AssetKind,
    AssistanceCategory,
    AssistanceGrant,
    DecisionStatus,
    DisabilityType,
    DocumentKind,
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
    lr, page = lists.person_page(request.user, request.GET)
    page.object_list = selectors.with_identity_shown(request.user, page)
    selectors.audit_shown(request.user, [p.pk for p in page], purpose="list",
                          query_hash=selectors.query_hash(lr.query_hash_source))
    return render(request, "registry/person_list.html", {
        "form": lr.form, "picker": lr.picker, "batch": lr.batch, "page": page, "blocked": lr.blocked,
        "sorts": lists.sort_links(lists.PERSON_SORTS, lr.sort, request.GET),
        "birth_label": selectors.birth_label(request.user)})


@login_required
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    selectors.with_identity_shown(request.user, [person])
    return render(request, "registry/person_detail.html", {
        "person": person, "birth_label": selectors.birth_label(request.user)})


@login_required
def household_list(request):
    lr, page = lists.household_page(request.user, request.GET)
    selectors.audit_shown(request.user, [h.head_id for h in page if h.head_id], purpose="household_list",
                          query_hash=selectors.query_hash(lr.query_hash_source))
    return render(request, "registry/household_list.html", {
        "form": lr.form, "picker": lr.picker, "batch": lr.batch, "page": page, "blocked": lr.blocked,
        "sorts": lists.sort_links(lists.HOUSEHOLD_SORTS, lr.sort, request.GET)})


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_get(actor=request.user, household_id=household_id)
    return _household_page(request, household)


def _household_page(request, household, *, failed: dict | None = None):
    """The household page. `failed` is the form whose action was just refused: {"form": "grant" |
    "means-income" | "void-income-7" | "stop-3", "values": what was typed, "errors": [...], "warnings": [...]}.
    The page is rendered again (not redirected) with that form open, its problem next to it and what was
    typed kept; its action URL carries the form's anchor, so the browser lands on it."""
    general, by_section = _section_messages(request)
    members = selectors.with_identity_shown(request.user,
                                            selectors.household_members(actor=request.user, household=household))
    return render(request, "registry/household_detail.html", {
        "household": household, "members": members, "birth_label": selectors.birth_label(request.user),
        "chain": selectors.assistance_chain(actor=request.user, household=household),
        "messages": general, "section_messages": by_section, "failed": failed or {},
        **household_work_context(request.user, household, failed=failed or {}),
    })


SECTION_TAG = "section-"


def _section_messages(request) -> tuple[list, dict]:
    """A household action's success is shown next to the section it changed (tagged `section-<name>`), not
    at the top of a long page; other messages stay at the top."""
    general, by_section = [], {}
    for m in messages.get_messages(request):
        tag = next((t for t in m.extra_tags.split() if t.startswith(SECTION_TAG)), None)
        if tag:
            by_section.setdefault(tag.removeprefix(SECTION_TAG), []).append(m.message)
        else:
            general.append(m)
    return general, by_section


def _done(request, household_id: int, section: str, text: str):
    messages.success(request, text, extra_tags=SECTION_TAG + section)
    return _back(household_id, section)


def _typed(request) -> dict:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


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
    try:
        if not form.is_valid():
            raise DomainError(first_error(form), code="validation_error")
        record = services.means_record(actor=request.user, household=household, item=kind, **form.cleaned_data)
    except DomainError as exc:
        return _household_page(request, household, failed={"form": f"means-{kind}", "values": _typed(request),
                                                           "errors": [exc.message]})
    label = services.MEANS_LABELS.get(kind, "")
    return _done(request, household_id, "means", f"已登记{label}：{services._means_text(kind, record)}")


@login_required
@require_POST
def means_void_view(request, household_id: int, kind: str, item_id: int):
    """Voids a wrong means-test entry with a reason; a correction is a void and a new entry."""
    household = selectors.household_get(actor=request.user, household_id=household_id, purpose="means_void")
    try:
        record = services.means_void(actor=request.user, household=household, item=kind, item_id=item_id,
                                     reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return _household_page(request, household, failed={"form": f"void-{kind}-{item_id}",
                                                           "values": _typed(request), "errors": [exc.message]})
    label = services.MEANS_LABELS[kind]
    return _done(request, household_id, "means",
                 f"已作废{label}：{services._means_text(kind, record)}。如需更正，请重新登记正确的{label}。")


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
    typed = _typed(request)
    typed.pop("acknowledge", None)  # a warning must be acknowledged again, knowingly, after reading it
    try:
        if not form.is_valid():
            raise DomainError(first_error(form), code="validation_error")
        services.grant_create(actor=request.user, household=household, **form.cleaned_data)
    except DomainError as exc:
        if exc.code == "needs_acknowledgement":
            failed = {"warnings": [e["message"] for e in exc.errors] or [exc.message]}
        else:
            failed = {"errors": [exc.message]}
        return _household_page(request, household, failed={"form": "grant", "values": typed, **failed})
    return _done(request, household_id, "grants", "救助发放已登记")


@login_required
@require_POST
def grant_stop(request, grant_id: int):
    grant = get_scoped_or_404(AssistanceGrant.objects.select_related("household__region"), request.user,
                              scope={"region_field": "household__region"}, pk=grant_id)

    try:
        try:
            end_date = parse_date(request.POST.get("end_date")) or dt.date.today()
        except ValueError as exc:
            raise DomainError(f"终止日期：{exc}", code="validation_error", field="end_date") from None
        services.grant_end(actor=request.user, grant=grant, reason=request.POST.get("reason", ""), end_date=end_date)
    except DomainError as exc:
        household = selectors.household_get(actor=request.user, household_id=grant.household_id, purpose="grant")
        return _household_page(request, household, failed={"form": f"stop-{grant.pk}", "values": _typed(request),
                                                           "errors": [exc.message]})
    return _done(request, grant.household_id, "grants", f"已终止{grant.get_category_display()}")


def _mark_failed(rows, prefix: str, failed: dict) -> list:
    """Rows as a list; the one whose inline form (void, stop) just failed carries `failed` for the template."""
    rows = list(rows)
    for row in rows:
        row.failed = failed if failed.get("form") == f"{prefix}-{row.pk}" else None
    return rows


def _means_rows(means: dict, failed: dict) -> list[dict]:
    """Incomes, assets and expenses as the rows of one table: entries in force first, voided ones below
    (struck through, with who, when and why); the row whose void just failed carries `failed`."""
    rows = []
    for item, label, records in (("income", "收入", means["incomes"]), ("asset", "财产", means["assets"]),
                                 ("expense", "刚性支出", means["expenses"])):
        for r in records:
            if item == "asset":
                amount = r.value
                when = f"{r.recorded_on:%Y-%m-%d}" + (f"（{r.disposed_on:%Y-%m-%d} 已处置）" if r.disposed_on else "")
                when += f" {r.description}" if r.description else ""
            else:
                amount, when = r.amount, f"{r.period_start:%Y-%m-%d} 至 {r.period_end:%Y-%m-%d}"
            rows.append({"item": item, "label": label, "record": r, "amount": amount, "when": when,
                         "failed": failed if failed.get("form") == f"void-{item}-{r.pk}" else None})
    rows.sort(key=lambda row: row["record"].voided_at is not None)  # stable: each kind's order kept
    return rows


def household_work_context(actor, household, failed: dict | None = None) -> dict:
    """What the household page shows besides members and chain."""
    failed = failed or {}
    current = selectors.tier_in_force(actor=actor, household=household)
    means = selectors.means_items(actor=actor, household=household)
    means_forms = [{"kind": kind, "label": label, "kinds": kinds,
                    "failed": failed if failed.get("form") == f"means-{kind}" else None}
                   for kind, label, kinds in (("income", "收入", IncomeKind.choices),
                                              ("asset", "财产", AssetKind.choices),
                                              ("expense", "刚性支出", ExpenseKind.choices))]
    return {
        "means_rows": _means_rows(means, failed),
        "means_totals": means["means_totals"],
        "means_form_open": any(f["failed"] for f in means_forms),
        "decisions": selectors.decisions_for(actor=actor, household=household)[:20],
        "current_tier": current,
        "open_categories": [AssistanceCategory(c).label for c in
                            categories_for(current.tier, household.region, dt.date.today())] if current else [],
        "grants": _mark_failed(selectors.grants_for(actor=actor, household=household), "stop", failed),
        "grant_failed": failed if failed.get("form") == "grant" else None,
        "means_forms": means_forms,
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
        picker = pick_region(request.user, request.POST)  # H4: the place by name; none chosen: the jurisdiction
        if picker.error:
            messages.error(request, picker.error)
            return redirect("registry:assessment_run")
        region = picker.region or _region_param(request)
        try:
            run = services.tier_assessment_start(actor=request.user, region=region,
                                                 on=_date_param(request.POST.get("on")))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("registry:assessment_run")
        return redirect("core:task_run", run_id=run.pk)
    return render(request, "registry/assessment_run.html", {
        "regions": regions_in_scope(actor=request.user).filter(level__in=["city", "county", "township"])[:300],
        "runs": task_runs_for(actor=request.user, kind=TIER_ASSESSMENT)[:20],
        "picker": pick_region(request.user, request.GET),
        "today": dt.date.today()})


@login_required
def assistance_report_page(request):
    picker = pick_region(request.user, request.GET)
    rows = [] if picker.error else selectors.assistance_report(actor=request.user, region=picker.region)
    return render(request, "registry/assistance_report.html", {"rows": rows, "picker": picker})


REPORT_HEADERS = ["问题", "户号", "对象", "类别", "月发放金额（元）", "一次性金额（元）", "起始日期", "终止日期",
                  "实施机构", "所在村（社区）"]


@login_required
def assistance_report_export(request):
    """The duplicate/excessive report as Excel (core/exports), audited: the persons it names (set-based) and
    the export row with the place and the row count."""
    require(request.user, Capability.EXPORT_PERSONS)
    picker = pick_region(request.user, request.GET)
    rows = [] if picker.error else selectors.assistance_report(actor=request.user, region=picker.region)
    persons = sorted({r["grant"].person_id or r["grant"].household.head_id for r in rows} - {None})
    selectors.audit_shown(request.user, persons, purpose="export")
    data = ([r["message"], r["grant"].household_id, r["grant"].person.name if r["grant"].person else "全户",
             r["grant"].get_category_display(), r["grant"].monthly_amount, r["grant"].once_amount,
             r["grant"].period_start, r["grant"].period_end, str(r["grant"].granting_organization),
             r["grant"].household.region.full_name] for r in rows)
    shown = {"报表": "重复与过度救助核查", **({"地区": picker.label} if picker.region else {})}
    return xlsx_response(f"重复与过度救助_{dt.date.today():%Y%m%d}.xlsx", REPORT_HEADERS, data, actor=request.user,
                         object_type="registry.assistancegrant", filters=shown)


# ---- Registering and editing households and persons --------------------------------------------

MEMBER_FIELDS = ["name", "id_number", "relation", "disability_type", "disability_grade", "serious_illness",
                 "labour_capacity", "schooling", "employment", "phone", "supporter_able"]


def _member_choices() -> dict:
    return {"relations": Relation.choices, "disability_types": DisabilityType.choices,
            "labour": LabourCapacity.choices, "schooling": Schooling.choices, "employment": Employment.choices}


@csrf_exempt  # CSRF is checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
def household_new(request):
    """The registration step form (registration.py): posted once; on any problem the page comes back at the
    step of the first one, each problem next to its field and everything typed kept."""
    require(request.user, Capability.EDIT_REGISTRY)
    limit_uploads(request)  # before the body is parsed: no document is kept beyond the size limit
    return _household_new(request)


@csrf_protect
def _household_new(request):
    townships = registration.villages_by_township(request.user)
    reg = None
    if request.method == "POST":
        reg = registration.parse(request.POST, request.FILES,
                                 village_codes={v.code for _name, villages in townships for v in villages})
        if not reg.errors:
            try:
                created = services.household_register_with_records(
                    actor=request.user, household=reg.household, members=reg.members, means=reg.means,
                    documents=reg.documents)
            except DomainError as exc:
                registration.service_error(reg, exc)
            else:
                messages.success(request, f"已登记家庭（户号 {created.pk}）：成员 {len(reg.members)} 人，"
                                          f"收入与财产 {len(reg.means)} 条，材料 {len(reg.documents)} 份")
                return redirect("registry:household_detail", created.pk)
    else:
        reg = registration.prefilled(request.GET)  # a link that already knows the name and the village
    return render(request, "registry/household_new.html", {
        "townships": townships, "values": reg.values if reg else {}, "errors": reg.errors if reg else {},
        "error_count": len(reg.errors) if reg else 0, "start_step": reg.first_step if reg else 1,
        "steps": registration.STEPS, "rows": registration.member_rows(reg),
        "means_rows": registration.means_rows(reg), "means_items": registration.MEANS_ITEMS,
        "document_rows": registration.document_rows(reg), "document_kinds": DocumentKind.choices,
        "max_file_size": size_label(max_file_bytes()), **_member_choices()})


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
    values = {f: "" if getattr(person, f) is None else str(getattr(person, f)) for f in services.PERSON_EDITABLE}
    errors = []
    if request.method == "POST":
        changes = {f: request.POST.get(f, "").strip() for f in services.PERSON_EDITABLE if f in request.POST}
        changes = {f: v for f, v in changes.items() if str(v) != str(getattr(person, f) or "")}
        try:
            services.person_update(actor=request.user, person=person, changes=changes)
        except DomainError as exc:
            errors = [exc.message]
            values.update({f: request.POST.get(f, "") for f in services.PERSON_EDITABLE if f in request.POST})
        else:
            if person.household_id and request.POST.get("back") == "household":  # a field update from the household
                return _done(request, person.household_id, "members", f"已保存{person.name}的信息")
            messages.success(request, "已保存")
            return redirect("registry:person_detail", person_id)
    return render(request, "registry/person_edit.html", {
        "person": person, "values": values, "errors": errors, "back": request.GET.get("back") or
        request.POST.get("back", ""), **_member_choices()})


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
