"""Follow-up pages: the week's visits (the coordinator's phone page), a visit recorded and handed over to intake,
the returnee ledger with the feedback letter (A4), the at-risk registry, repeat alerts. Views are thin: rules in
services, reads in selectors; a refused write shows the page again with the message beside the field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.files import limit_uploads, stored_file_response, upload_bytes
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.followup import forms as f
from jiuzhu.followup import selectors, services
from jiuzhu.followup.models import FeedbackMode

PAGE_SIZE = 50


def _add_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _show(request, table: dict, default: str) -> str:
    show = request.GET.get("show", default)
    return show if show in table else default


# ---- Visits ------------------------------------------------------------------------------------------------------

@login_required
def visit_list(request):
    show = _show(request, selectors.VISIT_FILTERS, "week")
    rows = selectors.visit_search(actor=request.user, show=show)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_visits_shown(request.user, page.object_list, purpose="visit_list")
    return render(request, "followup/visit_list.html", {
        "page": page, "rows": page.object_list, "show": show, "filters": selectors.VISIT_FILTERS,
        "today": selectors.today(), "counts": selectors.counts(actor=request.user)})


VISIT_HEADERS = ["回访编号", "姓名", "回访对象", "责任地区", "第几次", "应回访日期", "状态", "回访日期", "回访方式",
                 "发现困难", "转入申请查询码", "送返救助管理站"]


@login_required
def visit_export(request):
    show = _show(request, selectors.VISIT_FILTERS, "week")
    rows = selectors.visit_search(actor=request.user, show=show).select_related("entry__station")
    selectors.audit_entries_shown(request.user, rows.filter(entry__isnull=False).values_list("entry_id", flat=True),
                                  purpose="export")
    selectors.audit_at_risk_shown(request.user, rows.filter(at_risk__isnull=False).values_list("at_risk_id",
                                                                                               flat=True),
                                  purpose="export")

    def lines():
        for v in rows.iterator(chunk_size=2000):
            yield [v.pk, v.subject_name, "返乡受助人员" if v.entry_id else "易流浪走失人员", v.region.full_name,
                   v.sequence, v.due_on, v.get_status_display(),
                   v.visited_on or "", v.get_method_display() if v.method else "",
                   v.get_hardship_display() if v.hardship else "",
                   v.application.query_code if v.application_id else "", v.entry.station.name if v.entry_id else ""]
    return xlsx_response("回访.xlsx", VISIT_HEADERS, lines(), actor=request.user,
                         object_type="followup.followupvisit", filters={"show": show})


def _visit_page(request, visit, *, form=None, handover=None, status=200):
    may_record = selectors.visits_to_record(request.user).filter(pk=visit.pk).exists()
    return render(request, "followup/visit_detail.html", {
        "v": visit, "e": visit.entry, "form": form or f.VisitForm(prefix="visit"),
        "handover": handover or f.HandoverForm(prefix="handover"), "may_record": may_record,
        "may_hand_over": may_record and can(request.user, Capability.INTAKE),
        "may_lead": may_record and can(request.user, Capability.HANDLE_WARNINGS),
        "others": visit.subject.visits.order_by("sequence"), "today": selectors.today()}, status=status)


@login_required
def visit_detail(request, pk: int):
    return _visit_page(request, selectors.visit_get(actor=request.user, visit_id=pk))


@login_required
def visit_photo(request, pk: int):
    visit = selectors.visit_get(actor=request.user, visit_id=pk, purpose="photo")
    if not visit.photo_key:
        raise Http404("没有照片")
    return stored_file_response(visit.photo_key)


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
@require_POST
def visit_action(request, pk: int, action: str):
    if action not in ("record", "handover", "lead"):
        raise Http404
    require(request.user, Capability.FOLLOWUP)
    limit_uploads(request)
    return _visit_action(request, pk, action)


@csrf_protect
def _visit_action(request, pk: int, action: str):
    visit = selectors.visit_get(actor=request.user, visit_id=pk, purpose=action)
    if action == "record":
        form = f.VisitForm(request.POST, request.FILES, prefix="visit")
        if form.is_valid():
            data = form.cleaned_data
            try:
                photo = upload_bytes(data["photo"]) if data["photo"] else None
                services.visit_record(actor=request.user, visit=visit, visited_on=data["visited_on"],
                                      method=data["method"], findings=data["findings"],
                                      hardship=data["hardship"] or "", photo=photo)
                messages.success(request, "已记录回访" + ("，发现困难：可一键转入救助申请" if data["hardship"] else ""))
                return redirect("followup:visit_detail", visit.pk)
            except DomainError as exc:
                _add_error(form, exc)
        return _visit_page(request, visit, form=form, status=400)
    if action == "lead":
        try:
            done = services.visit_to_lead(actor=request.user, visit=visit)
            messages.success(request, f"已转为监测线索，办理期限 {done.warning.due_date:%Y-%m-%d}")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("followup:visit_detail", visit.pk)
    form = f.HandoverForm(request.POST, prefix="handover")
    if form.is_valid():
        try:
            done = services.visit_handover(actor=request.user, visit=visit, items=form.cleaned_data["items"])
            messages.success(request, f"已转入救助申请，查询码 {done.application.query_code}，待窗口受理")
            return redirect("followup:visit_detail", visit.pk)
        except DomainError as exc:
            _add_error(form, exc)
    return _visit_page(request, visit, handover=form, status=400)


@login_required
def counts_page(request):
    """The counts of the statutory reports in the user's area, no persons: for the county officer and the analyst."""
    return render(request, "followup/counts.html", {"counts": selectors.counts(actor=request.user),
                                                    "today": selectors.today()})


