"""Payment pages: the roll list (filters, Excel export), preparing a month's roll, the roll page (township totals,
checks, the review chain's buttons behind a confirm step, bank files and the return file, the balance), the line
list (a township sees only its lines; every payee shown is audited), the A4 summary. Views are thin: rules in
services, reads in selectors; a refused write comes back as a message on the roll page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import csv_columns_response, xlsx_response
from jiuzhu.core.files import upload_bytes
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.funds import bankfiles, selectors, services
from jiuzhu.funds.models import CheckHit, LineStatus, RollStatus, SubsidyItem

PAGE_SIZE = 50


def _require_any(actor) -> None:
    if not (can(actor, Capability.PREPARE_PAYMENTS) or can(actor, Capability.REVIEW_PAYMENTS)):
        require(actor, Capability.PREPARE_PAYMENTS)


def _month(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


def _filtered_rolls(request):
    qs = selectors.rolls(request.user).order_by("-month", "item")
    f = {k: request.GET.get(k, "") for k in ("month", "item", "status")}
    if (month := _month(f["month"])) is not None:
        qs = qs.filter(month=month)
    if f["item"] in SubsidyItem.values:
        qs = qs.filter(item=f["item"])
    if f["status"] in RollStatus.values:
        qs = qs.filter(status=f["status"])
    return qs, f


@login_required
def roll_list(request):
    _require_any(request.user)
    qs, f = _filtered_rolls(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = set(selectors.rolls_waiting(request.user).values_list("pk", flat=True))
    today = dt.date.today()
    return render(request, "funds/roll_list.html", {
        "page": page, "rows": page.object_list, "f": f, "items": SubsidyItem.choices, "statuses": RollStatus.choices,
        "waiting": waiting, "may_prepare": can(request.user, Capability.PREPARE_PAYMENTS),
        "county": selectors.actor_county(request.user), "this_month": today.strftime("%Y-%m")})


@login_required
def roll_list_export(request):
    _require_any(request.user)
    qs, f = _filtered_rolls(request)
    rows = ([str(r.county.name), f"{r.month:%Y-%m}", r.item, r.get_item_display(), r.get_status_display(),
             r.households, r.persons, r.amount] for r in qs.iterator())
    headers = ["县（区）", "发放月份", "科目编码", "资金科目", "状态", "户数", "人数", "金额（元）"]
    return xlsx_response("发放花名册.xlsx", headers,
                         rows, actor=request.user, object_type="funds.paymentroll", filters=f)


@login_required
@require_POST
def roll_prepare(request):
    require(request.user, Capability.PREPARE_PAYMENTS)
    county = selectors.actor_county(request.user)
    if county is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    month = _month(request.POST.get("month"))
    if month is None:
        messages.error(request, "发放月份：请按“2026-11”的格式填写")
        return redirect("funds:roll_list")
    try:
        roll = services.roll_prepare(actor=request.user, county=county, month=month, item=request.POST.get("item", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds:roll_list")
    messages.success(request, f"已编制{roll}")
    return redirect("funds:roll_detail", roll.pk)


@login_required
def roll_detail(request, pk: int):
    _require_any(request.user)
    roll = selectors.roll_get(request.user, pk)
    actor = request.user
    parts = list(selectors.townships(actor, roll))
    hits = selectors.hits(actor, roll).select_related("line__payee", "line__township").order_by("kind", "line_id")
    open_hits = hits.filter(override_reason="")
    shown = list(open_hits[:100])
    audit_persons_shown(actor=actor, persons=[h.line.payee_id for h in shown], purpose="发放核查结果")
    county_user = services.region_in_scope(actor, roll.county)
    banks = (list(roll.lines.filter(status=LineStatus.ISSUED).values_list("bank_name", "batch").distinct()
                  .order_by("batch", "bank_name")) if roll.status == RollStatus.APPROVED and county_user else [])
    return render(request, "funds/roll_detail.html", {
        "roll": roll, "parts": parts, "hits": shown, "open_count": open_hits.count(),
        "overridden": hits.exclude(override_reason="").count(),
        "may_prepare": can(actor, Capability.PREPARE_PAYMENTS), "may_review": can(actor, Capability.REVIEW_PAYMENTS),
        "county_user": county_user, "banks": banks,
        "balance": services.balance(roll) if roll.status == RollStatus.APPROVED else None,
        "failed": list(selectors.lines(actor, roll).filter(status=LineStatus.FAILED).select_related("payee")[:100]),
        "return_files": roll.return_files.order_by("-imported_at")})


@login_required
def line_list(request, pk: int):
    _require_any(request.user)
    roll = selectors.roll_get(request.user, pk)
    qs = selectors.lines(request.user, roll).select_related("payee", "township").order_by("township__code", "id")
    status = request.GET.get("status", "")
    if status in LineStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    audit_persons_shown(actor=request.user, persons=[line.payee_id for line in rows], purpose="发放明细")
    editable = set(roll.townships.filter(status__in=services.EDITABLE_PARTS).values_list("township_id", flat=True)) \
        if roll.status == RollStatus.TOWNSHIP else set()
    return render(request, "funds/line_list.html", {"roll": roll, "page": page, "rows": rows, "status": status,
                                                     "statuses": LineStatus.choices, "editable": editable,
                                                     "may_adjust": can(request.user, Capability.PREPARE_PAYMENTS)})


@login_required
def roll_print(request, pk: int):
    _require_any(request.user)
    roll = selectors.roll_get(request.user, pk)
    return render(request, "funds/print_roll.html", {"roll": roll, "parts": selectors.townships(request.user, roll),
                                                      "today": dt.date.today()})


@login_required
def bank_file(request, pk: int):
    roll = selectors.roll_get(request.user, pk)
    bank, batch = request.GET.get("bank", ""), 1 if request.GET.get("batch") == "1" else 0
    try:
        layout, columns = services.bank_file(actor=request.user, roll=roll, bank_name=bank, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds:roll_detail", roll.pk)
    name = f"{roll.county.name}{roll.month:%Y%m}{roll.get_item_display()}{bank}{'更正' if batch else ''}代发"
    headers = [h for h, _ in layout.columns]
    # As the auditor's log shows them (Chinese labels, as the lists' exports record theirs).
    filters = {"发放花名册": f"{roll.county.name}{roll.month:%Y年%m月}{roll.get_item_display()}（#{roll.pk}）",
               "开户银行": bank, **({"更正批次": batch} if batch else {})}
    if layout.file_format == "csv":
        return csv_columns_response(f"{name}.csv", headers, columns, actor=request.user,
                                    object_type="funds.paymentline", filters=filters)
    return xlsx_response(f"{name}.xlsx", headers, bankfiles.export_rows(columns), actor=request.user,
                         object_type="funds.paymentline", filters=filters)


@login_required
@require_POST
def return_file(request, pk: int):
    roll = selectors.roll_get(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "回盘文件：请选择文件")
        return redirect("funds:roll_detail", roll.pk)
    try:
        record = services.return_import(actor=request.user, roll=roll, data=upload_bytes(upload),
                                        filename=upload.name)
    except DomainError as exc:
        messages.error(request, f"回盘文件：{exc.message}")
        return redirect("funds:roll_detail", roll.pk)
    messages.success(request, f"回盘已导入：成功 {record.paid} 笔，失败 {record.failed} 笔")
    return redirect("funds:roll_detail", roll.pk)


def _township(request) -> Region:
    region = Region.objects.filter(pk=request.POST.get("township") or 0).first()
    if region is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return region


ROLL_ACTIONS = {
    "submit": (lambda r, roll: services.township_submit(actor=r.user, roll=roll, township=_township(r)),
               "已提交乡镇审核"),
    "review": (lambda r, roll: services.township_review(actor=r.user, roll=roll, township=_township(r)),
               "乡镇审核通过"),
    "township-return": (lambda r, roll: services.township_return(actor=r.user, roll=roll, township=_township(r),
                                                                  reason=r.POST.get("reason", "")), "已退回乡镇经办"),
    "check": (lambda r, roll: services.roll_check(actor=r.user, roll=roll), "核查已完成"),
    "handle": (lambda r, roll: services.county_handle(actor=r.user, roll=roll), "已提交县民政审核"),
    "return": (lambda r, roll: services.roll_return(actor=r.user, roll=roll, reason=r.POST.get("reason", "")),
               "已退回"),
    "approve": (lambda r, roll: services.roll_approve(actor=r.user, roll=roll), "审核通过，花名册已冻结"),
}


@login_required
@require_POST
def roll_action(request, pk: int, action: str):
    if action not in ROLL_ACTIONS:
        raise Http404("页面不存在")
    roll = selectors.roll_get(request.user, pk)
    do, done = ROLL_ACTIONS[action]
    try:
        do(request, roll)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("funds:roll_detail", roll.pk)


@login_required
@require_POST
def line_action(request, pk: int, action: str):
    line = selectors.line_get(request.user, pk)
    try:
        if action == "stop":
            services.line_stop(actor=request.user, line=line, reason=request.POST.get("reason", ""))
        elif action == "correct":
            services.line_correct(actor=request.user, line=line)
        else:
            raise Http404("页面不存在")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已停发" if action == "stop" else "已生成更正发放")
    return redirect("funds:roll_detail", line.roll_id)


@login_required
def line_adjust(request, pk: int):
    """调整 one line's amount (signed, reason required) while its township's part is being prepared."""
    require(request.user, Capability.PREPARE_PAYMENTS)
    line = selectors.line_get(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            services.line_adjust(actor=request.user, line=line, amount=request.POST.get("amount", ""),
                                 reason=request.POST.get("reason", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已调整，乡镇和花名册合计已随之更新")
            return redirect("funds:line_list", line.roll_id)
    audit_persons_shown(actor=request.user, persons=[line.payee_id], purpose="发放明细调整")
    return render(request, "funds/line_adjust.html", {"line": line, "roll": line.roll, "error": error,
                                                      "post": request.POST}, status=400 if error else 200)


@login_required
@require_POST
def hit_override(request, pk: int):
    hit = CheckHit.objects.select_related("roll__county", "line").filter(pk=pk).first()
    if hit is None or not selectors.rolls(request.user).filter(pk=hit.roll_id).exists():
        raise Http404("记录不存在或不在您的管辖范围内")
    try:
        services.hit_override(actor=request.user, hit=hit, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已放行")
    return redirect("funds:roll_detail", hit.roll_id)


@login_required
def layout_list(request):
    """Banks' payment-file layouts of the administrator's region (a local catalogue)."""
    from jiuzhu.funds.bankfiles import EXPORT_FIELDS
    from jiuzhu.funds.models import BankLayout

    require(request.user, Capability.ADMINISTER)
    region = request.user.region
    error = ""
    if request.method == "POST":
        try:
            services.bank_layout_set(actor=request.user, region=region, bank_name=request.POST.get("bank_name", ""),
                                     file_format=request.POST.get("file_format", ""),
                                     columns_text=request.POST.get("columns", ""))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "已保存代发文件格式")
            return redirect("funds:layout_list")
    layouts = BankLayout.objects.filter(region=region).order_by("bank_name") if region else BankLayout.objects.none()
    return render(request, "funds/layout_list.html", {
        "layouts": layouts, "labels": EXPORT_FIELDS, "error": error, "post": request.POST,
        "example": "\n".join(f"{h}={EXPORT_FIELDS[f]}" for h, f in
                              [["流水号", "line_id"], ["户名", "name"], ["账号", "account"], ["金额", "amount"]])},
                  status=400 if error else 200)
