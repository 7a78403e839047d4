"""The purchase of services' part of the funds API (/api/v1/funds/service-records…, added to funds/api.py's
router), as the pages (purchase_selectors.py, purchase_services.py):

- GET service-records (show pending | confirmed | returned | all, contract; paged): the records of the user's
  jurisdiction (a township: its own persons'), the persons shown audited in one statement;
- POST service-records/{id}/confirm, POST service-records/{id}/return {reason}: the township of the served
  person confirms or sends back (CONFIRM_SERVICES).

Without PURCHASE_SERVICES or CONFIRM_SERVICES 403; a record out of scope 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema

from jiuzhu.core.errors import invalid
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.funds import purchase_selectors as sel
from jiuzhu.funds import purchase_services as svc
from jiuzhu.funds.api_support import ERRORS, paged
from jiuzhu.funds.purchase_models import ServiceRecord
from jiuzhu.funds.schemas import ReasonIn, ServiceRecordOut, ServiceRecordPageOut

router = Router(tags=["政府购买服务"])


def _require_records(actor) -> None:
    if not (can(actor, Capability.PURCHASE_SERVICES) or can(actor, Capability.CONFIRM_SERVICES)):
        raise PermissionDenied("您没有查看购买服务服务记录的权限")


def _row(r: ServiceRecord) -> dict:
    return {"id": r.pk, "contract_id": r.contract_id, "contract_title": r.contract.title,
            "provider_name": r.contract.provider.name, "person_id": r.person_id, "person_name": r.person.name,
            "item": r.item, "item_label": r.get_item_display(), "served_on": r.served_on, "hours": r.hours,
            "staff_name": r.staff.name, "note": r.note, "status": r.status, "status_label": r.get_status_display(),
            "confirmed_at": r.confirmed_at, "return_reason": r.return_reason}


class RecordParams(Schema):
    show: str = "pending"
    contract: int | None = None
    limit: int | None = None
    offset: int | None = None


@router.get("/service-records", response={200: ServiceRecordPageOut, **ERRORS},
            summary="购买服务的服务记录（show：pending 待确认、confirmed、returned、all；按合同筛选；留痕）")
def record_index(request, params: Query[RecordParams]):
    actor = request.auth
    _require_records(actor)
    show = params.show.strip() or "pending"
    if show not in sel.RECORD_FILTERS:
        raise invalid(f"show 应为 {'、'.join(sel.RECORD_FILTERS)} 之一", "show")
    contract = None
    if params.contract is not None:
        contract = sel.contracts_in_scope(actor).filter(pk=params.contract).first()
        if contract is None:
            raise invalid("合同不存在或不在您的管辖范围内", "contract")
    qs = sel.record_search(actor=actor, show=show, contract=contract).select_related("contract__provider")
    return paged(qs, params.limit, params.offset, row=_row,
                 audit=lambda rows: sel.audit_records_shown(actor, rows, purpose="api_service_records"))


def _answer(actor, record_id: int) -> dict:
    """The record read again after the write (record_get already audited its person for this request)."""
    return _row(sel.records_in_scope(actor).select_related("contract__provider").get(pk=record_id))


@router.post("/service-records/{record_id}/confirm", response={200: ServiceRecordOut, **ERRORS},
             summary="乡镇确认服务记录")
def record_confirm(request, record_id: int):
    actor = request.auth
    require(actor, Capability.CONFIRM_SERVICES)
    record = sel.record_get(actor=actor, record_id=record_id)
    svc.service_confirm(actor=actor, record=record)
    return _answer(actor, record.pk)


@router.post("/service-records/{record_id}/return", response={200: ServiceRecordOut, **ERRORS},
             summary="乡镇退回服务记录（须写明理由）")
def record_return(request, record_id: int, payload: ReasonIn):
    actor = request.auth
    require(actor, Capability.CONFIRM_SERVICES)
    record = sel.record_get(actor=actor, record_id=record_id)
    svc.service_return(actor=actor, record=record, reason=payload.reason)
    return _answer(actor, record.pk)
