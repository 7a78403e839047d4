"""Funds' API, /api/v1/funds/ (a browser session with CSRF, or a department's token: core/api_support.AUTH). The
same reads and writes as the pages (selectors.py and services.py; the fund's and the services' parts in
fund_api.py and purchase_api.py, added to this router):

- GET rolls (filters month YYYY-MM, item, status, waiting; paged), POST rolls {month, item} (编制: the user's part of
  the county's roll), GET rolls/{id} (township totals and the checks in the user's jurisdiction, the balance once
  approved);
- GET rolls/{id}/lines (filters status, township; a township sees only its own lines; the payees shown audited in
  one statement), GET rolls/{id}/hits (the pre-approval findings; payees audited);
- the review chain, each step through its service and answering the roll: POST rolls/{id}/townships/{code}/submit
  (乡镇经办), …/review (乡镇审核), …/return {reason}; POST rolls/{id}/check, POST rolls/{id}/handle (县民政经办),
  POST rolls/{id}/return {reason} (send back one step), POST rolls/{id}/approve (县民政审核, frozen),
  POST rolls/{id}/hits/{hit_id}/override {reason}.

Every call checks PREPARE_PAYMENTS or REVIEW_PAYMENTS (403), then the scope (404); the services check the step's
own capability and status (a refusal is a Chinese 400, or 403 for the wrong actor). Errors: the shared shape."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from ninja import Query, Router, Schema, Status

from jiuzhu.core.api_support import page_bounds
from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.errors import invalid
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.funds import fund_api, purchase_api, selectors, services
from jiuzhu.funds.api_support import ERRORS, paged
from jiuzhu.funds.models import CheckHit, CheckKind, LineStatus, PaymentRoll, RollStatus, SubsidyItem
from jiuzhu.funds.schemas import (
    HitPageOut,
    LinePageOut,
    PrepareIn,
    ReasonIn,
    RollDetailOut,
    RollPageOut,
)

router = Router(tags=["资金发放"])


def _require_payments(actor) -> None:
    if not can(actor, Capability.REVIEW_PAYMENTS):
        require(actor, Capability.PREPARE_PAYMENTS)


def _month(value: str, field: str = "month") -> dt.date:
    try:
        return dt.datetime.strptime((value or "").strip(), "%Y-%m").date()
    except ValueError:
        raise invalid("发放月份应写作 YYYY-MM，如 2026-11", field) from None


def _roll(actor, roll_id: int) -> PaymentRoll:
    _require_payments(actor)
    return selectors.roll_get(actor, roll_id)


def _roll_row(r: PaymentRoll, waiting: set[int]) -> dict:
    return {"id": r.pk, "county_code": r.county.code, "county_name": r.county.name, "month": f"{r.month:%Y-%m}",
            "item": r.item, "item_label": r.get_item_display(), "status": r.status,
            "status_label": r.get_status_display(), "households": r.households, "persons": r.persons,
            "amount": r.amount, "prepared_at": r.prepared_at, "checked_at": r.checked_at,
            "approved_at": r.approved_at, "return_reason": r.return_reason, "waiting_for_me": r.pk in waiting}


def _waiting(actor, ids) -> set[int]:
    return set(selectors.rolls_waiting(actor).filter(pk__in=list(ids)).values_list("pk", flat=True))


def _roll_detail(actor, roll_id: int) -> dict:
    roll = selectors.roll_get(actor, roll_id)
    parts = [{"township_code": p.township.code, "township_name": p.township.name, "status": p.status,
              "status_label": p.get_status_display(), "households": p.households, "persons": p.persons,
              "amount": p.amount, "return_reason": p.return_reason} for p in selectors.townships(actor, roll)]
    counts = {r["kind"]: r for r in selectors.hits(actor, roll).order_by().values("kind").annotate(
        open=Count("id", filter=Q(override_reason="")), overridden=Count("id", filter=~Q(override_reason="")))}
    checks = [{"kind": k, "kind_label": label, "open": counts[k]["open"], "overridden": counts[k]["overridden"]}
              for k, label in CheckKind.choices if k in counts]
    return {**_roll_row(roll, _waiting(actor, [roll.pk])), "townships": parts, "checks": checks,
            "balance": services.balance(roll) if roll.status == RollStatus.APPROVED else None}


class RollParams(Schema):
    month: str = ""
    item: str = ""
    status: str = ""
    waiting: bool = False
    limit: int | None = None
    offset: int | None = None


@router.get("/rolls", response={200: RollPageOut, **ERRORS},
            summary="发放花名册（按发放月份 YYYY-MM、资金科目、状态筛选；waiting=true 只看待我办理的）")
def roll_index(request, params: Query[RollParams]):
    actor = request.auth
    _require_payments(actor)
    qs = (selectors.rolls_waiting(actor) if params.waiting else selectors.rolls(actor)).order_by("-month", "item",
                                                                                                  "id")
    if params.month.strip():
        qs = qs.filter(month=_month(params.month))
    if params.item.strip():
        if params.item.strip() not in SubsidyItem.values:
            raise invalid(f"未知的资金科目：{params.item.strip()[:20]}", "item")
        qs = qs.filter(item=params.item.strip())
    if params.status.strip():
        if params.status.strip() not in RollStatus.values:
            raise invalid(f"未知的花名册状态：{params.status.strip()[:20]}", "status")
        qs = qs.filter(status=params.status.strip())
    limit, offset = page_bounds(params.limit, params.offset)
    rows = list(qs.select_related("county")[offset:offset + limit])
    waiting = _waiting(actor, [r.pk for r in rows])
    return {"results": [_roll_row(r, waiting) for r in rows], "total": qs.count(), "limit": limit, "offset": offset}


@router.post("/rolls", response={201: RollDetailOut, **ERRORS},
             summary="编制（或重新编制）本县本月某科目的花名册：乡镇编制本乡镇部分，县民政编制尚未报送的乡镇")
def roll_prepare(request, payload: PrepareIn):
    actor = request.auth
    require(actor, Capability.PREPARE_PAYMENTS)
    county = selectors.actor_county(actor)
    if county is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    month = _month(payload.month)
    if payload.item.strip() not in SubsidyItem.values:
        raise invalid("请选择资金科目（如 2081902 农村最低生活保障金）", "item")
    roll = services.roll_prepare(actor=actor, county=county, month=month, item=payload.item.strip())
    return Status(201, _roll_detail(actor, roll.pk))


@router.get("/rolls/{roll_id}", response={200: RollDetailOut, **ERRORS},
            summary="花名册详情（本辖区乡镇汇总：户数、人数、金额；核查结果；审核通过后的发放平衡）")
def roll_detail(request, roll_id: int):
    roll = _roll(request.auth, roll_id)
    return _roll_detail(request.auth, roll.pk)


def _line_row(line) -> dict:
    return {"id": line.pk, "township_code": line.township.code, "township_name": line.township.name,
            "payee_id": line.payee_id, "payee_name": line.payee.name, "persons": line.persons,
            "bank_name": line.bank_name, "account_tail": line.account_tail, "institution": line.institution,
            "amount": line.amount, "back_pay": line.back_pay, "adjustment": line.adjustment, "total": line.total,
            "status": line.status, "status_label": line.get_status_display(), "fail_reason": line.fail_reason,
            "stop_reason": line.stop_reason, "batch": line.batch}


class LineParams(Schema):
    status: str = ""
    township: str = ""
    limit: int | None = None
    offset: int | None = None


@router.get("/rolls/{roll_id}/lines", response={200: LinePageOut, **ERRORS},
            summary="发放明细（乡镇只看本乡镇；按发放状态、乡镇区划代码筛选；所列领款人留痕）")
def line_index(request, roll_id: int, params: Query[LineParams]):
    actor = request.auth
    roll = _roll(actor, roll_id)
    qs = selectors.lines(actor, roll).select_related("payee", "township").order_by("township__code", "id")
    status, township = params.status.strip(), params.township.strip()
    if status:
        if status not in LineStatus.values:
            raise invalid(f"未知的发放状态：{status[:20]}", "status")
        qs = qs.filter(status=status)
    if township:
        if not Region.objects.filter(code=township[:12]).exists():
            raise invalid(f"区划代码“{township[:20]}”不存在", "township")
        qs = qs.filter(township__code=township[:12])
    return paged(qs, params.limit, params.offset, row=_line_row,
                 audit=lambda rows: audit_persons_shown(actor=actor, persons=[r.payee_id for r in rows],
                                                        purpose="api_roll_lines"))


class HitParams(Schema):
    open: bool = True
    limit: int | None = None
    offset: int | None = None


@router.get("/rolls/{roll_id}/hits", response={200: HitPageOut, **ERRORS},
            summary="核查结果（默认只看待处理的；open=false 看全部；所列领款人留痕）")
def hit_index(request, roll_id: int, params: Query[HitParams]):
    actor = request.auth
    roll = _roll(actor, roll_id)
    qs = selectors.hits(actor, roll).select_related("line__payee", "line__township").order_by("kind", "line_id")
    if params.open:
        qs = qs.filter(override_reason="")
    return paged(qs, params.limit, params.offset,
                 row=lambda h: {"id": h.pk, "line_id": h.line_id, "payee_name": h.line.payee.name,
                                "township_name": h.line.township.name, "kind": h.kind,
                                "kind_label": h.get_kind_display(), "detail": h.detail,
                                "override_reason": h.override_reason},
                 audit=lambda rows: audit_persons_shown(actor=actor, persons=[h.line.payee_id for h in rows],
                                                        purpose="api_roll_hits"))


# ---- The review chain ------------------------------------------------------------------------------------------

def _township(code: str) -> Region:
    region = Region.objects.filter(code=code[:12]).first()
    if region is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return region


@router.post("/rolls/{roll_id}/townships/{code}/submit", response={200: RollDetailOut, **ERRORS},
             summary="乡镇经办：本乡镇部分提交乡镇审核")
def township_submit(request, roll_id: int, code: str):
    roll = _roll(request.auth, roll_id)
    services.township_submit(actor=request.auth, roll=roll, township=_township(code))
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/townships/{code}/review", response={200: RollDetailOut, **ERRORS},
             summary="乡镇审核：本乡镇部分审核通过（各乡镇均通过后报县民政经办）")
def township_review(request, roll_id: int, code: str):
    roll = _roll(request.auth, roll_id)
    services.township_review(actor=request.auth, roll=roll, township=_township(code))
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/townships/{code}/return", response={200: RollDetailOut, **ERRORS},
             summary="乡镇审核退回乡镇经办（须写明理由）")
def township_return(request, roll_id: int, code: str, payload: ReasonIn):
    roll = _roll(request.auth, roll_id)
    services.township_return(actor=request.auth, roll=roll, township=_township(code), reason=payload.reason)
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/check", response={200: RollDetailOut, **ERRORS}, summary="发放前核查（整册）")
def roll_check(request, roll_id: int):
    roll = _roll(request.auth, roll_id)
    services.roll_check(actor=request.auth, roll=roll)
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/handle", response={200: RollDetailOut, **ERRORS},
             summary="县民政经办：核查后提交县民政审核")
def roll_handle(request, roll_id: int):
    roll = _roll(request.auth, roll_id)
    services.county_handle(actor=request.auth, roll=roll)
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/return", response={200: RollDetailOut, **ERRORS},
             summary="退回上一步（县民政审核退回县民政经办；县民政经办退回各乡镇），须写明理由")
def roll_return(request, roll_id: int, payload: ReasonIn):
    roll = _roll(request.auth, roll_id)
    services.roll_return(actor=request.auth, roll=roll, reason=payload.reason)
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/approve", response={200: RollDetailOut, **ERRORS},
             summary="县民政审核通过（无待处理核查问题；通过后花名册冻结）")
def roll_approve(request, roll_id: int):
    roll = _roll(request.auth, roll_id)
    services.roll_approve(actor=request.auth, roll=roll)
    return _roll_detail(request.auth, roll.pk)


@router.post("/rolls/{roll_id}/hits/{hit_id}/override", response={200: RollDetailOut, **ERRORS},
             summary="核查问题放行（县民政审核，须写明理由）")
def hit_override(request, roll_id: int, hit_id: int, payload: ReasonIn):
    roll = _roll(request.auth, roll_id)
    hit = CheckHit.objects.select_related("roll__county", "line").filter(pk=hit_id, roll=roll).first()
    if hit is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    services.hit_override(actor=request.auth, hit=hit, reason=payload.reason)
    return _roll_detail(request.auth, roll.pk)


router.add_router("", fund_api.router)
router.add_router("", purchase_api.router)
