"""Pages of warning handling: the list (filters, Excel), the detail page with its actions, the department's
inbox of referrals, the approver's terminations, and a kept file's download. Writes go through
warning_services; a refused write shows the page again with the message next to the form and what was typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core import files
from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError, clean_date
from jiuzhu.core.exports import content_disposition, xlsx_response
from jiuzhu.core.links import related_links
from jiuzhu.core.models import Organization
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_picker import pick_region
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor
from jiuzhu.monitoring import warning_selectors as selectors
from jiuzhu.monitoring import warning_services as services
from jiuzhu.monitoring.models import (
    IndicatorClass,
    TerminationStatus,
    VisitResult,
    WarningFile,
    WarningStatus,
    WarningTermination,
)
from jiuzhu.monitoring.references import CASE_CONFERENCE
from jiuzhu.monitoring.warning_labels import event_label
from jiuzhu.registry.models import AssistanceCategory


def _date(request, name: str, label: str) -> dt.date | None:
    return clean_date(request.POST.get(name), label, name)


def _amount(value: str | None, label: str) -> Decimal | None:
    value = (value or "").strip().replace(",", "").replace("，", "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise DomainError(f"{label}应为数字，如 600 或 600.50", code="validation_error") from None


# ---- The list ----------------------------------------------------------------------------------------

@login_required
def warning_list(request):
    require(request.user, Capability.HANDLE_WARNINGS)
    if is_department_actor(request.user):
        return redirect("monitoring:referred_warnings")
    picker = pick_region(request.user, request.GET)
    filters = selectors.parse_filters(request.GET, picker.region)
    rows = selectors.warning_list(actor=request.user, filters=filters)
    page = Paginator(rows if not picker.error else rows.none(), selectors.PAGE_SIZE)\
        .get_page(request.GET.get("page"))
    shown = list(page.object_list)
    selectors.audit_listed(request.user, shown)
    return render(request, "monitoring/warning_list.html", {
        "page": page, "rows": shown, "picker": picker, "filters": filters, "statuses": WarningStatus.choices,
        "classes": IndicatorClass.choices, "indicators": selectors.indicators(), "today": selectors.today()})


EXPORT_HEADERS = ["预警编号", "指标", "类别", "预警等级", "姓名", "户号", "属地", "状态", "处置方式", "办理期限",
                  "是否超期", "转介部门", "预警时间"]


@login_required
def warning_export(request):
    """The filtered list as Excel (core/exports), audited: the export row with its filters and count, and one
    read row per registry person it names."""
    require(request.user, Capability.HANDLE_WARNINGS)
    picker = pick_region(request.user, request.GET)
    filters = selectors.parse_filters(request.GET, picker.region)
    rows = [] if picker.error else list(selectors.warning_list(actor=request.user, filters=filters)[:50_000])
    selectors.audit_listed(request.user, rows, purpose="export")
    data = ([w.pk, w.indicator.name, w.indicator.get_indicator_class_display(), w.get_severity_display(),
             w.person.name if w.person else w.subject_name, w.household_id or "", w.region.full_name,
             w.get_status_display(), w.get_disposition_display() if w.disposition else "", w.due_date,
             "是" if w.overdue and w.status != WarningStatus.CLOSED else "否",
             w.referred_to.name if w.referred_to else "", w.raised_at] for w in rows)
    return xlsx_response(f"预警清单_{dt.date.today():%Y%m%d}.xlsx", EXPORT_HEADERS, data, actor=request.user,
                         object_type="monitoring.warning", filters=filters.as_audit())


# ---- The detail page and its actions --------------------------------------------------------------------

def _detail(request, warning, *, failed: dict | None = None, status: int = 200):
    actor = request.user
    department = is_department_actor(actor)
    handler = can(actor, Capability.HANDLE_WARNINGS) and not department
    context = {
        "w": warning, "subject": selectors.subject_view(actor, warning),
        "evidence": selectors.evidence_rows(warning),
        "history": [(e, event_label(e.kind)) for e in selectors.warning_history(warning)],
        "visits": warning.visits.select_related("file", "recorded_by").order_by("visited_on", "pk"),
        "referrals": warning.referrals.select_related("organization", "answer_file", "answered_by")
        .order_by("pk"),
        # each with the links other apps give it (core/links.py): the safety-net fund's disbursement for it
        "conferences": [(c, related_links(actor, CASE_CONFERENCE, c)) for c in warning.conferences.order_by("pk")],
        "terminations": warning.terminations.select_related("tier_decision", "grant", "proposed_by",
                                                            "decided_by").order_by("pk"),
        "due_text": selectors.deadline_text(warning.due_date), "today": selectors.today(),
        "handler": handler, "department": department, "failed": failed or {},
        "values": (failed or {}).get("values", {}), "results": VisitResult.choices,
        "death": services.is_death_warning(warning), "implement_ways": services.IMPLEMENT_WAYS,
        "categories": AssistanceCategory.choices, "referral_days": services.REFERRAL_DAYS_DEFAULT,
    }
    if handler and warning.status != WarningStatus.CLOSED:
        context["departments"] = selectors.departments_for(warning)
        context["targets"] = services.termination_targets(warning)
        context["pending_termination"] = warning.terminations.filter(status=TerminationStatus.PENDING).first()
        context["awaiting_answer"] = warning.referrals.filter(answered_at__isnull=True).exists()
        if warning.household_id:
            context["members"] = list(warning.household.members.filter(death_date__isnull=True).order_by("pk"))
    return render(request, "monitoring/warning_detail.html", context, status=status)


@login_required
def warning_detail(request, warning_id: int):
    warning = selectors.warning_get(actor=request.user, warning_id=warning_id)
    return _detail(request, warning)


def _act(request, warning_id: int, form: str, action, done: str):
    """Runs one action on a warning in scope; on a refusal the page comes back with the message and values."""
    warning = selectors.warning_get(actor=request.user, warning_id=warning_id, purpose=form)
    try:
        action(warning)
    except DomainError as exc:
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        return _detail(request, warning, failed={"form": form, "error": exc.message, "values": values}, status=400)
    messages.success(request, done)
    return redirect("monitoring:warning_detail", warning.pk)


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
@require_POST
def visit_add(request, warning_id: int):
    files.limit_uploads(request)
    return _visit_add(request, warning_id)


@csrf_protect
def _visit_add(request, warning_id: int):
    def run(w):
        services.warning_visit_record(actor=request.user, warning=w,
                                      visited_on=_date(request, "visited_on", "核实日期"),
                                      visitors=request.POST.get("visitors", ""),
                                      findings=request.POST.get("findings", ""), result=request.POST.get("result", ""),
                                      upload=request.FILES.get("file"))
    return _act(request, warning_id, "visit", run, "入户核实已登记")


@login_required
@require_POST
def implement(request, warning_id: int):
    def run(w):
        way = request.POST.get("way", "")
        grant = None
        if way == services.IMPLEMENT_GRANT:
            person = request.POST.get("person_id", "")
            grant = {"category": request.POST.get("category", ""),
                     "period_start": _date(request, "period_start", "起始日期") or dt.date.today(),
                     "monthly_amount": _amount(request.POST.get("monthly_amount"), "月发放金额"),
                     "once_amount": _amount(request.POST.get("once_amount"), "一次性金额"),
                     "person_id": int(person) if person.isdigit() else None,
                     "acknowledge": request.POST.get("acknowledge") == "on"}
        services.warning_implement_policy(actor=request.user, warning=w, way=way, note=request.POST.get("note", ""),
                                          grant=grant)
    return _act(request, warning_id, "implement", run, "已落实政策，预警办结")


@login_required
@require_POST
def refer(request, warning_id: int):
    def run(w):
        org_id = request.POST.get("organization", "")
        organization = Organization.objects.select_related("region").filter(pk=int(org_id)).first() \
            if org_id.isdigit() else None
        services.warning_refer(actor=request.user, warning=w, organization=organization,
                               request=request.POST.get("request", ""),
                               working_days=request.POST.get("working_days") or services.REFERRAL_DAYS_DEFAULT)
    return _act(request, warning_id, "refer", run, "已转介部门，等待部门答复")


@login_required
@require_POST
def close_referred(request, warning_id: int):
    def run(w):
        services.warning_close_referred(actor=request.user, warning=w, note=request.POST.get("note", ""))
    return _act(request, warning_id, "close", run, "预警已办结")


@login_required
@require_POST
def conference(request, warning_id: int):
    def run(w):
        person = request.POST.get("person_id", "")
        services.warning_case_conference(actor=request.user, warning=w,
                                         held_on=_date(request, "held_on", "议事日期"),
                                         participants=request.POST.get("participants", ""),
                                         decision=request.POST.get("decision", ""),
                                         amount=_amount(request.POST.get("amount"), "议定金额"),
                                         person_id=int(person) if person.isdigit() else None,
                                         acknowledge=request.POST.get("acknowledge") == "on")
    return _act(request, warning_id, "conference", run, "一事一议已登记，预警办结")


@login_required
@require_POST
def terminate(request, warning_id: int):
    def run(w):
        services.warning_terminate_propose(actor=request.user, warning=w, target=request.POST.get("target", ""),
                                           end_date=_date(request, "end_date", "终止日期"),
                                           reason=request.POST.get("reason", ""))
    return _act(request, warning_id, "terminate", run, "已提请核查终止，等待审批")


@csrf_exempt
@login_required
@require_POST
def rebut(request, warning_id: int):
    files.limit_uploads(request)
    return _rebut(request, warning_id)


@csrf_protect
def _rebut(request, warning_id: int):
    def run(w):
        services.warning_rebut_death(actor=request.user, warning=w, upload=request.FILES.get("file"),
                                     note=request.POST.get("note", ""))
    return _act(request, warning_id, "rebut", run, "已上传未死亡证明，预警核销")


@login_required
def warning_file(request, file_id: int):
    """A kept file, to whoever may see its warning (404 otherwise); the read is audited."""
    kept = WarningFile.objects.select_related("warning").filter(pk=file_id).first()
    if kept is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    warning = selectors.warning_get(actor=request.user, warning_id=kept.warning_id, purpose="file")
    audit_read(request.user, kept, person_id=warning.person_id, detail={"purpose": "download"})
    response = HttpResponse(files.stored_file_read(kept.file_key), content_type=kept.content_type)
    response["Content-Disposition"] = content_disposition(kept.original_filename).replace("attachment", "inline", 1)
    return response


# ---- The department's inbox --------------------------------------------------------------------------------

@login_required
def referred_warnings(request, failed: dict | None = None, status: int = 200):
    require(request.user, Capability.HANDLE_WARNINGS)
    waiting = list(selectors.department_referrals(request.user, answered=False))
    answered = list(selectors.department_referrals(request.user, answered=True)[:50])
    selectors.audit_listed(request.user, [r.warning for r in waiting + answered], purpose="referral_inbox")
    for r in waiting + answered:
        r.subject = selectors.subject_view(request.user, r.warning)
        r.due_text = selectors.deadline_text(r.due_date)
    return render(request, "monitoring/referred_warnings.html", {
        "waiting": waiting, "answered": answered, "today": selectors.today(), "failed": failed or {}},
        status=status)


@csrf_exempt
@login_required
@require_POST
def referral_answer(request, referral_id: int):
    files.limit_uploads(request)
    return _referral_answer(request, referral_id)


@csrf_protect
def _referral_answer(request, referral_id: int):
    referral = selectors.referral_get(request.user, referral_id)
    try:
        services.referral_answer(actor=request.user, referral=referral, answer=request.POST.get("answer", ""),
                                 upload=request.FILES.get("file") or None)
    except DomainError as exc:
        return referred_warnings(request, failed={"id": referral.pk, "error": exc.message,
                                                  "answer": request.POST.get("answer", "")}, status=400)
    messages.success(request, f"已答复预警 #{referral.warning_id}")
    return redirect("monitoring:referred_warnings")


# ---- The approver's terminations ---------------------------------------------------------------------------

@login_required
def terminations(request):
    require(request.user, Capability.DECIDE_TERMINATIONS)
    rows = list(selectors.pending_terminations(request.user).select_related(
        "warning", "warning__indicator", "warning__person", "warning__region", "tier_decision", "grant",
        "proposed_by").order_by("proposed_at")[:200])
    selectors.audit_listed(request.user, [t.warning for t in rows], purpose="terminations")
    return render(request, "monitoring/warning_terminations.html", {"rows": rows})


@login_required
@require_POST
def termination_decide(request, termination_id: int):
    require(request.user, Capability.DECIDE_TERMINATIONS)
    termination = get_scoped_or_404(WarningTermination.objects.select_related(
        "warning", "warning__indicator", "warning__region", "tier_decision__household__region",
        "tier_decision__person", "grant__household__region"), request.user,
        scope={"region_field": "warning__region"}, pk=termination_id)
    approve = request.POST.get("action") == "approve"
    try:
        services.warning_terminate_decide(actor=request.user, termination=termination, approve=approve,
                                          note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, f"预警 #{termination.warning_id}：{exc.message}")
    else:
        outcome = "已批准终止" if approve else "未批准，已退回经办"
        messages.success(request, f"预警 #{termination.warning_id}：{outcome}")
    return redirect("monitoring:terminations")
