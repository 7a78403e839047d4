"""The station's missing-report pages (寻亲登记): entry by station or police staff (a report the family made at
the window or the police passed on), the list with its status filter and Excel export, and one report's page
with its photo and candidates (confirm and reject are review_views'). Views are thin: rules live in services,
reads in selectors and report_selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from jiuzhu.core import files
from jiuzhu.core.audit import audit_read
from jiuzhu.core.errors import DomainError, clean_date, clean_time
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.familysearch import report_selectors as rsel
from jiuzhu.familysearch import selectors, services
from jiuzhu.familysearch.faces import SAME_PERSON_THRESHOLD
from jiuzhu.familysearch.models import PersonSex, ReportChannel
from jiuzhu.familysearch.public_services import images_from_uploads, region_from_text

PAGE_SIZE = 50
FIELDS = ("channel", "name", "sex", "birth_year", "height_cm", "id_number", "hukou_text", "missing_date",
          "missing_time", "last_seen_place", "features", "clothing", "accent", "health", "reporter_name",
          "reporter_relation", "reporter_phone")
STAFF_CHANNELS = [(c.value, c.label) for c in (ReportChannel.STATION, ReportChannel.POLICE)]


def _show(request) -> str:
    show = request.GET.get("show", "open")
    return show if show in rsel.FILTERS else "open"


@login_required
def report_list(request):
    show = _show(request)
    page = Paginator(rsel.report_search(actor=request.user, show=show), PAGE_SIZE).get_page(request.GET.get("page"))
    rsel.audit_reports_shown(request.user, [r.pk for r in page.object_list], purpose="list")
    return render(request, "familysearch/report_list.html", {
        "page": page, "rows": page.object_list, "show": show, "filters": rsel.FILTERS,
        "can_add": can(request.user, Capability.REPORT_MISSING)})


EXPORT_HEADERS = ["登记编号", "姓名", "性别", "出生年份", "走失日期", "走失时间", "最后出现地区", "最后出现地点",
                  "登记渠道", "状态", "登记时间"]


@login_required
def report_export(request):
    show = _show(request)
    rows = rsel.report_search(actor=request.user, show=show)
    rsel.audit_reports_shown(request.user, rows.values_list("pk", flat=True), purpose="export")

    def lines():  # no phone, no ID number: a list leaves the system, the contact stays on the report's page
        for r in rows.iterator(chunk_size=2000):
            yield [r.receipt_number or f"#{r.pk}", r.display_name, r.get_sex_display(), r.birth_year or "",
                   r.missing_date, r.missing_time.strftime("%H:%M") if r.missing_time else "",
                   r.last_seen_region.full_name if r.last_seen_region_id else "", r.last_seen_place,
                   r.get_channel_display(), r.get_status_display(), r.created_at]
    return xlsx_response("寻亲登记.xlsx", EXPORT_HEADERS, lines(), actor=request.user,
                         object_type=rsel.REPORT_OBJECT_TYPE, filters={"show": show})


def _form(request, *, values=None, errors=None, status=200):
    return render(request, "familysearch/report_new.html", {
        "values": values or {"channel": ReportChannel.STATION}, "errors": errors or {}, "sexes": PersonSex.choices,
        "channels": STAFF_CHANNELS, "photo_limit": files.size_label(files.max_file_bytes()),
        "max_photos": services.MAX_REPORT_PHOTOS,
        "region": request.user.region}, status=status)


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    require(request.user, Capability.REPORT_MISSING)
    if request.method != "POST":
        return _form(request)
    files.limit_uploads(request)  # before the body is parsed: no photo is kept beyond the size limit
    return _report_post(request)


@csrf_protect
def _report_post(request):
    values = {f: request.POST.get(f, "")[:1000] for f in FIELDS}
    try:
        photos = images_from_uploads(request.FILES.getlist("photo"), services.MAX_REPORT_PHOTOS)
        report = services.missing_report_create(
            actor=request.user, channel=values["channel"], region=request.user.region, sex=values["sex"],
            missing_date=clean_date(values["missing_date"], "走失日期", "missing_date"),
            missing_time=clean_time(values["missing_time"], "走失时间", "missing_time"),
            reporter_name=values["reporter_name"],
            reporter_relation=values["reporter_relation"], reporter_phone=values["reporter_phone"],
            name=values["name"], birth_year=values["birth_year"], height_cm=values["height_cm"],
            id_number=values["id_number"], hukou_region=region_from_text(values["hukou_text"]),
            hukou_text=values["hukou_text"], last_seen_region=region_from_text(values["last_seen_place"]),
            last_seen_place=values["last_seen_place"], features=values["features"], clothing=values["clothing"],
            accent=values["accent"], health=values["health"], photos=photos)
    except DomainError as exc:
        values["id_number"] = ""  # never echoed back into a page
        return _form(request, values=values, errors={exc.field or "form": exc.message}, status=400)
    messages.success(request, f"寻亲登记已保存，登记编号 {report.receipt_number}，已开始比对")
    return redirect("familysearch:report_detail", report.pk)


@login_required
def report_detail(request, pk: int):
    report = selectors.report_get(actor=request.user, report_id=pk)
    searching = can(request.user, Capability.FAMILY_SEARCH)
    return render(request, "familysearch/report_detail.html", {
        "report": report, "contact": rsel.report_contact(actor=request.user, report=report),
        "photos": list(selectors.face_photos_of(actor=request.user, report=report)) if searching else [],
        "rows": rsel.candidates_for_report(actor=request.user, report=report) if searching else [],
        "searching": searching, "threshold": SAME_PERSON_THRESHOLD})


@login_required
def report_photo(request, pk: int, photo_id: int):
    """One of the report's own enrolled photos, audited."""
    report = selectors.report_get(actor=request.user, report_id=pk, purpose="photo")
    photo = selectors.face_photos_of(actor=request.user, report=report).filter(pk=photo_id).first()
    if photo is None:
        raise Http404("照片不存在")
    audit_read(request.user, photo, detail={"purpose": "report_photo"})
    return files.stored_file_response(photo.photo_key)
