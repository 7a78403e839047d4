"""The station's pages of family-search notices (寻亲公告): the list (filter, Excel export), a notice's page (the
public fields as a form, publish for a manager, withdraw with a reason, the history of revisions), the A4 print and
the notice's photo. Views are thin: rules live in notice_services, reads in notice_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiuzhu.core.errors import DomainError, clean_date
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.files import stored_file_response
from jiuzhu.core.permissions import Capability, can
from jiuzhu.familysearch import notice_selectors as sel
from jiuzhu.familysearch import notice_services as svc
from jiuzhu.familysearch.models import Build, NoticeStatus, PersonSex

PAGE_SIZE = 50
FORM_FIELDS = ("title", "stated_name", "sex", "estimated_age", "height_cm", "build", "ethnicity", "accent", "health",
               "features", "clothing", "found_on", "found_place", "contact_phone")
EXPORT_HEADERS = ["公告编号", "标题", "性别", "估计年龄", "发现日期", "发现地点", "状态", "发布期限", "发布次数",
                  "发布时间", "下次更新日期", "撤回原因", "救助管理站"]


def _show(request) -> str:
    show = request.GET.get("show", "open")
    return show if show in sel.FILTERS else "open"


@login_required
def notice_list(request):
    show = _show(request)
    rows = sel.notice_search(actor=request.user, show=show)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    sel.audit_notices_shown(request.user, [n.case_id for n in page.object_list], purpose="list")
    return render(request, "familysearch/notices/list.html", {
        "page": page, "rows": page.object_list, "show": show, "filters": sel.FILTERS, "now": timezone.now(),
        "today": sel.today(), "query": request.GET.urlencode()})


@login_required
def notice_export(request):
    show = _show(request)
    rows = sel.notice_search(actor=request.user, show=show)
    sel.audit_notices_shown(request.user, rows.values_list("case_id", flat=True), purpose="export")

    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    def lines():
        for n in rows.iterator(chunk_size=2000):
            yield [n.public_code, n.title, n.get_sex_display(), "" if n.estimated_age is None else n.estimated_age,
                   n.found_on, n.found_place, n.get_status_display(), local(n.due_at), n.revision,
                   local(n.published_at), n.refresh_due_on or "", n.withdraw_reason, n.station.name]
    return xlsx_response("寻亲公告.xlsx", EXPORT_HEADERS, lines(), actor=request.user,
                         object_type="familysearch.familynotice", filters={"show": show})


def _page(request, notice, *, values=None, error: str = "", field: str = "", status: int = 200):
    return render(request, "familysearch/notices/detail.html", {
        "n": notice, "v": values or {f: getattr(notice, f) for f in FORM_FIELDS}, "error": error, "field": field,
        "sexes": PersonSex.choices, "builds": Build.choices, "history": sel.notice_history(notice),
        "now": timezone.now(), "today": sel.today(), "editable": notice.status != NoticeStatus.WITHDRAWN,
        "may_approve": can(request.user, Capability.APPROVE_RESCUE),
        "public_url": request.build_absolute_uri(reverse("xunqin:notice", args=[notice.public_code]))}, status=status)


@login_required
def notice_detail(request, pk: int):
    notice = sel.notice_get(actor=request.user, notice_id=pk)
    if request.method != "POST":
        return _page(request, notice)
    values = {f: request.POST.get(f, "") for f in FORM_FIELDS}
    try:
        found_on = clean_date(values["found_on"], "发现日期", "found_on", required=True)
        svc.notice_update(actor=request.user, notice=notice, **{**values, "found_on": found_on})
    except DomainError as exc:
        return _page(request, notice, values=values, error=exc.message, field=exc.field or "", status=400)
    messages.success(request, "寻亲公告已保存")
    return redirect("familysearch:notice_detail", notice.pk)


def _decision(request, pk: int, action, done: str):
    notice = sel.notice_get(actor=request.user, notice_id=pk, purpose="decision")
    try:
        action(notice)
    except DomainError as exc:
        return _page(request, notice, error=exc.message, field=exc.field or "", status=400)
    messages.success(request, done)
    return redirect("familysearch:notice_detail", notice.pk)


@login_required
@require_POST
def notice_publish(request, pk: int):
    return _decision(request, pk, lambda n: svc.notice_publish(actor=request.user, notice=n),
                     "寻亲公告已审核发布，公众可在寻亲公告网页和数据源中看到")


@login_required
@require_POST
def notice_refresh(request, pk: int):
    return _decision(request, pk, lambda n: svc.notice_refresh(actor=request.user, notice=n),
                     "寻亲公告已更新发布")


@login_required
@require_POST
def notice_withdraw(request, pk: int):
    return _decision(request, pk, lambda n: svc.notice_withdraw(actor=request.user, notice=n,
                                                                reason=request.POST.get("withdraw_reason", "")),
                     "寻亲公告已撤回，公众已看不到")


@login_required
def notice_print(request, pk: int):
    notice = sel.notice_get(actor=request.user, notice_id=pk, purpose="print")
    return render(request, "familysearch/notices/print.html", {"n": notice, "printed_on": sel.today()})


@login_required
def notice_photo(request, pk: int):
    notice = sel.notice_get(actor=request.user, notice_id=pk, purpose="photo")
    if not notice.photo_key:
        from django.http import Http404

        raise Http404("该公告没有照片")
    return stored_file_response(notice.photo_key)
