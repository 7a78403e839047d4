"""Pages of the hotline: the call log (filters, paging), the call form, a call's page with the complaint's
answer. Writes go through hotline_services; a refusal shows the form again with the message beside the field
and everything typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.intake import hotline_forms as forms
from jiuzhu.intake import hotline_selectors as selectors
from jiuzhu.intake import hotline_services as services
from jiuzhu.intake.models import CallOutcome, ComplaintStatus


@login_required
def hotline_list(request):
    require(request.user, Capability.INTAKE)
    picker = pick_region(request.user, request.GET)
    filters = selectors.parse_filters(request.GET, picker.region)
    rows = selectors.call_list(actor=request.user, filters=filters)
    page = Paginator(rows.none() if picker.error else rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    for call in shown:
        call.overdue = selectors.is_overdue(call)
    return render(request, "intake/hotline_list.html", {
        "page": page, "rows": shown, "picker": picker, "filters": filters, "outcomes": CallOutcome.choices,
        "line": services.hotline_line(request.user.region)})


def _form(request, *, values=None, errors=None, picker=None, status=200):
    require(request.user, Capability.INTAKE)
    errors = errors or {}
    return render(request, "intake/hotline_form.html", {
        "values": values or {"items": []}, "errors": errors,
        "other_error": next((m for k, m in errors.items() if k not in forms.SHOWN_BESIDE), ""),
        "picker": picker or pick_region(request.user, {}), "outcomes": forms.outcome_choices(),
        "item_choices": forms.item_choices(), "line": services.hotline_line(request.user.region)}, status=status)


@login_required
def hotline_new(request):
    if request.method != "POST":
        return _form(request)
    require(request.user, Capability.INTAKE)
    picker = pick_region(request.user, request.POST)
    values = forms.call_values(request.POST)
    errors = {}
    if picker.error:
        errors["region"] = picker.error
    else:
        try:
            call = services.hotline_call_log(actor=request.user, region=picker.region,
                                             **forms.service_arguments(values))
        except DomainError as exc:
            errors[forms.error_field(exc.field)] = exc.message
        else:
            done = {CallOutcome.APPLICATION: f"来电已登记，并转为救助申请（查询码 {call.application.query_code}）"
                    if call.application else "来电已登记",
                    CallOutcome.COMPLAINT: f"投诉已登记，请于 {call.complaint_due_date:%Y-%m-%d} 前答复",
                    CallOutcome.SIGHTING: "线索已登记，已通知救助管理机构"}.get(call.outcome, "来电已登记")
            messages.success(request, done)
            return redirect("intake:hotline_detail", call.pk)
    return _form(request, values=values, errors=errors, picker=picker, status=400)


def _detail(request, call, *, error: str = "", answer: str = "", status: int = 200):
    return render(request, "intake/hotline_detail.html", {
        "call": call, "overdue": selectors.is_overdue(call), "error": error, "answer": answer,
        "may_answer": call.complaint_status == ComplaintStatus.OPEN}, status=status)


@login_required
def hotline_detail(request, call_id: int):
    call = selectors.call_get(actor=request.user, call_id=call_id)
    audit_read(request.user, call, person_id=call.application.person_id if call.application else None,
               detail={"purpose": "hotline_call"})
    return _detail(request, call)


@login_required
@require_POST
def complaint_answer(request, call_id: int):
    call = selectors.call_get(actor=request.user, call_id=call_id)
    answer = forms.answer_value(request.POST)
    try:
        services.complaint_answer(actor=request.user, call=call, answer=answer)
    except DomainError as exc:
        return _detail(request, call, error=exc.message, answer=answer, status=400)
    messages.success(request, "投诉已答复")
    return redirect("intake:hotline_detail", call.pk)
