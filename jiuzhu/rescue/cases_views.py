"""The cases part's pages: the station dashboard, admission (入站登记, with the refusal path), the case list with
filters and Excel export, the rescue record with its timeline and actions, incidents, and three A4 print pages
(求助登记表, 自行离站声明书, 在站服务及离站登记表). Views are thin: rules live in cases_services, reads in
cases_selectors; a refused write shows the page again with the message beside the field and what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.files import limit_uploads, stored_file_response
from jiuzhu.core.links import related_links
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.rescue import cases_forms as f
from jiuzhu.rescue import cases_selectors as selectors
from jiuzhu.rescue import cases_services as services
from jiuzhu.rescue.models import (
    CLIENT_GROUPS,
    OPEN_ESCALATION_STATUSES,
    STAY_STATUSES,
    CaseStatus,
    DischargeKind,
    Escalation,
    PlacementKind,
)

PAGE_SIZE = 50


def _add_error(form, exc: DomainError) -> None:
    """The service's message beside the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# ---- The dashboard ----------------------------------------------------------------------------------------

@login_required
def dashboard(request):
    require(request.user, Capability.RESCUE_CASES)
    station_id = request.GET.get("station")
    station_id = int(station_id) if station_id and station_id.isdigit() else None
    figures = selectors.dashboard(actor=request.user, station_id=station_id)
    census = figures["census"]
    peak = max([n for _, n in census] + [1])
    return render(request, "rescue/dashboard.html", {
        "f": figures, "stations": figures["station_choices"], "station_id": station_id,
        "census": census, "peak": peak,
        "in_stay": figures["in_station"] + figures["in_hospital"] + figures["in_foster"],
        "pending_extensions": figures["pending_extensions"],
        "may_approve": can(request.user, Capability.APPROVE_RESCUE)})


# ---- Admission --------------------------------------------------------------------------------------------

@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
def admission_new(request):
    require(request.user, Capability.RESCUE_CASES)
    if request.method == "POST":
        limit_uploads(request)  # before the body is parsed: no photo is kept beyond the size limit
    return _admission(request)


@csrf_protect
def _admission(request):
    if request.method != "POST":
        return render(request, "rescue/admission_new.html", {"form": f.AdmissionForm(), "groups": CLIENT_GROUPS})
    form = f.AdmissionForm(request.POST, request.FILES)
    refusing = request.POST.get("action") == "refuse"
    if form.is_valid():
        try:
            if refusing:
                data = form.cleaned_data
                case = services.case_refuse(
                    actor=request.user, sex=data["sex"], reason=data["refusal_reason"], name=data["name"],
                    estimated_age=data["estimated_age"], id_number=data["id_number"],
                    arrival_channel=data["arrival_channel"])
                messages.success(request, "已登记不予救助，理由已记录")
            else:
                case = services.case_admit(actor=request.user, **form.admission_fields())
                messages.success(request, f"已入站登记：{case.display_name}，救助期限至 {case.period_end:%Y-%m-%d}")
            return redirect("rescue:case_detail", case.pk)
        except DomainError as exc:
            if exc.field == "reason":
                form.add_error("refusal_reason", exc.message)
            else:
                _add_error(form, exc)
    return render(request, "rescue/admission_new.html", {"form": form, "groups": CLIENT_GROUPS}, status=400)


# ---- The list and its export ------------------------------------------------------------------------------------

def _list_args(request) -> dict:
    show = request.GET.get("show", "stay")
    return {"show": show if show in selectors.FILTERS else "stay", "name": request.GET.get("name", "")[:50]}


@login_required
def case_list(request):
    require(request.user, Capability.RESCUE_CASES)
    args = _list_args(request)
    rows = selectors.case_search(actor=request.user, **args)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    on = selectors.today()
    for c in page.object_list:
        c.age_now = c.age_on(on)
    selectors.audit_cases_shown(request.user, [c.pk for c in page.object_list], purpose="list")
    return render(request, "rescue/case_list.html", {
        "page": page, "rows": page.object_list, "args": args, "filters": selectors.FILTERS,
        "today": selectors.today(), "stay": STAY_STATUSES, "query": request.GET.urlencode()})


EXPORT_HEADERS = ["救助编号", "姓名", "性别", "年龄", "受助人员类别", "来站方式", "入站日期", "救助期限", "状态",
                  "长期滞留", "离站日期", "救助管理站"]


