"""API of the referral part, /api/v1/intake/ (session or a department's token, core/api_support.AUTH):

- GET referrals: the department's inbox (a token or a clerk: their department's referrals only; an officer: the
  referrals of applications in their jurisdiction), open first and oldest deadline first; filters status, overdue.
- GET referrals/{id}: one referral with the application's circumstances and materials.
- POST referrals/{id}/accept, POST referrals/{id}/return {reason}, POST referrals/{id}/complete {result, outcome,
  amount}: the department's answers, through the same services as the pages. Errors: the shared shape.
Applicants are shown with the ID number masked; every applicant in the registry shown is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema

from jiuzhu.core.schemas import ErrorOut
from jiuzhu.core.workdays import working_days_left
from jiuzhu.intake import referral_selectors as selectors
from jiuzhu.intake import referral_services as services
from jiuzhu.intake.models import REFERRAL_OPEN_STATUSES, Referral
from jiuzhu.intake.selectors import referral_get

router = Router(tags=["一门受理"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class MaterialOut(Schema):
    item: str
    name: str
    received: bool


class ReferralOut(Schema):
    id: int
    item: str
    item_label: str
    status: str
    status_label: str
    organization: str
    window: str
    sent_by: str
    note: str
    previous_id: int | None = None
    applicant_name: str
    applicant_id_masked: str
    region: str
    due_date: dt.date
    working_days_left: int | None = None  # None once the referral is finished
    overdue: bool
    sent_at: dt.datetime
    accepted_at: dt.datetime | None = None
    returned_at: dt.datetime | None = None
    return_reason: str = ""
    completed_at: dt.datetime | None = None
    result: str = ""
    outcome: str = ""
    amount: Decimal | None = None


class ReferralDetailOut(ReferralOut):
    circumstances: str
    materials: list[MaterialOut]


class ReturnIn(Schema):
    reason: str


class CompleteIn(Schema):
    result: str
    outcome: str
    amount: str | None = None


def _out(referral: Referral, on: dt.date) -> dict:
    application = referral.application_item.application
    is_open = referral.status in REFERRAL_OPEN_STATUSES
    return {
        "id": referral.pk, "item": referral.application_item.item,
        "item_label": referral.application_item.get_item_display(), "status": referral.status,
        "status_label": referral.get_status_display(), "organization": referral.organization.name,
        "window": application.organization.name if application.organization_id else "网上申请",
        "sent_by": referral.sent_by.full_name or referral.sent_by.username, "note": referral.note,
        "previous_id": referral.previous_id, "applicant_name": application.applicant_name,
        "applicant_id_masked": selectors.applicant_id_masked(application), "region": application.region.full_name,
        "due_date": referral.due_date,
        "working_days_left": working_days_left(on, referral.due_date) if is_open else None,
        "overdue": is_open and referral.due_date < on, "sent_at": referral.sent_at,
        "accepted_at": referral.accepted_at, "returned_at": referral.returned_at,
        "return_reason": referral.return_reason, "completed_at": referral.completed_at, "result": referral.result,
        "outcome": referral.outcome, "amount": referral.amount,
    }


def _detail(request, referral: Referral) -> dict:
    application = referral.application_item.application
    return {**_out(referral, selectors.today()), "circumstances": application.circumstances,
            "materials": [{"item": it.item, "name": m.name, "received": m.received}
                          for it in selectors.materials(application, actor=request.auth, item=referral.application_item)
                          for m in it.materials.all()]}


@router.get("/referrals", response={200: list[ReferralOut], **ERRORS}, summary="转办事项（部门收件箱）")
def referral_list(request, status: str = selectors.OPEN, overdue: bool = False, limit: int = 100, offset: int = 0):
    filters = selectors.parse_filters({"status": status, "overdue": "1" if overdue else ""})
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    rows = list(selectors.inbox(actor=request.auth, filters=filters)[offset:offset + limit])
    selectors.inbox_rows(request.auth, rows)  # audits the registry persons shown
    on = selectors.today()
    return [_out(r, on) for r in rows]


@router.get("/referrals/{referral_id}", response={200: ReferralDetailOut, **ERRORS}, summary="转办事项详情")
def referral_detail(request, referral_id: int):
    return _detail(request, selectors.referral_view(actor=request.auth, referral_id=referral_id,
                                                         purpose="api"))


def _act(request, referral_id: int, action, purpose: str) -> dict:
    referral = referral_get(actor=request.auth, referral_id=referral_id)
    action(referral)
    fresh = selectors.referral_view(actor=request.auth, referral_id=referral.pk, purpose=purpose)
    return _detail(request, fresh)


@router.post("/referrals/{referral_id}/accept", response={200: ReferralDetailOut, **ERRORS}, summary="接收转办")
def referral_accept(request, referral_id: int):
    return _act(request, referral_id, lambda r: services.referral_accept(actor=request.auth, referral=r),
                     "api_accept")


@router.post("/referrals/{referral_id}/return", response={200: ReferralDetailOut, **ERRORS},
             summary="退回转办（须写明理由）")
def referral_return(request, referral_id: int, payload: ReturnIn):
    return _act(request, referral_id,
                     lambda r: services.referral_return(actor=request.auth, referral=r, reason=payload.reason),
                     "api_return")


@router.post("/referrals/{referral_id}/complete", response={200: ReferralDetailOut, **ERRORS},
             summary="办结转办（给予或不予救助）")
def referral_complete(request, referral_id: int, payload: CompleteIn):
    return _act(request, referral_id,
                     lambda r: services.referral_complete(actor=request.auth, referral=r, result=payload.result,
                                                          outcome=payload.outcome, amount=payload.amount),
                     "api_complete")

