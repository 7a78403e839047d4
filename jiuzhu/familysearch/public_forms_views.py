"""The public portal's family-search forms (under /xunqin/, no sign-in, phone first): the missing report in two
steps (the mobile number gets a code; then the form with the code), the receipt, the two-way photo search, and
the tip form of a published notice. Views are thin: rules live in public_services and tip_services.

Every POST that may carry a photo has its body size checked before it is parsed and its uploads limited
(core.files), then CSRF checked (Django's documented pattern: csrf_exempt, then csrf_protect once the limit is
in place). In the demo (no SMS gateway: core.sms's OutboxBackend) the code sent is shown on the form page and
said to be the demo's; with a gateway it is never shown."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core import files
from jiuzhu.core.errors import DomainError, clean_date, clean_time
from jiuzhu.core.middleware import client_ip
from jiuzhu.core.ratelimit import RATE_LIMITED
from jiuzhu.core.sms import OutboxBackend, last_message_to
from jiuzhu.familysearch import public_services as services
from jiuzhu.familysearch import tip_services
from jiuzhu.familysearch.models import PersonSex
from jiuzhu.familysearch.services import MAX_REPORT_PHOTOS

PHONE_KEY = "fs_report_phone"
DEMO_CODE_KEY = "fs_report_demo_code"
RECEIPT_KEY = "fs_report_receipt"
TIP_KEY = "fs_tip_done"
BODY_MARGIN = 64 * 1024  # the form's text fields beside the photo
REPORT_FIELDS = ("name", "sex", "birth_year", "height_cm", "hukou_text", "missing_date", "missing_time",
                 "last_seen_place", "features", "clothing", "health", "reporter_name", "reporter_relation", "code")


def _status(exc: DomainError) -> int:
    return 429 if exc.code == RATE_LIMITED else 400


def _errors(exc: DomainError) -> dict:
    return {exc.field or "form": exc.message}


def _too_large(request, photos: int = 1) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > photos * files.max_file_bytes() + BODY_MARGIN


def _too_large_message(photos: int = 1) -> str:
    each = "每张" if photos > 1 else ""
    return f"提交的内容过大：{each}照片不能超过 {files.size_label(files.max_file_bytes())}，请换较小的照片"


def demo_outbox() -> bool:
    """No gateway: the code can be shown on the page (the demo), since nobody's phone receives it."""
    try:
        backend = import_string(getattr(settings, "SMS_BACKEND", "jiuzhu.core.sms.OutboxBackend"))
    except ImportError:
        return False
    return isinstance(backend, type) and issubclass(backend, OutboxBackend)


# ---- The missing report ---------------------------------------------------------------------------------

def _phone_page(request, *, phone: str = "", errors=None, status: int = 200):
    return render(request, "familysearch/public/report_phone.html",
                  {"phone": phone, "errors": errors or {}}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def report_start(request):
    """Step 1: the reporter's mobile number; a code is sent to it."""
    if request.method != "POST":
        return _phone_page(request, phone=request.session.get(PHONE_KEY, ""))
    phone = re.sub(r"[\s\-]", "", request.POST.get("reporter_phone", ""))[:20]
    try:
        services.code_send(phone=phone, client_address=client_ip(request))
    except DomainError as exc:
        return _phone_page(request, phone=phone, errors=_errors(exc), status=_status(exc))
    request.session[PHONE_KEY] = phone
    request.session.pop(DEMO_CODE_KEY, None)
    if demo_outbox():
        message = last_message_to(phone)
        found = re.search(r"\d{6}", message.text) if message else None
        if found:
            request.session[DEMO_CODE_KEY] = found.group(0)
    return redirect("xunqin_forms:report_form")


def _form_page(request, *, values=None, errors=None, status: int = 200):
    return render(request, "familysearch/public/report_form.html", {
        "values": values or {"sex": ""}, "errors": errors or {}, "phone": request.session.get(PHONE_KEY, ""),
        "demo_code": request.session.get(DEMO_CODE_KEY, ""), "sexes": PersonSex.choices,
        "photo_limit": files.size_label(files.max_file_bytes()), "today": dt.date.today().isoformat(),
        "max_photos": MAX_REPORT_PHOTOS},
        status=status)


@csrf_exempt  # checked by csrf_protect below, once the body is known to be small and the upload limited
@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request):
    """Step 2: the report itself, with the code the phone received."""
    if not request.session.get(PHONE_KEY):
        return redirect("xunqin_forms:report_start")
    if request.method != "POST":
        return _form_page(request)
    if _too_large(request, MAX_REPORT_PHOTOS):  # refused before a byte of the body is read
        return _form_page(request, errors={"photo": _too_large_message(MAX_REPORT_PHOTOS)}, status=413)
    files.limit_uploads(request)
    return _report_post(request)


