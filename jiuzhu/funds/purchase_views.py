"""Purchase of services' pages: contracts (list, Excel export, new, detail, A4 summary), providers, dispatched staff,
service records (the township's confirmation list, Excel export), evaluation and milestone payment. Thin: rules
in purchase_services, reads in purchase_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.funds import purchase_forms as f
from jiuzhu.funds import purchase_selectors as sel
from jiuzhu.funds import purchase_services as svc
from jiuzhu.funds.fund_selectors import person_by_id_number
from jiuzhu.funds.purchase_models import Milestone
from jiuzhu.funds.settings_catalog import payment_bands

PAGE_SIZE = 50


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _show(request) -> str:
    show = request.GET.get("show", "pending")
    return show if show in sel.RECORD_FILTERS else "pending"


# ---- Contracts and providers -------------------------------------------------------------------------------------

@login_required
def contract_list(request):
    if not sel.may_see_contracts(request.user):
        raise PermissionDenied("您没有“政府购买服务”的权限")
    rows = sel.contracts_in_scope(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funds/purchase_contract_list.html", {
        "page": page, "rows": page.object_list, "may_manage": sel.may_manage(request.user)})


CONTRACT_HEADERS = ["合同编号", "项目名称", "购买主体", "承接主体", "统一社会信用代码", "采购方式", "合同金额（元）",
                    "服务期自", "服务期至", "服务内容"]


@login_required
def contract_export(request):
    if not sel.may_see_contracts(request.user):
        raise PermissionDenied("您没有“政府购买服务”的权限")
    rows = sel.contracts_in_scope(request.user)
    lines = ([c.number, c.title, c.purchaser.name, c.provider.name, c.provider.uscc, c.get_method_display(),
              c.budget, c.start_on, c.end_on, "、".join(c.item_labels)] for c in rows.iterator(chunk_size=500))
    return xlsx_response("购买服务合同.xlsx", CONTRACT_HEADERS, lines, actor=request.user,
                         object_type="funds.contract")


@login_required
def provider_list(request):
    require(request.user, Capability.PURCHASE_SERVICES)
    form = f.ProviderForm(request.POST or None, prefix="p")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                provider = svc.provider_register(actor=request.user, **form.cleaned_data)
                messages.success(request, f"已登记承接主体：{provider.name}")
                return redirect("funds_services:provider_list")
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    return render(request, "funds/purchase_provider_list.html", {
        "providers": sel.providers_in_scope(request.user), "form": form}, status=status)


@login_required
def contract_new(request):
    require(request.user, Capability.PURCHASE_SERVICES)
    providers = list(sel.providers_in_scope(request.user))
    form = f.ContractForm(request.POST or None, prefix="k", providers=providers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            provider = next((p for p in providers if str(p.pk) == d["provider"]), None)
            try:
                if provider is None:
                    raise DomainError("请选择承接主体", field="provider")
                contract = svc.contract_create(
                    actor=request.user, provider=provider, title=d["title"], number=d["number"], method=d["method"],
                    budget=d["budget"], start_on=d["start_on"], end_on=d["end_on"], items=d["items"],
                    indicators=d["indicators"], milestones=d["milestones"],
                    satisfaction_weight=d["satisfaction_weight"] if d["satisfaction_weight"] is not None else 20)
                messages.success(request, f"已登记合同：{contract.title}")
                return redirect("funds_services:contract_detail", contract.pk)
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    return render(request, "funds/purchase_contract_form.html", {"form": form, "providers": providers},
                  status=status)


def _staff_regions(contract):
    return Region.objects.filter(path__startswith=contract.region.path, level__in=("county", "township"))\
        .order_by("path")[:300]


def _plain(number) -> str:
    """90.00 -> "90", 0.9 × 100 -> "90"."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _contract_page(request, contract, *, staff_form=None, status=200):
    figures = sel.contract_figures(contract)
    records = list(sel.record_search(actor=request.user, show="all", contract=contract)[:20])
    sel.audit_records_shown(request.user, records, purpose="contract_detail")
    bands = [{"floor": _plain(floor), "percent": _plain(share * 100), "grade": grade}
             for floor, share, grade in payment_bands(contract.region, svc.today())]
    return render(request, "funds/purchase_contract_detail.html", {
        "c": contract, "figures": figures, "bands": bands,
        "staff": contract.staff.select_related("region").order_by("post", "name"),
        "indicators": contract.indicators.order_by("id"), "records": records,
        "staff_form": staff_form or f.StaffForm(prefix="s", regions=_staff_regions(contract)),
        "may_manage": sel.may_manage(request.user), "may_pay": can(request.user, Capability.APPROVE_FUND)},
        status=status)


@login_required
def contract_detail(request, pk: int):
    return _contract_page(request, sel.contract_get(actor=request.user, contract_id=pk))


@login_required
def contract_print(request, pk: int):
    contract = sel.contract_get(actor=request.user, contract_id=pk)
    audit_read(request.user, contract, detail={"purpose": "contract_print"})
    return render(request, "funds/purchase_contract_print.html", {
        "c": contract, "figures": sel.contract_figures(contract), "indicators": contract.indicators.order_by("id"),
        "staff": contract.staff.select_related("region").order_by("post", "name"), "printed_on": svc.today()})


@login_required
@require_POST
def staff_new(request, pk: int):
    require(request.user, Capability.PURCHASE_SERVICES)
    contract = sel.contract_get(actor=request.user, contract_id=pk)
    regions = list(_staff_regions(contract))
    form = f.StaffForm(request.POST, prefix="s", regions=regions)
    if form.is_valid():
        d = form.cleaned_data
        region = next((r for r in regions if str(r.pk) == d["region"]), None)
        try:
            staff = svc.staff_dispatch(actor=request.user, contract=contract, name=d["name"], post=d["post"],
                                       region=region, institution=d["institution"],
                                       qualification=d["qualification"])
            messages.success(request, f"已登记派驻人员：{staff.name}")
            return redirect("funds_services:contract_detail", contract.pk)
        except DomainError as exc:
            _add_error(form, exc)
    return _contract_page(request, contract, staff_form=form, status=400)


