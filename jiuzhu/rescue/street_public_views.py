"""The public report page (/report/, no sign-in, phone first): anyone reports a person in need on the street, with
the place, optionally the browser's location (WGS-84) or coordinates typed from a map, and optionally a photo.
The body's size is checked before it is parsed, and no uploaded file is kept beyond the limit (core.files); reports
are limited per client address (street_services.sighting_report_public). Nothing personal is shown back: the
confirmation names the station the report went to."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core import files
from jiuzhu.core.errors import DomainError
from jiuzhu.core.middleware import client_ip
from jiuzhu.intake import portal_services
from jiuzhu.rescue import street_forms as forms
from jiuzhu.rescue import street_services as services
from jiuzhu.rescue.models import CoordinateSystem

SESSION_KEY = "rescue_report_station"
BODY_MARGIN = 64 * 1024  # the form's text fields beside the photo


def max_body_bytes() -> int:
    return files.max_file_bytes() + BODY_MARGIN


def _page(request, *, values=None, errors=None, status=200):
    values = values or {"coordinate_system": "wgs84", "township": "", "village": ""}
    return render(request, "rescue/street/public_report.html", {
        "values": values, "errors": errors or {}, "systems": CoordinateSystem.choices,
        "townships": portal_services.portal_townships(),
        "villages": portal_services.portal_villages(values.get("township", "")),
        "photo_limit": files.size_label(files.max_file_bytes())}, status=status)


@csrf_exempt  # checked by csrf_protect below, once the body is known to be small and the upload limited
@never_cache
@require_http_methods(["GET", "POST"])
def report(request):
    if request.method != "POST":
        return _page(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body_bytes():  # refused before a byte of the body is read
        limit = files.size_label(files.max_file_bytes())
        return _page(request, errors={"photo": f"提交的内容过大：照片不能超过 {limit}，请换一张较小的照片或不附照片"},
                     status=413)
    files.limit_uploads(request)
    return _report_post(request)


@csrf_protect
def _report_post(request):
    values = forms.sighting_values(request.POST)
    values["township"] = (request.POST.get("township") or "").strip()[:12]
    values["village"] = (request.POST.get("village") or "").strip()[:12]
    region = portal_services.portal_region(values["township"], values["village"])
    try:
        if region is None:
            raise DomainError("请选择发现地点所在的乡镇（街道）", code="validation_error", field="region")
        upload = request.FILES.get("photo")
        photo = files.upload_bytes(upload) if upload is not None and (upload.size or upload.name) else None
        sighting = services.sighting_report_public(
            region=region, place=values["place"], description=values["description"],
            seen_at=forms.parse_datetime(values["seen_at"], "seen_at", "发现时间"), point=forms.point(values),
            photo=photo, reporter_phone=values["reporter_phone"], client_address=client_ip(request))
    except DomainError as exc:
        status = 429 if exc.code == "rate_limited" else 400
        return _page(request, values=values, errors={forms.error_field(exc.field): exc.message}, status=status)
    request.session[SESSION_KEY] = sighting.station.name if sighting.station_id else ""
    return redirect("rescue_public:report_done")


@never_cache
@require_GET
def report_done(request):
    if SESSION_KEY not in request.session:
        return redirect("rescue_public:report")
    return render(request, "rescue/street/public_done.html", {"station": request.session.pop(SESSION_KEY)})