@login_required
def case_export(request):
    require(request.user, Capability.RESCUE_CASES)
    args = _list_args(request)
    rows = selectors.case_search(actor=request.user, **args)
    selectors.audit_cases_shown(request.user, rows.values_list("pk", flat=True), purpose="export")
    on = selectors.today()

    def lines():
        for c in rows.iterator(chunk_size=2000):
            age = c.age_on(on)
            yield [c.number, c.display_name, c.get_sex_display(), "" if age is None else age, "、".join(c.groups),
                   c.get_arrival_channel_display(), c.admitted_on, c.period_until, c.get_status_display(),
                   "是" if c.long_stay else "", c.discharged_on or "", c.station.name]
    return xlsx_response("救助记录.xlsx", EXPORT_HEADERS, lines(), actor=request.user, object_type="rescue.rescuecase",
                         filters=args)


# ---- The rescue record -----------------------------------------------------------------------------------------

ACTION_FORMS = {
    "care": f.CareLogForm, "hospital": f.HospitalForm, "foster": f.FosterForm, "return": f.ReturnForm,
    "visit": f.VisitForm, "extension": f.ExtensionForm, "decide": f.DecideForm, "discharge": f.DischargeForm,
    "incident": f.IncidentForm, "escalate": f.EscalationForm, "settle_apply": f.SettlementApplyForm,
    "settle_plan": f.SettlementPlanForm, "settle_approve": f.SettlementApprovalForm,
    "settle_complete": f.SettlementCompleteForm, "identify": f.IdentityForm,
    "lookup": f.RegistryCheckForm,
}


def _run(action: str, actor, case, data: dict):
    if action == "care":
        return services.care_log_add(actor=actor, case=case, day=data["day"], health=data["health"],
                                     meals=data["meals"], mood=data["mood"], note=data["note"])
    if action == "hospital":
        return services.hospital_transfer(actor=actor, case=case, institution=data["institution"],
                                          reason=data["reason"], on=data["on"])
    if action == "foster":
        return services.foster_place(actor=actor, case=case, institution=data["institution"],
                                     agreement_number=data["agreement_number"], reason=data["reason"], on=data["on"])
    if action == "return":
        return services.placement_end(actor=actor, case=case, note=data["note"], on=data["on"])
    if action == "visit":
        return services.supervision_visit_add(actor=actor, case=case, findings=data["findings"],
                                              concerns=data["concerns"], on=data["on"])
    if action == "extension":
        return services.extension_request(actor=actor, case=case, days=data["days"], reason=data["reason"])
    if action == "decide":
        pending = selectors.pending_extension(case)
        if pending is None:
            raise DomainError("没有待审批的延长申请", code="refused")
        return services.extension_decide(actor=actor, extension=pending, approve=data["decision"] == "approve",
                                         note=data["note"])
    if action == "discharge":
        return services.case_discharge(actor=actor, case=case, **data)
    if action == "incident":
        return services.incident_report(actor=actor, case=case, kind=data["kind"], text=data["text"],
                                        occurred_at=data["occurred_at"], place=data["place"])
    if action == "identify":
        return services.case_identity_confirm(actor=actor, case=case, id_number=data["id_number"], name=data["name"])
    if action == "lookup":
        return services.case_registry_check(actor=actor, case=case, name=data["name"], birth_date=data["birth_date"])
    if action == "escalate":
        return services.case_escalate(actor=actor, case=case, kind=data["kind"], reason=data["reason"])
    if action == "settle_apply":
        return services.settlement_apply(actor=actor, case=case, note=data["note"])
    settlement = getattr(case, "settlement", None)
    if settlement is None:
        raise DomainError("尚未申请落户安置", code="refused")
    if action == "settle_plan":
        return services.settlement_advance(actor=actor, settlement=settlement, plan=data["plan"])
    if action == "settle_approve":
        return services.settlement_advance(actor=actor, settlement=settlement,
                                           approval_reference=data["approval_reference"])
    if action == "settle_complete":
        return services.settlement_complete(actor=actor, settlement=settlement, kind=data["kind"],
                                            institution=data["institution"])
    raise Http404


DONE = {"care": "已记录照料情况", "hospital": "已登记送医", "foster": "已登记站外托养", "return": "已登记返回站内",
        "visit": "已登记监督检查", "extension": "已提交延长救助期限申请，待审批", "decide": "已审批延长申请",
        "discharge": "已办理离站", "incident": "已报告异常事件", "escalate": "已提级至区域性中心",
        "settle_apply": "已申请落户安置", "settle_plan": "已登记安置方案", "settle_approve": "已登记政府批准",
        "settle_complete": "已办理落户安置", "identify": "已登记查明的身份",
        "lookup": "已查询低收入人口库"}