# ---- Service records ---------------------------------------------------------------------------------------------

@login_required
def record_new(request, pk: int):
    require(request.user, Capability.PURCHASE_SERVICES)
    contract = sel.contract_get(actor=request.user, contract_id=pk)
    form = f.RecordForm(request.POST or None, prefix="r", contract=contract)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            staff = contract.staff.filter(pk=d["staff"]).first() if d["staff"] else None
            try:
                person = person_by_id_number(request.user, d["id_number"], field="id_number",
                                             label="服务对象身份证号码")
                record = svc.service_record(actor=request.user, contract=contract, person=person, item=d["item"],
                                            served_on=d["served_on"], hours=d["hours"] or None, staff=staff,
                                            note=d["note"])
                messages.success(request, f"已登记服务记录：{person.name}，{record.get_item_display()}，待乡镇确认")
                return redirect("funds_services:contract_detail", contract.pk)
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    return render(request, "funds/purchase_record_form.html", {"c": contract, "form": form}, status=status)


@login_required
def record_list(request):
    if not (sel.may_manage(request.user) or can(request.user, Capability.CONFIRM_SERVICES)):
        raise PermissionDenied("您没有查看服务记录的权限")
    show = _show(request)
    rows = sel.record_search(actor=request.user, show=show).select_related("person__region", "contract__provider")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    sel.audit_records_shown(request.user, list(page.object_list), purpose="service_record_list")
    return render(request, "funds/purchase_record_list.html", {
        "page": page, "rows": page.object_list, "show": show, "filters": sel.RECORD_FILTERS})


RECORD_HEADERS = ["记录编号", "服务对象", "所在地区", "服务内容", "服务日期", "服务时长（小时）", "服务人员",
                  "承接主体", "合同编号", "状态"]


@login_required
def record_export(request):
    if not (sel.may_manage(request.user) or can(request.user, Capability.CONFIRM_SERVICES)):
        raise PermissionDenied("您没有查看服务记录的权限")
    show = _show(request)
    rows = sel.record_search(actor=request.user, show=show).select_related("person__region", "contract__provider")
    sel.audit_records_shown(request.user, rows, purpose="export")
    lines = ([r.pk, r.person.name, r.person.region.full_name, r.get_item_display(), r.served_on, r.hours,
              r.staff.name, r.contract.provider.name, r.contract.number, r.get_status_display()]
             for r in rows.iterator(chunk_size=2000))
    return xlsx_response("服务记录.xlsx", RECORD_HEADERS, lines, actor=request.user,
                         object_type="funds.servicerecord", filters={"show": show})


@login_required
def record_detail(request, pk: int):
    record = sel.record_get(actor=request.user, record_id=pk)
    may_confirm = (can(request.user, Capability.CONFIRM_SERVICES) and record.status == "pending"
                   and request.user.region is not None and request.user.region.level == "township")
    return render(request, "funds/purchase_record_detail.html", {
        "r": record, "may_confirm": may_confirm, "return_form": f.ReturnForm(prefix="ret")})


@login_required
@require_POST
def record_action(request, pk: int, action: str):
    if action not in ("confirm", "return"):
        raise Http404
    require(request.user, Capability.CONFIRM_SERVICES)
    record = sel.record_get(actor=request.user, record_id=pk)
    try:
        if action == "confirm":
            svc.service_confirm(actor=request.user, record=record)
            messages.success(request, "已确认服务记录")
        else:
            svc.service_return(actor=request.user, record=record, reason=request.POST.get("ret-reason", ""))
            messages.success(request, "已退回服务记录")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds_services:record_detail", record.pk)
    return redirect(f"{_records_url()}?show=pending")


def _records_url() -> str:
    from django.urls import reverse

    return reverse("funds_services:record_list")


# ---- Evaluation and payment --------------------------------------------------------------------------------------

def _milestone(request, pk: int) -> Milestone:
    milestone = Milestone.objects.filter(pk=pk).first()
    if milestone is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    sel.contract_get(actor=request.user, contract_id=milestone.contract_id)  # 404 out of scope
    return milestone


@login_required
def milestone_evaluate(request, pk: int):
    require(request.user, Capability.PURCHASE_SERVICES)
    milestone = _milestone(request, pk)
    contract = milestone.contract
    indicators = list(contract.indicators.order_by("id"))
    form = f.EvaluationForm(request.POST or None, prefix="e", indicators=indicators)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                ev = svc.evaluation_record(
                    actor=request.user, milestone=milestone, satisfaction=d["satisfaction"],
                    evaluated_on=d["evaluated_on"], scores={i.pk: d[f"score_{i.pk}"] for i in indicators})
                messages.success(request, f"绩效评价 {ev.total_score} 分（{ev.grade}），"
                                          f"{milestone.label}应付 {ev.milestone.payable} 元")
                return redirect("funds_services:contract_detail", contract.pk)
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    return render(request, "funds/purchase_evaluation_form.html", {"m": milestone, "c": contract, "form": form},
                  status=status)


@login_required
@require_POST
def milestone_pay(request, pk: int):
    require(request.user, Capability.APPROVE_FUND)
    milestone = _milestone(request, pk)
    try:
        done = svc.milestone_pay(actor=request.user, milestone=milestone)
        messages.success(request, f"已支付{done.label} {done.payable} 元")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("funds_services:contract_detail", milestone.contract_id)