# ---- The returnee ledger ---------------------------------------------------------------------------------------

@login_required
def entry_list(request):
    show = _show(request, selectors.ENTRY_FILTERS, "all")
    name = request.GET.get("name", "")[:50]
    rows = selectors.entry_search(actor=request.user, show=show, name=name)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_entries_shown(request.user, [e.pk for e in page.object_list], purpose="list")
    return render(request, "followup/entry_list.html", {
        "page": page, "rows": page.object_list, "show": show, "name": name, "filters": selectors.ENTRY_FILTERS,
        "query": request.GET.urlencode()})


ENTRY_HEADERS = ["台账编号", "姓名", "性别", "离站方式", "离站日期", "送返救助管理站", "流出地", "流出地依据",
                 "反馈方式", "反馈时间", "确认收到", "到家日期", "易流浪走失情形", "防止返贫监测对象"]


@login_required
def entry_export(request):
    show = _show(request, selectors.ENTRY_FILTERS, "all")
    name = request.GET.get("name", "")[:50]
    rows = selectors.entry_search(actor=request.user, show=show, name=name)
    selectors.audit_entries_shown(request.user, rows.values_list("pk", flat=True), purpose="export")

    def lines():
        for e in rows.iterator(chunk_size=2000):
            yield [e.pk, e.display_name, {"M": "男", "F": "女"}.get(e.sex, "不详"), e.case.discharge.get_kind_display(),
                   e.discharged_on, e.station.name, e.home_region.full_name if e.home_region else "",
                   e.get_home_source_display(), e.get_feedback_mode_display(),
                   e.feedback_sent_at or "", e.receipt_confirmed_at or "", e.arrived_on or "",
                   "、".join(e.condition_labels), "是" if e.relapse_watch else ""]
    return xlsx_response("返乡受助人员台账.xlsx", ENTRY_HEADERS, lines(), actor=request.user,
                         object_type=selectors.ENTRY_OBJECT_TYPE, filters={"show": show})


def _entry_page(request, entry, *, failed: str = "", form=None, status=200):
    forms_ = {"home": f.HomeForm(prefix="home"), "arrival": f.ArrivalForm(prefix="arrival")}
    if failed and form is not None:
        forms_[failed] = form
    user = request.user
    return render(request, "followup/entry_detail.html", {
        "e": entry, "forms": forms_, "failed": failed, "visits": entry.visits.order_by("sequence"),
        "station_side": services._is_station_side(user, entry), "home_side": services._is_home_side(user, entry),
        "may_confirm": services._may_confirm(user, entry), "letter": entry.feedback_mode == FeedbackMode.LETTER,
        "id_number": _id_number(user, entry)},
        status=status)


def _id_number(actor, entry) -> str:
    """Full to those who may see it (the station's own client, the home area's staff), masked otherwise."""
    if not entry.id_number_cipher:
        return ""
    number = decrypt_text(entry.id_number_cipher)
    return number if can(actor, Capability.VIEW_FULL_ID) else mask_id_number(number)


