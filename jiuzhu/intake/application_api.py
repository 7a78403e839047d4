"""The application API (/api/v1/intake/applications): take an application (the window's one form, for a
browser session with CSRF or a department system's token), list the applications in scope with filters, and
read one. Thin: the write is services.application_create, the reads are selectors; every person shown is
audited and ID numbers are masked unless the role may see them in full."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from jiuzhu.core.audit import audit, audit_read
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.schemas import ErrorOut
from jiuzhu.intake import api_selectors
from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.models import OPEN_STATUSES, ApplicationStatus, ItemStatus
from jiuzhu.intake.schemas import ApplicationIn, ApplicationOut, ApplicationPageOut
from jiuzhu.intake.selectors import application_get
from jiuzhu.intake.services import application_create, today
from jiuzhu.registry.selectors import audit_shown, may_see_full_id

router = Router(tags=["一门受理"])

# application_create names its fields as the window's form does; the API body nests the applicant.
_BODY_PATHS = {"applicant_name": "applicant.name", "applicant_id_number": "applicant.id_number",
               "applicant_phone": "applicant.phone", "address": "applicant.address", "region": "region_code"}


def _body_error(exc: DomainError) -> DomainError:
    """The service's error with the field named as the request body names it."""
    errors = [{**e, "path": _BODY_PATHS.get(e.get("path"), e.get("path"))} for e in exc.errors]
    return DomainError(exc.message, code=exc.code, field=_BODY_PATHS.get(exc.field, exc.field), errors=errors)


def _region(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise DomainError(f"区划代码“{(code or '')[:20]}”不存在", code="validation_error", field="region_code")
    return region


def application_out(row: dict, *, full_id: bool) -> dict:
    """One application (an api_selectors.application_row) as ApplicationOut's fields; a dict, so the response
    schema validates it once."""
    number = decrypt_text(row["applicant_id_cipher"])
    status, due = row["status"], row["due_date"]
    return {
        "id": row["id"], "query_code": row["query_code"], "channel": row["channel"], "status": status,
        "status_label": ApplicationStatus(status).label, "region_code": row["region__code"],
        "region_name": row["region__full_name"], "applicant_name": row["applicant_name"],
        "applicant_id_number": number if full_id else mask_id_number(number), "emergency": row["emergency"],
        "submitted_at": row["submitted_at"], "accepted_at": row["accepted_at"], "due_date": due,
        "overdue": bool(status in OPEN_STATUSES and due and due < today()),
        "items": [{**i, "name": ITEM_BY_CODE[i["item"]].name, "status_label": ItemStatus(i["status"]).label}
                  for i in row["items"]],
    }


@router.post("/applications", response={201: ApplicationOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
             summary="受理救助申请（一表登记：申请人、申请事项、困难情况）")
def application_new(request, payload: ApplicationIn):
    actor = request.auth
    try:
        app = application_create(
            actor=actor, channel=payload.channel, region=_region(payload.region_code),
            applicant_name=payload.applicant.name, applicant_id_number=payload.applicant.id_number,
            applicant_phone=payload.applicant.phone, address=payload.applicant.address, items=payload.items,
            circumstances=payload.circumstances, agent=payload.agent.dict() if payload.agent else None,
            emergency=payload.emergency, source_ref=payload.source_ref,
            received_materials=payload.received_materials)
    except DomainError as exc:
        raise _body_error(exc) from None
    return Status(201, application_out(api_selectors.application_row(app), full_id=may_see_full_id(actor)))


class ListParams(Schema):
    status: str = ""
    item: str = ""
    channel: str = ""
    overdue: bool = False
    cursor: str | None = None
    limit: int | None = None


@router.get("/applications", response={200: ApplicationPageOut, 400: ErrorOut, 403: ErrorOut},
            summary="管辖范围内的救助申请（按状态、事项、渠道、是否逾期筛选；最新在前，按 next_cursor 翻页）")
def application_index(request, params: Query[ListParams]):
    actor = request.auth
    filters = api_selectors.parse_filters(status=params.status, item=params.item, channel=params.channel,
                                          overdue=params.overdue)
    limit = api_selectors.clamp_limit(params.limit)
    rows, next_cursor = api_selectors.application_page(
        actor=actor, filters=filters, cursor=api_selectors.parse_cursor(params.cursor), limit=limit)
    full_id = may_see_full_id(actor)
    if rows:  # every applicant shown: registry persons one row each (set-based), and the page itself
        audit_shown(actor, sorted({a["person_id"] for a in rows if a["person_id"]}), purpose="intake_api_list")
        audit(AuditAction.READ, actor=actor, detail={
            "purpose": "intake_api_list", "object_type": "intake.application",
            "ids": [a["id"] for a in rows], "filters": filters.as_audit()})
    return {"results": [application_out(a, full_id=full_id) for a in rows], "limit": limit,
            "next_cursor": str(next_cursor) if next_cursor else None}


@router.get("/applications/{application_id}", response={200: ApplicationOut, 403: ErrorOut, 404: ErrorOut},
            summary="救助申请详情（留痕）")
def application_detail(request, application_id: int):
    actor = request.auth
    app = application_get(actor=actor, application_id=application_id)
    audit_read(actor, app, person_id=app.person_id, detail={"purpose": "intake_api"})
    return application_out(api_selectors.application_row(app), full_id=may_see_full_id(actor))