def _escalations(actor, case, *, failed: str = "", form=None) -> list:
    """The record's escalations, newest first; an open one sent to the actor's regional centre carries the
    forms to accept or close it (the failed one bound, with its errors)."""
    rows = list(case.escalations.select_related("regional_centre", "requested_by", "accepted_by")
                .order_by("-requested_at"))
    for e in rows:
        e.mine = e.status in OPEN_ESCALATION_STATUSES and (actor.is_superuser
                                                           or actor.organization_id == e.regional_centre_id)
        e.accept_form = f.EscalationAcceptForm(prefix=f"accept{e.pk}")
        e.close_form = f.EscalationCloseForm(prefix=f"close{e.pk}")
        if failed == f"accept{e.pk}":
            e.accept_form = form
        if failed == f"close{e.pk}":
            e.close_form = form
    return rows


def _detail(request, case, *, failed: str = "", form=None, status: int = 200):
    actor = request.user
    forms = {name: cls(prefix=name) for name, cls in ACTION_FORMS.items()}
    if failed in forms:
        forms[failed] = form
    settlement = getattr(case, "settlement", None)
    placement = selectors.open_placement(case)
    pending = selectors.pending_extension(case)
    in_stay = case.status in STAY_STATUSES
    return render(request, "rescue/case_detail.html", {
        "c": case, "who": selectors.shown_identity(actor, case), "forms": forms, "failed": failed,
        "timeline": selectors.case_timeline(actor=actor, case=case),
        "placements": selectors.case_placements(case), "open_placement": placement, "pending": pending,
        "care_logs": case.care_logs.select_related("author").order_by("-day"),
        "extensions": case.extensions.select_related("requested_by", "decided_by").order_by("-requested_at"),
        "discharge": getattr(case, "discharge", None) if case.status == CaseStatus.DISCHARGED else None,
        "incidents": case.incidents.order_by("-occurred_at"), "in_stay": in_stay,
        "in_station": case.status == CaseStatus.IN_STATION, "foster_open": bool(
            placement and placement.kind == PlacementKind.FOSTER),
        "may_approve": can(actor, Capability.APPROVE_RESCUE), "today": selectors.today(),
        "escalations": _escalations(actor, case, failed=failed, form=form),
        "has_centre": services.regional_centre_of(case.station) is not None, "settlement": settlement,
        "may_lookup": can(actor, Capability.LOOKUP_REGISTRY),
        "discharge_plan": selectors.pending_discharge_plan(case),
        "related": related_links(actor, selectors.CASE_OBJECT_TYPE, case)},
        status=status)


@login_required
def case_detail(request, pk: int):
    case = selectors.case_get(actor=request.user, case_id=pk)
    return _detail(request, case)


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    if action not in ACTION_FORMS:
        raise Http404
    require(request.user, Capability.RESCUE_CASES)
    case = selectors.case_get(actor=request.user, case_id=pk, purpose=action)
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        try:
            _run(action, request.user, case, form.cleaned_data)
            messages.success(request, DONE[action])
            return redirect("rescue:case_detail", case.pk)
        except DomainError as exc:
            _add_error(form, exc)
    case.refresh_from_db()
    return _detail(request, case, failed=action, form=form, status=400)


@login_required
@require_POST
def escalation_action(request, pk: int, action: str):
    """The regional centre accepts (提级办理 or 下沉协助) or closes an escalation, from the record's page."""
    require(request.user, Capability.RESCUE_CASES)
    escalation = get_object_or_404(Escalation.objects.select_related("case"), pk=pk)
    case = selectors.case_get(actor=request.user, case_id=escalation.case_id, purpose=f"escalation_{action}")
    if action == "accept":
        form = f.EscalationAcceptForm(request.POST, prefix=f"accept{pk}")
    elif action == "close":
        form = f.EscalationCloseForm(request.POST, prefix=f"close{pk}")
    else:
        raise Http404
    if form.is_valid():
        try:
            if action == "accept":
                services.escalation_accept(actor=request.user, escalation=escalation,
                                           delegate=form.cleaned_data["mode"] == "delegate",
                                           note=form.cleaned_data["note"])
                messages.success(request, "已受理提级事项")
            else:
                services.escalation_close(actor=request.user, escalation=escalation,
                                          outcome=form.cleaned_data["outcome"])
                messages.success(request, "提级事项已办结")
            return redirect("rescue:case_detail", case.pk)
        except DomainError as exc:
            _add_error(form, exc)
    return _detail(request, case, failed=f"{action}{pk}", form=form, status=400)