@login_required
def entry_detail(request, pk: int):
    return _entry_page(request, selectors.entry_get(actor=request.user, entry_id=pk))


CN_NUMBERS = "零一两三四五六七八九十"


def months_text(months: int) -> str:
    """A span of months as the letter says it: 两个月, 六个月, 一年, 两年, 18 个月."""
    if months % 12 == 0 and months // 12 <= 10:
        return f"{CN_NUMBERS[months // 12]}年"
    return f"{CN_NUMBERS[months]}个月" if months <= 10 else f"{months} 个月"


@login_required
def entry_letter(request, pk: int):
    """The printed feedback letter to the home office (A4), for homes whose office does not use the platform. It
    states the visit rule the schedule was made from (the home region's setting in force on the discharge day)."""
    entry = selectors.entry_get(actor=request.user, entry_id=pk, purpose="letter")
    interval, period = services.visit_rule(entry.home_region or entry.station.region, entry.discharged_on)
    return render(request, "followup/print_letter.html", {
        "e": entry, "printed_on": selectors.today(), "interval": months_text(interval), "period": months_text(period)})


@login_required
@require_POST
def entry_action(request, pk: int, action: str):
    if action not in ("home", "letter_sent", "receipt", "arrival", "relapse_notice"):
        raise Http404
    require(request.user, Capability.FOLLOWUP)
    entry = selectors.entry_get(actor=request.user, entry_id=pk, purpose=action)
    form = None
    try:
        if action == "home":
            form = f.HomeForm(request.POST, prefix="home")
            if not form.is_valid():
                return _entry_page(request, entry, failed=action, form=form, status=400)
            services.returnee_set_home(actor=request.user, entry=entry, region=form.cleaned_data["place"])
            messages.success(request, "已设定流出地")
        elif action == "letter_sent":
            services.returnee_letter_sent(actor=request.user, entry=entry)
            messages.success(request, "已登记寄送书面反馈")
        elif action == "relapse_notice":
            services.relapse_notice_sent(actor=request.user, entry=entry)
            messages.success(request, "已登记通报乡村振兴部门")
        elif action == "receipt":
            services.returnee_confirm_receipt(actor=request.user, entry=entry)
            messages.success(request, "已确认收到反馈")
        else:
            form = f.ArrivalForm(request.POST, prefix="arrival")
            if not form.is_valid():
                return _entry_page(request, entry, failed=action, form=form, status=400)
            services.returnee_confirm_arrival(actor=request.user, entry=entry,
                                              arrived_on=form.cleaned_data["arrived_on"],
                                              note=form.cleaned_data["note"])
            messages.success(request, "已确认到家")
    except DomainError as exc:
        if form is not None:
            _add_error(form, exc)
            entry.refresh_from_db()
            return _entry_page(request, entry, failed=action, form=form, status=400)
        messages.error(request, exc.message)
        return _entry_page(request, entry, status=400)
    return redirect("followup:entry_detail", entry.pk)


# ---- The at-risk registry ------------------------------------------------------------------------------------

@login_required
def atrisk_list(request, form=None, status=200):
    show = _show(request, selectors.AT_RISK_FILTERS, "listed")
    rows = selectors.at_risk_search(actor=request.user, show=show)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_at_risk_shown(request.user, [p.pk for p in page.object_list], purpose="list")
    return render(request, "followup/atrisk_list.html", {
        "page": page, "rows": page.object_list, "show": show, "filters": selectors.AT_RISK_FILTERS,
        "form": form or f.AtRiskForm(actor=request.user)}, status=status)


AT_RISK_HEADERS = ["编号", "姓名", "性别", "居住地", "住址", "易流浪走失情形", "监护人（联系人）", "来源", "状态"]


@login_required
def atrisk_export(request):
    """The roster for the township (花名册通报给镇、街道)."""
    show = _show(request, selectors.AT_RISK_FILTERS, "listed")
    rows = selectors.at_risk_search(actor=request.user, show=show)
    selectors.audit_at_risk_shown(request.user, rows.values_list("pk", flat=True), purpose="export")

    def lines():
        for p in rows.iterator(chunk_size=2000):
            yield [p.pk, p.name, {"M": "男", "F": "女"}.get(p.sex, ""), p.region.full_name, p.address,
                   "、".join(p.condition_labels), p.guardian, p.get_source_display(), p.get_status_display()]
    return xlsx_response("易流浪走失人员花名册.xlsx", AT_RISK_HEADERS, lines(), actor=request.user,
                         object_type=selectors.AT_RISK_OBJECT_TYPE, filters={"show": show})


