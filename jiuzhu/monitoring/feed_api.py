"""API of the feed part of monitoring (added to the monitoring router by api.py), /api/v1/monitoring/:

- POST feeds: a department system sends a file (multipart: file, kind; an officer also names the
  organization_id; accept_partial=true stores a file with errors without its bad rows at once). The answer
  says whether the batch was stored, held for a decision (checked) or already received, with its counts and
  links to the report and the rejected rows. A file that cannot be used as a whole is 400.
- GET feeds, GET feeds/{id}, POST feeds/{id}/accept, POST feeds/{id}/withdraw, the downloads.
- GET feed-schemas: every kind's columns (数据规范).
- GET feed-links, POST feed-links/{id}: uncertain links an officer settles."""

import datetime as dt

from django.http import Http404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from jiuzhu.core.exports import download_response
from jiuzhu.core.models import Organization
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.monitoring import feeds
from jiuzhu.monitoring.feeds_schema import FEED_SCHEMAS, TYPE_LABELS
from jiuzhu.monitoring.models import LinkReviewStatus

router = Router(tags=["动态监测"])
BASE = "/api/v1/monitoring/feeds"


class BatchOut(Schema):
    id: int
    kind: str
    kind_label: str
    organization: str
    file_name: str
    status: str
    status_label: str
    uploaded_at: dt.datetime
    rows_total: int
    rows_stored: int
    rows_rejected: int
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    report_xlsx: str = ""
    report_csv: str = ""
    rejected_xlsx: str = ""
    rejected_csv: str = ""


class UploadOut(Schema):
    status: str  # stored | checked | already_received
    message: str
    batch: BatchOut


class ColumnOut(Schema):
    name: str
    label: str
    type: str
    type_label: str
    required: bool
    synonyms: list[str]
    note: str


class SchemaOut(Schema):
    kind: str
    label: str
    description: str
    period_column: str
    columns: list[ColumnOut]


class LinkOut(Schema):
    id: int
    batch_id: int
    row_number: int
    sheet: str = ""
    name: str
    person_id: int
    person_name: str
    probability: float
    status: str


class DecisionIn(Schema):
    accept: bool


def batch_out(batch) -> dict:
    has_report = batch.rows_rejected or batch.status != "withdrawn"
    out = {"id": batch.pk, "kind": batch.kind, "kind_label": batch.get_kind_display(),
           "organization": batch.organization.name, "file_name": batch.file_name, "status": batch.status,
           "status_label": batch.get_status_display(), "uploaded_at": batch.uploaded_at,
           "rows_total": batch.rows_total, "rows_stored": batch.rows_stored, "rows_rejected": batch.rows_rejected,
           "period_start": batch.period_start, "period_end": batch.period_end}
    if has_report and batch.data_path:
        out["report_xlsx"], out["report_csv"] = f"{BASE}/{batch.pk}/report.xlsx", f"{BASE}/{batch.pk}/report.csv"
    if batch.rejected_path:
        out["rejected_xlsx"] = f"{BASE}/{batch.pk}/rejected.xlsx"
        out["rejected_csv"] = f"{BASE}/{batch.pk}/rejected.csv"
    return out


@router.post("/feeds", response={200: UploadOut, 400: ErrorOut, 403: ErrorOut},
             summary="上传部门数据（Excel/CSV/Parquet）")
def feed_upload(request, file: UploadedFile = File(...), kind: str = Form(...),
                organization_id: int | None = Form(None), accept_partial: bool = Form(False)):
    require(request.auth, Capability.UPLOAD_FEEDS)
    feeds.check_feed_size(file.size or 0)  # before a byte of it is read
    organization = None
    if organization_id is not None:
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise Http404("没有该部门")
    result = feeds.feed_upload(actor=request.auth, kind=kind, data=file.read(), filename=file.name or "upload",
                               organization=organization, accept_partial=accept_partial)
    return {"status": result.status, "message": result.message, "batch": batch_out(result.batch)}


@router.get("/feeds", response=list[BatchOut], summary="本部门（或辖区）上传的数据批次")
def feed_list(request, kind: str | None = None):
    require(request.auth, Capability.UPLOAD_FEEDS)
    batches = feeds.batches_for(request.auth).order_by("-uploaded_at")
    if kind:
        batches = batches.filter(kind=kind)
    return [batch_out(b) for b in batches[:200]]


@router.get("/feeds/{batch_id}", response=BatchOut, summary="数据批次")
def feed_detail(request, batch_id: int):
    require(request.auth, Capability.UPLOAD_FEEDS)
    return batch_out(feeds.batch_for(request.auth, batch_id))


@router.post("/feeds/{batch_id}/accept", response=BatchOut, summary="不含错误行入库")
def feed_accept(request, batch_id: int):
    return batch_out(feeds.feed_accept(actor=request.auth, batch_id=batch_id))


@router.post("/feeds/{batch_id}/withdraw", response=BatchOut, summary="撤回待确认的批次")
def feed_withdraw(request, batch_id: int):
    return batch_out(feeds.feed_withdraw(actor=request.auth, batch_id=batch_id))


def _download(request, batch_id: int, fmt: str, make):
    return download_response(*feeds.batch_download(actor=request.auth, batch_id=batch_id, fmt=fmt, make=make))


@router.get("/feeds/{batch_id}/report.{fmt}", summary="下载错误报告（行号、列、原因）")
def feed_report(request, batch_id: int, fmt: str):
    return _download(request, batch_id, fmt, feeds.report_file)


@router.get("/feeds/{batch_id}/rejected.{fmt}", summary="下载未入库的行")
def feed_rejected(request, batch_id: int, fmt: str):
    return _download(request, batch_id, fmt, feeds.rejected_file)


@router.get("/feed-schemas", response=list[SchemaOut], summary="部门数据规范")
def feed_schemas(request):
    return [{"kind": s.kind, "label": s.label, "description": s.description, "period_column": s.period_column,
             "columns": [{"name": c.name, "label": c.label, "type": c.type, "type_label": TYPE_LABELS[c.type],
                          "required": c.required, "synonyms": list(c.synonyms), "note": c.note}
                         for c in s.columns]} for s in FEED_SCHEMAS.values()]


def _link_out(review) -> dict:
    return {"id": review.pk, "batch_id": review.batch_id, "row_number": review.row_number,
            "sheet": review.sheet, "name": review.name,
            "person_id": review.person_id, "person_name": review.person.name, "probability": review.probability,
            "status": review.status}


@router.get("/feed-links", response=list[LinkOut], summary="待确认的人员匹配")
def feed_links(request, status: str = LinkReviewStatus.PENDING):
    require(request.auth, Capability.UPLOAD_FEEDS)
    return [_link_out(r) for r in feeds.reviews_for(request.auth).filter(status=status).order_by("pk")[:200]]


@router.post("/feed-links/{review_id}", response=LinkOut, summary="确认或否定一条人员匹配")
def feed_link_decide(request, review_id: int, payload: DecisionIn):
    return _link_out(feeds.link_review_decide(actor=request.auth, review_id=review_id, accept=payload.accept))
