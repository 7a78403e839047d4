"""The safety-net fund's part of the funds API (/api/v1/funds/safety-net/…, added to funds/api.py's router); reads
only, as the fund's pages show them (fund_selectors.py):

- GET safety-net/funds: the funds the user sees (their region's, and a fund above it that serves it: a county's
  officers see their city's fund) with balance and pending disbursements;
- GET safety-net/funds/{id}?year=: the year's figures (brought forward, in by source with seed 002's one-third
  rule, out by decision kind, carried forward);
- GET safety-net/funds/{id}/ledger?year=: the booked lines with the running balance (computed by the database);
  the household of a disbursement only where the user may see it (another county's case: its amount only), the
  heads shown audited in one statement;
- POST safety-net/funds/{id}/contributions (JSON): a contribution booked by the fund's own region's officer;
- POST safety-net/funds/{id}/disbursements (multipart, the scanned decision as `decision_file`): a disbursement
  proposed by an officer of the fund's region or of a county it serves, for a decided case (source_kind and
  source_id) or the household of head_id_number;
- POST safety-net/entries/{id}/approve, …/reject {reason}: the fund's region's approver decides it.

Without MANAGE_FUND, APPROVE_FUND or VIEW_STATISTICS 403 (the ledger: without MANAGE_FUND or APPROVE_FUND; the
writes: without MANAGE_FUND, or APPROVE_FUND for a decision); a fund or an entry out of scope 404; a county's
approver deciding on the city's fund 403. Every write goes through fund_services (the same rules as the pages);
what is missing or wrong is a Chinese 400 naming the field."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiuzhu.core.errors import clean_date, invalid
from jiuzhu.core.files import upload_bytes
from jiuzhu.core.permissions import Capability, require
from jiuzhu.funds import fund_selectors as sel
from jiuzhu.funds import fund_services as svc
from jiuzhu.funds.api_support import ERRORS, paged
from jiuzhu.funds.fund_models import EntryKind, Fund, FundEntry
from jiuzhu.funds.schemas import (
    ContributionIn,
    DisbursementIn,
    FundDetailOut,
    FundEntryOut,
    FundPageOut,
    LedgerPageOut,
    ReasonIn,
)

router = Router(tags=["托底救助基金"])
CENT = Decimal("0.01")


def _require_fund(actor) -> None:
    if not sel.may_see_fund(actor):
        raise PermissionDenied("您没有查看托底救助基金的权限")


def _year(year: int | None) -> int:
    this = sel.today().year
    if year is None:
        return this
    if not 2000 <= year <= this:
        raise invalid(f"年度应在 2000 到 {this} 之间", "year")
    return year


def _money(value):
    """Two decimals whatever the database's sum gave (SQLite: 97000 for 97000.00)."""
    return None if value is None else Decimal(value).quantize(CENT)


def _fund_row(actor, fund: Fund) -> dict:
    return {"id": fund.pk, "name": fund.name, "region_code": fund.region.code, "region_name": fund.region.name,
            "balance": _money(sel.balance(fund)), "pending_out": _money(sel.pending_out(fund)),
            "own": sel.is_fund_region_user(actor, fund)}


class PageParams(Schema):
    limit: int | None = None
    offset: int | None = None


@router.get("/safety-net/funds", response={200: FundPageOut, **ERRORS},
            summary="托底救助基金（本辖区设立的，以及上级设立、覆盖本辖区的；余额与待审批支出）")
def fund_index(request, params: Query[PageParams]):
    actor = request.auth
    _require_fund(actor)
    return paged(sel.funds_in_scope(actor), params.limit, params.offset, row=lambda f: _fund_row(actor, f))


class YearParams(Schema):
    year: int | None = None


@router.get("/safety-net/funds/{fund_id}", response={200: FundDetailOut, **ERRORS},
            summary="基金年度收支（上年结余、各来源收入及三分之一要求、按决定方式的支出、年末结余）")
def fund_detail(request, fund_id: int, params: Query[YearParams]):
    actor = request.auth
    _require_fund(actor)
    fund = sel.fund_get(actor=actor, fund_id=fund_id)
    year = _year(params.year)
    s = sel.year_summary(fund, year)
    return {**_fund_row(actor, fund), "year": year, "opening": _money(s["opening"]), "income": _money(s["income"]),
            "spent": _money(s["spent"]), "closing": _money(s["closing"]),
            "sources": [{"code": x["code"], "label": x["label"], "total": _money(x["total"]),
                         "available": _money(x["available"]), "meets_rule": x["meets_rule"]} for x in s["sources"]],
            "kinds": [{**k, "total": _money(k["total"])} for k in s["kinds"]]}


class LedgerParams(Schema):
    year: int | None = None
    limit: int | None = None
    offset: int | None = None


