"""The safety-net fund's pages: the funds of the jurisdiction, a fund's year (figures, ledger with running balance,
disbursements waiting for approval), the forms to book a contribution and to prepare a disbursement, the yearly
statement as xlsx and on A4. Thin: rules in fund_services, reads in fund_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core.audit import audit, audit_read
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import SheetSpec, download_response, workbook_bytes
from jiuzhu.core.files import limit_uploads, stored_file_response, upload_bytes
from jiuzhu.core.models import AuditAction
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.funds import fund_forms as f
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds import fund_services as svc
from jiuzhu.funds.fund_models import FundSource


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return sel.today().year
    return year if 2000 <= year <= sel.today().year + 1 else sel.today().year


@login_required
def fund_list(request):
    if not sel.may_see_fund(request.user):
        raise PermissionDenied("您没有查看托底救助基金的权限")
    funds = list(sel.funds_in_scope(request.user))
    if len(funds) == 1:
        return redirect("funds_fund:detail", funds[0].pk)
    return render(request, "funds/fund_list.html", {
        # funds_in_scope holds every fund above or below the user's region: one fund covers a region
        "funds": funds, "may_open": can(request.user, Capability.MANAGE_FUND) and request.user.region_id
        and not funds})


@login_required
@require_POST
def fund_open(request):
    try:
        fund = svc.fund_open(actor=request.user, region=request.user.region)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds_fund:list")
    messages.success(request, f"已设立{fund.name}")
    return redirect("funds_fund:detail", fund.pk)


@login_required
def fund_detail(request, pk: int):
    fund = sel.fund_get(actor=request.user, fund_id=pk)
    year = _year(request)
    lines = pending = None
    if sel.may_see_lines(request.user):
        lines = list(sel.ledger(fund, year, request.user))
        pending = list(sel.pending_disbursements(request.user, fund))
        sel.audit_heads_shown(request.user, lines + pending, purpose="fund_ledger")
    own = sel.is_fund_region_user(request.user, fund)  # contributions and approvals: the fund's own region
    return render(request, "funds/fund_detail.html", {
        "fund": fund, "year": year, "summary": sel.year_summary(fund, year), "lines": lines, "pending": pending,
        "balance": sel.balance(fund), "pending_out": sel.pending_out(fund), "years": _years(),
        "may_manage": can(request.user, Capability.MANAGE_FUND), "own_fund": own,
        "may_approve": own and can(request.user, Capability.APPROVE_FUND), "reject": f.RejectForm(prefix="reject")})


def _years() -> list[int]:
    this = sel.today().year
    return list(range(this, this - 5, -1))


@login_required
def contribution_new(request, pk: int):
    require(request.user, Capability.MANAGE_FUND)
    fund = sel.fund_get(actor=request.user, fund_id=pk)
    form = f.ContributionForm(request.POST or None, prefix="c")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                entry = svc.contribution_record(
                    actor=request.user, fund=fund, source=d["source"], amount=d["amount"],
                    entry_date=d["entry_date"], available_funds=d["available_funds"], voucher=d["voucher"],
                    note=d["note"])
                messages.success(request, f"已登记收入：{FundSource(entry.source).label} {entry.amount} 元")
                return redirect("funds_fund:detail", fund.pk)
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    return render(request, "funds/fund_contribution_form.html", {"fund": fund, "form": form}, status=status)


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
def disbursement_new(request, pk: int):
    require(request.user, Capability.MANAGE_FUND)
    if request.method == "POST":
        limit_uploads(request)
    return _disbursement_new(request, pk)


def _case_from(request):
    """The decided case a disbursement starts from (?source_kind=…&source_id=…, then the form's hidden fields):
    (case, error). Out of the actor's scope is 404 (core/references.py); not decided or paid already, an error."""
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("d-source_kind") or data.get("source_kind") or ""
    ref = data.get("d-source_id") or data.get("source_id") or ""
    if not kind:
        return None, None
    try:
        return svc.decided_case(request.user, kind, ref), None
    except DomainError as exc:
        return None, exc.message


@csrf_protect
def _disbursement_new(request, pk: int):
    fund = sel.fund_get(actor=request.user, fund_id=pk)
    case, case_error = _case_from(request)
    initial = {}
    if case is not None:
        initial = {"source_kind": case.kind, "source_id": case.id, "amount": case.amount,
                   "decision_kind": case.decision_kind, "decision_ref": case.decision_ref,
                   "decided_on": case.decided_on}
    form = f.DisbursementForm(request.POST or None, request.FILES or None, prefix="d", initial=initial)
    status = 200 if case_error is None else 400
    household = sel.household_of_case(request.user, case) if case is not None else None
    if request.method == "POST":
        if form.is_valid() and case_error is None:
            d = form.cleaned_data
            try:
                if household is None:
                    person = sel.person_by_id_number(request.user, d["head_id_number"], field="head_id_number")
                    if person.household_id is None:
                        raise DomainError("该人员没有登记家庭", field="head_id_number")
                    household = person.household
                upload = d["decision_file"]
                entry = svc.disbursement_prepare(
                    actor=request.user, fund=fund, household=household, amount=d["amount"],
                    decision_kind=d["decision_kind"], decision_ref=d["decision_ref"], decided_on=d["decided_on"],
                    decision_file=upload_bytes(upload) if upload else None,
                    decision_filename=upload.name if upload else "", note=d["note"],
                    source_kind=case.kind if case else "", source_id=case.id if case else None)
                messages.success(request, f"已拟定支出 {entry.amount} 元，待审批")
                return redirect("funds_fund:detail", fund.pk)
            except DomainError as exc:
                _add_error(form, exc)
        status = 400
    if case is not None:
        form.fields.pop("head_id_number", None)  # the household is the case's
    return render(request, "funds/fund_disbursement_form.html", {
        "fund": fund, "form": form, "left": sel.balance(fund) - sel.pending_out(fund), "case": case,
        "case_error": case_error, "household": household}, status=status)


@login_required
def entry_source(request, pk: int):
    """The decided case a disbursement is linked to, opened in its own app (its resolver checks the scope)."""
    entry = sel.entry_get(actor=request.user, entry_id=pk)
    from jiuzhu.core.references import resolve

    try:
        case = resolve(request.user, entry.source_kind, entry.source_id)
    except DomainError:  # no case linked (an unknown kind), or not decided any more: its app's page is not ours
        raise Http404("关联的决定个案已不可查看") from None
    return redirect(case.url)


@login_required
@require_POST
def entry_action(request, pk: int, action: str):
    if action not in ("approve", "reject"):
        raise Http404
    require(request.user, Capability.APPROVE_FUND)
    entry = sel.entry_get(actor=request.user, entry_id=pk)
    try:
        if action == "approve":
            svc.disbursement_approve(actor=request.user, entry=entry)
            messages.success(request, f"已批准支出 {entry.amount} 元")
        else:
            form = f.RejectForm(request.POST, prefix="reject")
            form.is_valid()
            svc.disbursement_reject(actor=request.user, entry=entry, reason=form.cleaned_data.get("reason", ""))
            messages.success(request, "已不予批准")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("funds_fund:detail", entry.fund_id)


@login_required
def decision_file(request, pk: int):
    """The decision (决定文书) on A4, from the entry itself: it reads the same whether or not the attached scan
    opens, and the scan is one link away. A line without a decision (a contribution) says so, in a 404."""
    entry = sel.entry_get(actor=request.user, entry_id=pk)
    if not entry.decision_file_key:
        return render(request, "funds/fund_decision_missing.html", {"entry": entry}, status=404)
    audit_read(request.user, entry, person_id=entry.household.head_id if entry.household_id else None,
               detail={"purpose": "decision_file"})
    return render(request, "funds/fund_decision_print.html", {"e": entry, "printed_on": sel.today()})


@login_required
def decision_scan(request, pk: int):
    """The scanned decision the officer attached, as uploaded."""
    entry = sel.entry_get(actor=request.user, entry_id=pk)
    if not entry.decision_file_key:
        raise Http404("没有决定文书扫描件")
    audit_read(request.user, entry, person_id=entry.household.head_id if entry.household_id else None,
               detail={"purpose": "decision_scan"})
    return stored_file_response(entry.decision_file_key, content_type=entry.decision_content_type or None)


STATEMENT_HEADERS = ["日期", "收支", "资金来源或决定方式", "凭证号或决定文号", "救助家庭（户主）", "收入（元）",
                     "支出（元）", "余额（元）", "摘要"]


def _line(e) -> list:
    head = e.household.head.name if e.household_id and e.household.head_id else ""
    if not e.shown:
        head = "其他县（区）个案"
    kind_label = e.get_source_display() if e.kind == "contribution" else e.get_decision_kind_display()
    return [e.entry_date, e.get_kind_display(), kind_label, e.voucher or e.decision_ref, head,
            e.amount if e.kind == "contribution" else "", e.amount if e.kind == "disbursement" else "", e.balance,
            e.note]


@login_required
def statement_xlsx(request, pk: int):
    """The yearly statement (年度收支决算表): the figures, then every booked line with its running balance."""
    fund = sel.fund_get(actor=request.user, fund_id=pk)
    year = _year(request)
    s = sel.year_summary(fund, year)
    figures = [["上年结余", "", s["opening"], ""]]
    figures += [["收入", x["label"], x["total"], _share_label(x)] for x in s["sources"]]
    figures += [["支出", k["label"], k["total"], f"{k['count']} 笔"] for k in s["kinds"]]
    figures += [["本年收入合计", "", s["income"], ""], ["本年支出合计", "", s["spent"], ""],
                ["年末结余", "", s["closing"], ""]]
    sheets = [SheetSpec(title=f"{year}年收支汇总", headers=["项目", "来源或方式", "金额（元）", "说明"],
                        rows=figures, widths=(14, 16, 16, 40))]
    count = 0
    if sel.may_see_lines(request.user):
        lines = sel.ledger(fund, year, request.user)
        sel.audit_heads_shown(request.user, lines, purpose="export")
        count = lines.count()
        sheets.append(SheetSpec(title="收支明细", headers=STATEMENT_HEADERS, rows=(_line(e) for e in lines.iterator()),
                                widths=(12, 8, 16, 22, 14, 14, 14, 16, 30)))
    data = workbook_bytes(sheets)
    filename = f"{fund.name}{year}年度收支决算表.xlsx"
    audit(AuditAction.EXPORT, actor=request.user, obj=fund,
          detail={"object_type": "funds.fundentry", "count": count, "filters": {"year": year}, "filename": filename})
    return download_response(data, filename)


def _share_label(x: dict) -> str:
    if not x["rule"]:
        return ""
    if x["share"] is None:
        return "未填报可用资金"
    pct = f"占当年可用资金 {x['share'] * 100:.1f}%"
    return pct + ("，达到三分之一" if x["meets_rule"] else "，不足三分之一")


@login_required
def statement_print(request, pk: int):
    fund = sel.fund_get(actor=request.user, fund_id=pk)
    year = _year(request)
    summary = sel.year_summary(fund, year)
    for x in summary["sources"]:
        x["share_label"] = _share_label(x)
    audit_read(request.user, fund, detail={"purpose": "statement_print", "year": year})
    return render(request, "funds/fund_statement_print.html", {
        "fund": fund, "year": year, "s": summary, "printed_on": sel.today()})