@login_required
def case_photo(request, pk: int):
    """The client's photo, to whoever may open the record (404 otherwise); audited like the record."""
    case = selectors.case_get(actor=request.user, case_id=pk, purpose="photo")
    if not case.photo_key:
        raise Http404("没有留存照片")
    return stored_file_response(case.photo_key)


# ---- Print pages (A4) -------------------------------------------------------------------------------------------

PRINTS = {"request": "rescue/print_request.html", "self_leave": "rescue/print_self_leave.html",
          "service": "rescue/print_service.html", "refusal": "rescue/print_refusal.html",
          "termination": "rescue/print_termination.html"}


@login_required
def case_print(request, pk: int, form: str):
    if form not in PRINTS:
        raise Http404
    case = selectors.case_get(actor=request.user, case_id=pk, purpose=f"print_{form}")
    discharge = getattr(case, "discharge", None) if case.status == CaseStatus.DISCHARGED else None
    if form == "self_leave" and case.status in (CaseStatus.REFUSED,):
        raise Http404
    # The two notices exist only for what they notify: a refusal, an ended help.
    if form == "refusal" and case.status != CaseStatus.REFUSED:
        raise Http404
    if form == "termination" and (discharge is None or discharge.kind != DischargeKind.TERMINATED):
        raise Http404
    return render(request, PRINTS[form], {
        "c": case, "who": selectors.shown_identity(request.user, case), "discharge": discharge,
        "self_leave": DischargeKind.SELF_LEAVE, "placements": selectors.case_placements(case),
        "care_days": case.care_logs.count(), "printed_on": selectors.today(), "groups": CLIENT_GROUPS})


# ---- Incidents -----------------------------------------------------------------------------------------------------

@login_required
def incident_list(request):
    require(request.user, Capability.RESCUE_CASES)
    show = request.GET.get("show", "open")
    show = show if show in ("open", "closed", "all") else "open"
    rows = selectors.incident_search(actor=request.user, show=show)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rescue/incident_list.html", {"page": page, "rows": page.object_list, "show": show,
                                                          "form": f.IncidentForm()})


@login_required
@require_POST
def incident_new(request):
    """An incident of the station itself (an outbreak), not about one client."""
    require(request.user, Capability.RESCUE_CASES)
    form = f.IncidentForm(request.POST)
    if form.is_valid():
        try:
            incident = services.incident_report(actor=request.user, **form.cleaned_data)
            messages.success(request, "已报告异常事件，站负责人和上级区域性中心可即时查看")
            return redirect("rescue:incident_detail", incident.pk)
        except DomainError as exc:
            _add_error(form, exc)
    rows = selectors.incident_search(actor=request.user, show="open")
    page = Paginator(rows, PAGE_SIZE).get_page(1)
    return render(request, "rescue/incident_list.html", {"page": page, "rows": page.object_list, "show": "open",
                                                          "form": form, "failed": True}, status=400)


def _incident_page(request, incident, *, action_form=None, close_form=None, status: int = 200):
    return render(request, "rescue/incident_detail.html", {
        "i": incident, "entries": incident.entries.select_related("author"),
        "action_form": action_form or f.IncidentActionForm(prefix="note"),
        "close_form": close_form or f.IncidentCloseForm(prefix="close"),
        "may_approve": can(request.user, Capability.APPROVE_RESCUE)}, status=status)


@login_required
def incident_detail(request, pk: int):
    require(request.user, Capability.RESCUE_CASES)
    return _incident_page(request, selectors.incident_get(actor=request.user, incident_id=pk))


@login_required
@require_POST
def incident_action(request, pk: int, action: str):
    require(request.user, Capability.RESCUE_CASES)
    incident = selectors.incident_get(actor=request.user, incident_id=pk)
    if action == "note":
        form = f.IncidentActionForm(request.POST, prefix="note")
        call, done = services.incident_add_action, "已记录处置情况"
    elif action == "close":
        form = f.IncidentCloseForm(request.POST, prefix="close")
        call, done = services.incident_close, "已结案"
    else:
        raise Http404
    if form.is_valid():
        try:
            call(actor=request.user, incident=incident, text=form.cleaned_data["text"])
            messages.success(request, done)
            return redirect("rescue:incident_detail", incident.pk)
        except DomainError as exc:
            _add_error(form, exc)
    incident.refresh_from_db()
    forms = {"action_form": form} if action == "note" else {"close_form": form}
    return _incident_page(request, incident, status=400, **forms)