def _ledger_row(e) -> dict:
    disbursement = e.kind == EntryKind.DISBURSEMENT
    shown = disbursement and e.shown
    return {"id": e.pk, "entry_date": e.entry_date, "kind": e.kind, "kind_label": e.get_kind_display(),
            "source": e.source, "source_label": e.get_source_display() if e.source else "",
            "decision_kind": e.decision_kind,
            "decision_kind_label": e.get_decision_kind_display() if e.decision_kind else "",
            "decision_ref": e.decision_ref if shown else "",
            "household_head_name": (e.household.head.name if e.household.head_id else "") if shown else None,
            "household_region_name": e.household.region.name if shown else None,
            "voucher": e.voucher, "amount": _money(e.amount), "balance": _money(e.balance)}


@router.get("/safety-net/funds/{fund_id}/ledger", response={200: LedgerPageOut, **ERRORS},
            summary="基金收支明细及逐笔余额（其他县（区）的个案只列金额；所列户主留痕）")
def fund_ledger(request, fund_id: int, params: Query[LedgerParams]):
    actor = request.auth
    if not sel.may_see_lines(actor):
        raise PermissionDenied("您没有查看托底救助基金收支明细的权限")
    fund = sel.fund_get(actor=actor, fund_id=fund_id)
    lines = sel.ledger(fund, _year(params.year), actor)
    return paged(lines, params.limit, params.offset, row=_ledger_row,
                 audit=lambda rows: sel.audit_heads_shown(actor, rows, purpose="api_fund_ledger"))


# ---- Writes: through fund_services, as the pages write ------------------------------------------------------

def _entry_row(entry: FundEntry) -> dict:
    fund = Fund.objects.get(pk=entry.fund_id)
    return {"id": entry.pk, "fund_id": entry.fund_id, "kind": entry.kind, "kind_label": entry.get_kind_display(),
            "status": entry.status, "status_label": entry.get_status_display(), "entry_date": entry.entry_date,
            "amount": _money(entry.amount), "source": entry.source,
            "source_label": entry.get_source_display() if entry.source else "", "decision_kind": entry.decision_kind,
            "decision_kind_label": entry.get_decision_kind_display() if entry.decision_kind else "",
            "decision_ref": entry.decision_ref, "case_kind": entry.source_kind, "case_id": entry.source_id,
            "household_id": entry.household_id, "reject_reason": entry.reject_reason,
            "fund_balance": _money(sel.balance(fund)), "fund_pending_out": _money(sel.pending_out(fund))}


@router.post("/safety-net/funds/{fund_id}/contributions", response={201: FundEntryOut, **ERRORS},
             summary="登记基金收入（基金设立地的民政经办；红十字会、慈善总会须填当年可用资金）")
def contribution_create(request, fund_id: int, payload: ContributionIn):
    actor = request.auth
    require(actor, Capability.MANAGE_FUND)
    fund = sel.fund_get(actor=actor, fund_id=fund_id)
    entry = svc.contribution_record(
        actor=actor, fund=fund, source=payload.source.strip(), amount=payload.amount.strip(),
        available_funds=payload.available_funds.strip(), voucher=payload.voucher, note=payload.note,
        entry_date=clean_date(payload.entry_date, "入账日期", "entry_date"))
    return Status(201, _entry_row(entry))


@router.post("/safety-net/funds/{fund_id}/disbursements", response={201: FundEntryOut, **ERRORS},
             summary="拟定基金支出（一事一议或先行救助已决定的个案，附决定文书扫描件；待审批）")
def disbursement_create(request, fund_id: int, payload: Form[DisbursementIn],
                        decision_file: UploadedFile | None = File(None)):
    actor = request.auth
    require(actor, Capability.MANAGE_FUND)
    fund = sel.fund_get(actor=actor, fund_id=fund_id)
    case = svc.decided_case(actor, payload.source_kind.strip(), payload.source_id) if payload.source_kind.strip() \
        else None
    household = sel.disbursement_household(actor, case=case, head_id_number=payload.head_id_number)
    entry = svc.disbursement_prepare(
        actor=actor, fund=fund, household=household, amount=payload.amount.strip(),
        decision_kind=payload.decision_kind.strip(), decision_ref=payload.decision_ref,
        decided_on=clean_date(payload.decided_on, "决定日期", "decided_on"),
        decision_file=upload_bytes(decision_file) if decision_file else None,
        decision_filename=decision_file.name if decision_file else "", note=payload.note,
        source_kind=case.kind if case else "", source_id=case.id if case else None)
    return Status(201, _entry_row(entry))


@router.post("/safety-net/entries/{entry_id}/approve", response={200: FundEntryOut, **ERRORS},
             summary="批准基金支出（基金设立地的审批；不透支）")
def disbursement_approve(request, entry_id: int):
    actor = request.auth
    require(actor, Capability.APPROVE_FUND)
    entry = svc.disbursement_approve(actor=actor, entry=sel.entry_get(actor=actor, entry_id=entry_id))
    return _entry_row(entry)


@router.post("/safety-net/entries/{entry_id}/reject", response={200: FundEntryOut, **ERRORS},
             summary="不予批准基金支出（须填理由）")
def disbursement_reject(request, entry_id: int, payload: ReasonIn):
    actor = request.auth
    require(actor, Capability.APPROVE_FUND)
    entry = svc.disbursement_reject(actor=actor, entry=sel.entry_get(actor=actor, entry_id=entry_id),
                                    reason=payload.reason)
    return _entry_row(entry)