@login_required
@require_POST
def atrisk_new(request):
    require(request.user, Capability.FOLLOWUP)
    form = f.AtRiskForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            person = services.at_risk_enter(actor=request.user, **form.cleaned_data)
            messages.success(request, "已登记，待县级民政部门审核")
            return redirect("followup:atrisk_detail", person.pk)
        except DomainError as exc:
            _add_error(form, exc)
    return atrisk_list(request, form=form, status=400)


def _atrisk_page(request, person, *, failed="", form=None, status=200):
    forms_ = {"check": f.CheckForm(prefix="check"),
              "resubmit": f.AtRiskCompleteForm(prefix="resubmit", initial={
                  "conditions": person.conditions, "guardian": person.guardian, "address": person.address,
                  "note": person.note})}
    if failed and form is not None:
        forms_[failed] = form
    return render(request, "followup/atrisk_detail.html", {
        "p": person, "visits": person.visits.order_by("sequence"), "forms": forms_, "failed": failed,
        "county": services._is_county_level(request.user)},
        status=status)


@login_required
def atrisk_detail(request, pk: int):
    return _atrisk_page(request, selectors.at_risk_get(actor=request.user, person_id=pk))


@login_required
@require_POST
def atrisk_action(request, pk: int, action: str):
    if action not in ("check", "resubmit"):
        raise Http404
    require(request.user, Capability.FOLLOWUP)
    person = selectors.at_risk_get(actor=request.user, person_id=pk, purpose=action)
    if action == "check":
        form = f.CheckForm(request.POST, prefix="check")
    else:
        form = f.AtRiskCompleteForm(request.POST, prefix="resubmit")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "check":
                services.at_risk_check(actor=request.user, person=person, approve=data["decision"] == "approve",
                                       reason=data["reason"])
                messages.success(request, "已审核入库" if data["decision"] == "approve" else "已退回补正")
            else:
                services.at_risk_resubmit(actor=request.user, person=person, **data)
                messages.success(request, "已重新提交县级审核")
            return redirect("followup:atrisk_detail", person.pk)
        except DomainError as exc:
            _add_error(form, exc)
    return _atrisk_page(request, person, failed=action, form=form, status=400)


# ---- Repeat alerts -----------------------------------------------------------------------------------------------

@login_required
def alert_list(request):
    require(request.user, Capability.FOLLOWUP)
    # unseen first on both databases (PostgreSQL puts NULLs last by default)
    rows = selectors.alerts_in_scope(request.user).order_by(F("seen_at").asc(nulls_first=True), "-raised_at")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.audit_entries_shown(request.user, [a.entry_id for a in page.object_list if a.entry_id],
                                  purpose="alert_list")
    selectors.audit_at_risk_shown(request.user, [a.at_risk_id for a in page.object_list if a.at_risk_id],
                                  purpose="alert_list")
    return render(request, "followup/alert_list.html", {"page": page, "rows": page.object_list})


@login_required
@require_POST
def alert_seen(request, pk: int):
    require(request.user, Capability.FOLLOWUP)
    alert = selectors.get_or_404(selectors.alerts_in_scope(request.user), pk)
    try:
        services.alert_mark_seen(actor=request.user, alert=alert)
        messages.success(request, "已阅")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("followup:alert_list")


@login_required
def relapse_inbox(request):
    """The rural-revitalisation office's inbox of 防止返贫监测对象 sent home (what was sent to it, nothing else)."""
    show = "all" if request.GET.get("show") == "all" else "waiting"
    rows = [(e, _id_number(request.user, e)) for e in selectors.relapse_inbox(actor=request.user, show=show)]
    return render(request, "followup/relapse_inbox.html", {"rows": rows, "show": show})


@login_required
@require_POST
def relapse_receive(request, pk: int):
    entry = selectors.get_or_404(selectors.relapse_inbox_qs(request.user), pk)
    try:
        services.relapse_notice_receive(actor=request.user, entry=entry)
        messages.success(request, "已确认接收")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("followup:relapse_inbox")
