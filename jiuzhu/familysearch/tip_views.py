"""The station's page of tips from the public on its notices (寻亲线索), with the "handled" action. Thin: rules in
tip_services, reads in tip_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.familysearch import tip_selectors as sel
from jiuzhu.familysearch import tip_services as svc


def _page(request, *, show: str, error: str = "", status: int = 200):
    return render(request, "familysearch/tip_list.html", {
        "tips": sel.tip_list(actor=request.user, show=show), "show": show, "filters": sel.FILTERS,
        "error": error}, status=status)


@login_required
def tip_list(request):
    show = request.GET.get("show", "new")
    return _page(request, show=show if show in sel.FILTERS else "new")


@login_required
@require_POST
def tip_handle(request, pk: int):
    tip = sel.tip_in_scope(actor=request.user, tip_id=pk)
    try:
        svc.tip_handle(actor=request.user, tip=tip, note=request.POST.get("note", ""))
    except DomainError as exc:
        return _page(request, show="new", error=exc.message, status=400)
    messages.success(request, "线索已标记为已处理")
    return redirect("familysearch:tip_list")
