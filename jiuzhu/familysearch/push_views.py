"""The station's push pages (定向推送): its pushed notices with delivery counts, one notice's deliveries with the
failures and a 重新推送 button, and the registration of a partner platform's webhook. Thin: rules in
push_services, reads in push_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.region_picker import region_from_input
from jiuzhu.familysearch import push_selectors as sel
from jiuzhu.familysearch import push_services as svc

WEBHOOK_FIELDS = ("url", "region", "latitude", "longitude", "radius_km")


@login_required
def push_list(request):
    rows = sel.push_overview(actor=request.user)
    values, errors, status = {"radius_km": "50"}, {}, 200
    if request.method == "POST":
        values = {f: (request.POST.get(f) or "").strip() for f in WEBHOOK_FIELDS}
        try:
            region = region_from_input(request.user, values["region"], label="关注地区", field="region")
            svc.push_webhook_register(actor=request.user, url=values["url"], region=region,
                                      latitude=values["latitude"], longitude=values["longitude"],
                                      radius_km=values["radius_km"])
        except DomainError as exc:
            errors, status = {exc.field or "form": exc.message}, 400
        else:
            messages.success(request, "合作平台推送接口已登记")
            return redirect("familysearch:push_list")
    return render(request, "familysearch/push/list.html", {
        "rows": rows, "values": values, "errors": errors,
        "may_register": can(request.user, Capability.APPROVE_RESCUE)}, status=status)


@login_required
def push_notice(request, pk: int):
    return render(request, "familysearch/push/notice.html", sel.notice_push(actor=request.user, notice_id=pk))


@login_required
@require_POST
def push_retry(request, pk: int):
    try:
        count = svc.push_retry_now(actor=request.user, notice_id=pk)
    except DomainError as exc:
        context = sel.notice_push(actor=request.user, notice_id=pk)
        return render(request, "familysearch/push/notice.html", {**context, "error": exc.message}, status=400)
    messages.success(request, f"已安排重新推送 {count} 条")
    return redirect("familysearch:push_notice", pk)
