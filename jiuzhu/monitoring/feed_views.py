"""Pages of department feeds: the department's inbox (部门数据上报: upload, its batches, their errors and
downloads), a batch's page (the row/column report; accept without the bad rows, or withdraw), the data
specification (数据规范) with a template per kind, and the officers' list of uncertain links. Thin: the work
is in feeds.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from jiuzhu.core import tabular
from jiuzhu.core.errors import DomainError
from jiuzhu.core.exports import download_response
from jiuzhu.core.files import SizeLimitHandler
from jiuzhu.core.models import Organization, OrganizationKind
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import is_department_actor
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring.feeds_schema import FEED_SCHEMAS, TYPE_LABELS, schema_for, template_workbook
from jiuzhu.monitoring.models import FeedBatchStatus, FeedKind, LinkReviewStatus

SHOWN_ERRORS = 200
SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".parquet"}


def _referred_url() -> str | None:
    """The 'warnings referred to us' page, built by the warning part; linked only once it exists."""
    try:
        return reverse("monitoring:referred_warnings")
    except NoReverseMatch:
        return None


def _departments(actor):
    """The departments an officer may upload for (a department clerk uploads for its own only)."""
    if is_department_actor(actor) and not actor.is_superuser:
        return None
    departments = Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).select_related("region")
    if not actor.is_superuser:
        departments = departments.filter(region__path__startswith=actor.region.path if actor.region_id else "-")
    return departments.order_by("region__code", "name")


def _upload(request):
    """The posted feed checked and read (core/tabular upload_step, within the feed's own size limit), then
    written as a batch; the batch's page, or None with the refusal shown."""
    kind = request.POST.get("kind", "")
    if request.FILES.get("file") is not None and kind not in FEED_SCHEMAS:
        messages.error(request, "请选择数据类型")
        return None
    organization = None
    if request.POST.get("organization"):
        organization = Organization.objects.filter(pk=request.POST["organization"]).first()

    def batch(file):
        result = feeds.feed_upload(actor=request.user, kind=kind, data=file.data, filename=file.filename,
                                   organization=organization, accept_partial=bool(request.POST.get("accept_partial")))
        level = messages.info if result.status == "already_received" else (
            messages.warning if result.status == FeedBatchStatus.CHECKED else messages.success)
        level(request, result.message)
        return redirect("monitoring:feed_batch", result.batch.pk)

    # The upload handler kept nothing beyond the feed limit; its size is refused before a byte is parsed.
    return tabular.upload_step(request, batch, suffixes=SUFFIXES, verb="上传", check_size=feeds.check_feed_size)


@csrf_exempt  # CSRF is checked by csrf_protect below, once the upload limit is in place (core/files.py)
@login_required
def inbox(request):
    require(request.user, Capability.UPLOAD_FEEDS)
    if request.method == "POST":
        # Before the body is parsed: nothing beyond the feed limit is kept, then refused by its size.
        request.upload_handlers.insert(0, SizeLimitHandler(request, limit=feeds.feed_max_bytes()))
    return _inbox(request)


@csrf_protect
def _inbox(request):
    if request.method == "POST":
        return _upload(request) or redirect("monitoring:feeds")
    batches = feeds.batches_for(request.user).order_by("-uploaded_at")[:50]
    pending_links = feeds.reviews_for(request.user).filter(status=LinkReviewStatus.PENDING).count()
    return render(request, "monitoring/feed_inbox.html", {
        "batches": batches, "kinds": FeedKind.choices, "departments": _departments(request.user),
        "referred_url": _referred_url(), "pending_links": pending_links,
        "max_mb": feeds.feed_max_bytes() // 1024 // 1024, "is_department": is_department_actor(request.user)})


@login_required
def batch_page(request, batch_id: int):
    require(request.user, Capability.UPLOAD_FEEDS)
    batch = feeds.batch_for(request.user, batch_id)
    report = feeds.batch_report(batch)
    errors = report.get("errors", [])
    notices = report.get("notices", [])
    return render(request, "monitoring/feed_batch.html", {
        "batch": batch, "errors": errors[:SHOWN_ERRORS], "error_count": len(errors), "notices": notices[:50],
        "notice_count": len(notices), "shown": SHOWN_ERRORS, "held": batch.status == FeedBatchStatus.CHECKED})


@login_required
@require_POST
def batch_accept(request, batch_id: int):
    try:
        batch = feeds.feed_accept(actor=request.user, batch_id=batch_id)
        messages.success(request, f"已入库 {batch.rows_stored} 行，{batch.rows_rejected} 个错误行未入库")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("monitoring:feed_batch", batch_id)


@login_required
@require_POST
def batch_withdraw(request, batch_id: int):
    try:
        feeds.feed_withdraw(actor=request.user, batch_id=batch_id)
        messages.success(request, "已撤回该批次，修改文件后可重新上传")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("monitoring:feed_batch", batch_id)


def _download(request, batch_id: int, fmt: str, make):
    return download_response(*feeds.batch_download(actor=request.user, batch_id=batch_id, fmt=fmt, make=make))


@login_required
def batch_report(request, batch_id: int, fmt: str):
    return _download(request, batch_id, fmt, feeds.report_file)


@login_required
def batch_rejected(request, batch_id: int, fmt: str):
    return _download(request, batch_id, fmt, feeds.rejected_file)


@login_required
def schemas(request):
    if not (can(request.user, Capability.UPLOAD_FEEDS) or can(request.user, Capability.HANDLE_WARNINGS)):
        raise PermissionDenied("您没有“上传部门数据”的权限")
    return render(request, "monitoring/feed_schemas.html", {
        "schemas": list(FEED_SCHEMAS.values()), "type_labels": TYPE_LABELS})


@login_required
def template(request, kind: str):
    schema = schema_for(kind) if kind in FEED_SCHEMAS else None
    if schema is None:
        raise Http404("没有该数据类型")
    return download_response(template_workbook(kind), f"{schema.label}_导入模板.xlsx")


@login_required
def links(request):
    require(request.user, Capability.UPLOAD_FEEDS)
    if request.method == "POST":
        try:
            review = feeds.link_review_decide(actor=request.user, review_id=int(request.POST.get("review", 0)),
                                              accept=request.POST.get("decision") == "accept")
            messages.success(request, f"第{review.row_number}行“{review.name}”：{review.get_status_display()}")
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "请求有误"))
        return redirect("monitoring:feed_links")
    reviews = list(feeds.reviews_for(request.user).filter(status=LinkReviewStatus.PENDING).order_by("pk")[:100])
    from jiuzhu.core.audit import audit_persons_shown

    if reviews:
        audit_persons_shown(actor=request.user, persons=[r.person_id for r in reviews], purpose="feed_link_review")
    # Name, birth date and place on both sides: that is what the officer compares (no ID number is shown
    # beside a birth date).
    return render(request, "monitoring/feed_links.html", {"reviews": reviews})