@csrf_protect
def _report_post(request):
    values = {f: request.POST.get(f, "")[:1000] for f in REPORT_FIELDS}
    try:
        photos = services.images_from_uploads(request.FILES.getlist("photo"), MAX_REPORT_PHOTOS)
        report = services.report_submit_public(
            client_address=client_ip(request), reporter_phone=request.session[PHONE_KEY], code=values["code"],
            sex=values["sex"], missing_date=clean_date(values["missing_date"], "走失日期", "missing_date"),
            missing_time=clean_time(values["missing_time"], "走失时间", "missing_time"),
            reporter_name=values["reporter_name"],
            reporter_relation=values["reporter_relation"], name=values["name"], birth_year=values["birth_year"],
            height_cm=values["height_cm"], hukou_text=values["hukou_text"],
            last_seen_place=values["last_seen_place"], features=values["features"], clothing=values["clothing"],
            health=values["health"], photos=photos)
    except DomainError as exc:
        values["code"] = "" if exc.field == "code" else values["code"]
        return _form_page(request, values=values, errors=_errors(exc), status=_status(exc))
    for key in (PHONE_KEY, DEMO_CODE_KEY):
        request.session.pop(key, None)
    request.session[RECEIPT_KEY] = {"number": report.receipt_number, "photo": bool(report.photo_key)}
    return redirect("xunqin_forms:report_done")


@never_cache
@require_GET
def report_done(request):
    receipt = request.session.pop(RECEIPT_KEY, None)
    if not receipt:
        return redirect("xunqin_forms:report_start")
    return render(request, "familysearch/public/report_done.html", {"receipt": receipt})


# ---- Two-way photo search -------------------------------------------------------------------------------

def _search_page(request, *, notices=None, searched=False, errors=None, status: int = 200):
    return render(request, "familysearch/public/photo_search.html", {
        "notices": notices or [], "searched": searched, "errors": errors or {},
        "photo_limit": files.size_label(files.max_file_bytes())}, status=status)


@csrf_exempt  # checked by csrf_protect below, once the upload is limited
@never_cache
@require_http_methods(["GET", "POST"])
def photo_search(request):
    if request.method != "POST":
        return _search_page(request)
    if _too_large(request):
        return _search_page(request, errors={"photo": _too_large_message()}, status=413)
    files.limit_uploads(request)
    return _photo_post(request)


@csrf_protect
def _photo_post(request):
    try:
        photo = services.image_from_upload(request.FILES.get("photo"))
        notices = services.photo_search_public(photo=photo, client_address=client_ip(request))
    except DomainError as exc:
        return _search_page(request, errors=_errors(exc), status=_status(exc))
    return _search_page(request, notices=notices, searched=True)


# ---- Tips -----------------------------------------------------------------------------------------------

TIP_FIELDS = ("text", "contact_name", "contact_phone")


@never_cache
@require_http_methods(["GET", "POST"])
def tip(request, code: str):
    notice = tip_services.published_notice(code)
    values, errors, status = {f: "" for f in TIP_FIELDS}, {}, 200
    if request.method == "POST":
        values = {f: request.POST.get(f, "")[:1200] for f in TIP_FIELDS}
        try:
            tip_services.tip_submit_public(public_code=notice.public_code, client_address=client_ip(request),
                                           **values)
        except DomainError as exc:
            errors, status = _errors(exc), _status(exc)
        else:
            request.session[TIP_KEY] = notice.public_code
            return redirect("xunqin_forms:tip_done", notice.public_code)
    return render(request, "familysearch/public/tip.html",
                  {"notice": notice, "values": values, "errors": errors}, status=status)


@never_cache
@require_GET
def tip_done(request, code: str):
    notice = tip_services.published_notice(code)
    if request.session.pop(TIP_KEY, None) != notice.public_code:
        return redirect("xunqin_forms:tip", notice.public_code)
    return render(request, "familysearch/public/tip_done.html", {"notice": notice})
