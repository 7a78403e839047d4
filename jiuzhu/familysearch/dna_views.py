"""The station's DNA 比对 pages: one client's referrals with the form of the next step (报请采血 → 登记采血 →
登记比对结果), and the list of clients waiting (overdue or within the deadline). Thin: rules in dna_services,
reads in dna_selectors."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jiuzhu.core.errors import DomainError, clean_date, invalid
from jiuzhu.familysearch import dna_selectors as sel
from jiuzhu.familysearch import dna_services as svc
from jiuzhu.familysearch.models import DnaResult, DnaStatus
from jiuzhu.rescue.cases_selectors import audit_cases_shown

DONE = {"request": "已报请采血", "collect": "已登记采血送检", "result": "已登记比对结果"}


def _date(value: str, field: str, label: str) -> dt.date | None:
    return clean_date(value, label, field)


def _act(request, case, referrals) -> None:
    post, action = request.POST, request.POST.get("action", "")
    open_ = next((r for r in referrals if r.status != DnaStatus.RESULT), None)
    if action == "request":
        svc.dna_request(actor=request.user, case=case, police_unit=post.get("police_unit", ""),
                        requested_on=_date(post.get("requested_on", ""), "requested_on", "报请日期"),
                        note=post.get("note", ""))
    elif action in ("collect", "result") and open_ is not None:
        if action == "collect":
            svc.dna_collect(actor=request.user, referral=open_, sample_number=post.get("sample_number", ""),
                            collected_on=_date(post.get("collected_on", ""), "collected_on", "采血日期"),
                            note=post.get("note", ""))
        else:
            svc.dna_result(actor=request.user, referral=open_, result=post.get("result", ""),
                           matched_name=post.get("matched_name", ""),
                           result_on=_date(post.get("result_on", ""), "result_on", "结果反馈日期"),
                           note=post.get("note", ""))
    else:
        raise invalid("该操作不适用于当前状态，请刷新页面", "action")


@login_required
def case_dna(request, pk: int):
    case = sel.case_get(actor=request.user, case_id=pk)
    referrals = sel.referrals_of(case)
    error, status = "", 200
    if request.method == "POST":
        try:
            _act(request, case, referrals)
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, DONE[request.POST["action"]])
            return redirect("familysearch:case_dna", case.pk)
    open_ = next((r for r in referrals if r.status != DnaStatus.RESULT), None)
    return render(request, "familysearch/case_dna.html", {
        "case": case, "referrals": referrals, "open": open_, "due_on": svc.dna_due_on(case),
        "may_request": open_ is None and case.in_stay and not case.identity_confirmed, "error": error,
        "post": request.POST if status != 200 else {}, "results": [(DnaResult.MATCHED, DnaResult.MATCHED.label),
                                                                   (DnaResult.NO_MATCH, DnaResult.NO_MATCH.label)],
        "today": sel.today()}, status=status)


@login_required
def dna_list(request):
    show = request.GET.get("show", "overdue")
    show = show if show in sel.SHOW else "overdue"
    cases = list(sel.waiting(actor=request.user, show=show)[:200])
    audit_cases_shown(request.user, [c.pk for c in cases], purpose="dna_list")
    return render(request, "familysearch/dna_list.html", {
        "cases": cases, "show": show, "shows": [(k, label) for k, (label, _q) in sel.SHOW.items()]})
