"""The window's pages: 一表登记, the list (filters, Excel), the application page with its actions, and the two
print pages (受理回执, 一次性告知书). Writes go through application_services; a refused write shows the page again
with the message beside the form and what was typed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.intake import application_selectors as selectors
from jiuzhu.intake import application_services as services
from jiuzhu.intake import settings_catalog as sc
from jiuzhu.intake.catalog import ITEMS, item_terms
from jiuzhu.intake.models import (
    OPEN_STATUSES,
    ApplicationItem,
    ApplicationStatus,
    AssistFirst,
    Channel,
    ItemStatus,
    MaterialChecklist,
)
from jiuzhu.intake.selectors import application_get
from jiuzhu.intake.window_forms import ApplicationForm, form_field

# ---- 一表登记 -------------------------------------------------------------------------------------------------


def _catalogue(actor, form: ApplicationForm) -> list[tuple[str, list[dict]]]:
    """The items grouped by department, each with its time limit and materials in force for the actor's
    region, and what the form has ticked."""
    region = actor.region
    day = selectors.today()
    chosen = set(form.data.getlist("items")) if form.is_bound else set()
    groups: dict[str, list[dict]] = {}
    for item in ITEMS:
        terms = item_terms(item.code, region, day) if region is not None else item
        ticked = set(form.data.getlist(f"received_{item.code}")) if form.is_bound else set()
        groups.setdefault(selectors.department_label(item.department), []).append({
            "code": item.code, "name": item.name, "time_limit": terms.time_limit,
            "eligibility": terms.eligibility, "chosen": item.code in chosen,
            "materials": [{"name": m, "ticked": m in ticked, "n": n} for n, m in enumerate(terms.materials)]})
    return list(groups.items())


def _new_page(request, form, picker, *, region_error: str = "", lookup=None, status: int = 200):
    return render(request, "intake/application_new.html", {
        "form": form, "picker": picker, "region_error": region_error, "groups": _catalogue(request.user, form),
        "lookup": lookup or selectors.RegistryMatch(checked=False),
        "may_register": can(request.user, Capability.EDIT_REGISTRY)}, status=status)


@login_required
def application_new(request):
    require(request.user, Capability.INTAKE)
    if not services.takes_applications(request.user):
        raise Http404("部门经办人员不受理申请")
    leads_only = services.serves_a_village(request.user)
    if request.method != "POST":
        asked = request.GET.get("channel")
        initial = {"channel": asked if asked in (Channel.HOTLINE, Channel.DISCOVERY) else Channel.WINDOW,
                   "source_ref": request.GET.get("source_ref", "")[:100]}
        if leads_only:
            initial["channel"] = Channel.DISCOVERY
        # a lead (a monitoring warning, a coordinator's visit) about a person: what is known is filled in
        initial |= selectors.applicant_prefill(actor=request.user, person_id=request.GET.get("person"),
                                               name=request.GET.get("name"))
        where = {"region_code": initial.pop("region_code", None) or request.GET.get("region_code", "")}
        return _new_page(request, ApplicationForm(initial=initial, leads_only=leads_only),
                         pick_region(request.user, where))
    form = ApplicationForm(request.POST, leads_only=leads_only)
    picker = pick_region(request.user, request.POST)
    if request.POST.get("action") == "lookup":  # 查询是否在库: nothing written, everything typed kept
        form.is_valid()
        form.errors.clear()
        lookup = selectors.registry_lookup(actor=request.user, raw_number=request.POST.get("applicant_id_number"))
        return _new_page(request, form, picker, lookup=lookup)
    region_error = picker.error or ("" if picker.region else "请选择申请人居住的乡镇（街道）或村（社区）")
    if not form.is_valid() or region_error:
        return _new_page(request, form, picker, region_error=region_error, status=400)
    try:
        application = services.application_take(
            actor=request.user, region=picker.region, register_household=form.cleaned_data["register_household"],
            hukou_type=form.cleaned_data["hukou_type"], **form.service_fields())
    except DomainError as exc:
        name = form_field(exc.field, form)
        if exc.field == "region":
            region_error = exc.message
        else:
            form.add_error(name, exc.message)
        return _new_page(request, form, picker, region_error=region_error, status=400)
    done = "已受理" if application.accepted_at else "已登记，待窗口受理"
    messages.success(request, f"{done}，查询码 {application.query_code}")
    return redirect("intake:application_detail", application.pk)


# ---- The list ------------------------------------------------------------------------------------------------

def _list_filters(request):
    picker = pick_region(request.user, request.GET)
    return picker, selectors.parse_filters(request.GET, picker.region)


@login_required
def application_list(request):
    require(request.user, Capability.INTAKE)
    if is_department_actor(request.user):  # a department sees its referrals in its inbox (the referrals part)
        try:
            return redirect("intake:department_inbox")
        except NoReverseMatch:
            raise Http404("部门经办人员请在转办事项中办理") from None
    picker, filters = _list_filters(request)
    rows = selectors.application_list(actor=request.user, filters=filters)
    page = selectors.list_page(rows.none() if picker.error else rows, request.GET.get("page"))
    selectors.audit_listed(request.user, page.rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "intake/application_list.html", {
        "page": page, "rows": page.rows, "picker": picker, "filters": filters, "query": query.urlencode(),
        "statuses": ApplicationStatus.choices, "channels": Channel.choices, "items": [(i.code, i.name) for i in ITEMS],
        "departments": selectors.department_choices(), "today": selectors.today(), "open": OPEN_STATUSES})


EXPORT_HEADERS = ["查询码", "申请人", "居住地", "申请渠道", "申请事项", "状态", "申请时间", "受理时间", "办结期限",
                  "是否超期", "受理窗口"]


@login_required
def application_export(request):
    """The filtered list as Excel (core/exports), streamed in chunks (each chunk's items prefetched), audited:
    the export row with its filters and count, and one read row per registry person it names."""
    require(request.user, Capability.INTAKE)
    picker, filters = _list_filters(request)
    rows = selectors.application_list(actor=request.user, filters=filters)
    rows = rows.none() if picker.error else rows.select_related("organization").prefetch_related("items")
    day = selectors.today()
    local = timezone.localtime
    persons: set[int] = set()

    def data():
        for a in rows[:selectors.EXPORT_MAX].iterator(chunk_size=2000):
            if a.person_id:
                persons.add(a.person_id)
            yield [a.query_code, a.applicant_name, a.region.full_name, a.get_channel_display(),
                   "、".join(i.get_item_display() for i in a.items.all()), a.get_status_display(),
                   local(a.submitted_at).strftime("%Y-%m-%d %H:%M"),
                   local(a.accepted_at).strftime("%Y-%m-%d %H:%M") if a.accepted_at else "", a.due_date,
                   "是" if a.status in OPEN_STATUSES and a.due_date and a.due_date < day else "否",
                   str(a.organization or "")]

    response = xlsx_response(f"救助申请_{dt.date.today():%Y%m%d}.xlsx", EXPORT_HEADERS, data(),
                             actor=request.user, object_type="intake.application", filters=filters.as_audit())
    selectors.audit_listed_ids(request.user, persons, purpose="export")  # the workbook is written by now
    return response


# ---- The application page and its actions ------------------------------------------------------------------

def _detail(request, application, *, failed: dict | None = None, status: int = 200):
    actor = request.user
    selectors.application_show(actor=actor, application=application)
    items = selectors.application_items(application)
    is_open = application.status in OPEN_STATUSES
    for item in items:
        item.in_house = not item.department
        item.department_name = selectors.department_label(item.department)
        item.due_text = selectors.deadline_text(item.due_date, item.status in (ItemStatus.PENDING, ItemStatus.PROPOSED,
                                                                               ItemStatus.REFERRED) and is_open)
        item.missing = [m for m in item.materials.all() if not m.received]
    window = services.takes_applications(actor)
    assists = list(application.assist_first.select_related("granted_by", "completed_by").order_by("pk"))
    return render(request, "intake/application_detail.html", {
        "a": application, "applicant": selectors.applicant_view(actor, application), "items": items,
        "source": selectors.source_link(application),
        "missing": [m for item in items for m in item.missing],
        "any_refused": any(item.status == ItemStatus.REFUSED for item in items),
        "notices": list(application.notices.select_related("issued_by").order_by("pk")),
        "assists": assists, "open_assist": next((x for x in assists if x.completed_at is None), None),
        "history": list(selectors.application_history(application)),
        "due_text": selectors.deadline_text(application.due_date, is_open), "is_open": is_open,
        "accepted_open": application.status in services.ACCEPTED_OPEN, "window": window,
        "may_accept": window and not services.serves_a_village(actor),
        "decider": can(actor, Capability.DECIDE_INTAKE) and window,
        "limit": services.assist_first_limit(application) if is_open else None,
        "failed": failed or {}, "values": (failed or {}).get("values", {})}, status=status)


@login_required
def application_detail(request, application_id: int):
    return _detail(request, application_get(actor=request.user, application_id=application_id))


def _act(request, application_id: int, form: str, action, done: str, then=None, item: int | None = None):
    """Runs one action on an application in scope; on a refusal the page comes back with the message and the
    values typed."""
    application = application_get(actor=request.user, application_id=application_id)
    try:
        result = action(application)
    except DomainError as exc:
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        return _detail(request, application, failed={"form": form, "item": item, "error": exc.message,
                                                                "values": values},
                       status=400)
    messages.success(request, done)
    return then(result) if then else redirect("intake:application_detail", application.pk)


@login_required
@require_POST
def application_accept(request, application_id: int):
    return _act(request, application_id, "accept",
                lambda a: services.application_accept(actor=request.user, application=a), "已受理")


@login_required
@require_POST
def application_not_accept(request, application_id: int):
    return _act(request, application_id, "not_accept", lambda a: services.application_not_accept(
        actor=request.user, application=a, reason=request.POST.get("reason", "")), "已不予受理")


@login_required
@require_POST
def notice_issue(request, application_id: int):
    return _act(request, application_id, "notice",
                lambda a: services.notice_issue(actor=request.user, application=a), "已出具一次性告知书",
                then=lambda notice: redirect("intake:notice_print", notice.pk))


@login_required
@require_POST
def materials_receive(request, application_id: int):
    return _act(request, application_id, "materials", lambda a: services.materials_receive(
        actor=request.user, application=a, material_ids=request.POST.getlist("materials")), "已登记收到的材料")


def _item(request, application_id: int, item_id: int) -> ApplicationItem:
    application = application_get(actor=request.user, application_id=application_id)
    item = ApplicationItem.objects.filter(pk=item_id, application=application).first()
    if item is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    item.application = application
    return item


@login_required
@require_POST
def item_propose(request, application_id: int, item_id: int):
    item = _item(request, application_id, item_id)
    return _act(request, application_id, "propose", lambda a: services.item_propose(
        actor=request.user, item=item, proposal=request.POST.get("proposal", "")),
        f"{item.get_item_display()}：已提出初审意见，待审核确认", item=item.pk)


@login_required
@require_POST
def item_decide(request, application_id: int, item_id: int):
    item = _item(request, application_id, item_id)
    granted = request.POST.get("decision") == "grant"
    if request.POST.get("decision") not in ("grant", "refuse"):
        return _detail(request, item.application, status=400, failed={
            "form": "decide", "item": item.pk, "error": "请选择审核结论", "values": dict(request.POST.items())})
    return _act(request, application_id, "decide", lambda a: services.item_decide(
        actor=request.user, item=item, granted=granted, reason=request.POST.get("reason", ""),
        outcome=request.POST.get("outcome", ""), amount=request.POST.get("amount", "")),
        f"{item.get_item_display()}：{'给予救助' if granted else '不予救助'}", item=item.pk)


@login_required
@require_POST
def application_close(request, application_id: int):
    return _act(request, application_id, "close", lambda a: services.application_close(
        actor=request.user, application=a, note=request.POST.get("note", "")), "申请已办结")


@login_required
@require_POST
def application_withdraw(request, application_id: int):
    return _act(request, application_id, "withdraw", lambda a: services.application_withdraw(
        actor=request.user, application=a, reason=request.POST.get("reason", "")), "申请已撤回")


@login_required
@require_POST
def assist_first_grant(request, application_id: int):
    return _act(request, application_id, "assist", lambda a: services.assist_first_grant(
        actor=request.user, application=a, amount=request.POST.get("amount", ""),
        reason=request.POST.get("reason", "")), "已先行救助，请在期限内补齐手续")


@login_required
@require_POST
def assist_first_complete(request, application_id: int, assist_id: int):
    application = application_get(actor=request.user, application_id=application_id)
    assist = AssistFirst.objects.filter(pk=assist_id, application=application).first()
    if assist is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    assist.application = application
    return _act(request, application_id, "assist_complete", lambda a: services.assist_first_complete(
        actor=request.user, assist=assist, note=request.POST.get("note", "")), "先行救助手续已补齐")


# ---- Print pages ---------------------------------------------------------------------------------------------

def _print_context(request, application) -> dict:
    selectors.application_show(actor=request.user, application=application, purpose="print")
    items = selectors.application_items(application)
    for item in items:
        item.department_name = selectors.department_label(item.department)
    day = selectors.today()
    applicant = selectors.applicant_view(request.user, application)
    applicant.id_number = mask_id_number(decrypt_text(application.applicant_id_cipher))  # paper leaves the office
    return {"a": application, "applicant": applicant, "items": items,
            "hotline": setting_value(sc.HOTLINE_NUMBER_KEY, application.region, day, default="12349"),
            "printed_on": day}


@login_required
def application_receipt(request, application_id: int):
    """受理回执 (A4): the query code, the window, the first officer, the dates and each item's deadline."""
    application = application_get(actor=request.user, application_id=application_id)
    if application.accepted_at is None:
        messages.error(request, "该申请尚未受理，不能打印受理回执")
        return redirect("intake:application_detail", application.pk)
    return render(request, "intake/print_receipt.html", _print_context(request, application))


@login_required
def notice_print(request, notice_id: int):
    """一次性告知书 (A4) as issued: every material missing then, of every item, and the completion deadline."""
    notice = MaterialChecklist.objects.select_related("issued_by").filter(pk=notice_id).first()
    if notice is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    application = application_get(actor=request.user, application_id=notice.application_id)
    context = _print_context(request, application)
    groups: dict[str, list[str]] = {}
    for line in notice.missing:
        groups.setdefault(line.get("item_name") or line.get("item", ""), []).append(line["name"])
    context.update(notice=notice, groups=list(groups.items()), count=len(notice.missing))
    return render(request, "intake/print_notice.html", context)


@login_required
def refusal_print(request, application_id: int):
    """书面告知 (A4): why the application was not accepted, or why an item was refused, in writing with the
    reason (不予受理、不予救助的应当书面告知理由)."""
    application = application_get(actor=request.user, application_id=application_id)
    context = _print_context(request, application)
    context["refused"] = [i for i in context["items"] if i.status == ItemStatus.REFUSED]
    if application.status != ApplicationStatus.NOT_ACCEPTED and not context["refused"]:
        messages.error(request, "该申请没有不予受理或不予救助的决定，无需书面告知")
        return redirect("intake:application_detail", application.pk)
    return render(request, "intake/print_refusal.html", context)
