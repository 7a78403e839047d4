"""Schemas of the funds API (api.py: payment rolls; fund_api.py: the safety-net fund; purchase_api.py: service
records). Money is a decimal (a JSON string such as "3000.00", exact); every status comes with its Chinese label.
No ID number and no birth date appear: a payee is named, with the account's last four digits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class RollOut(Schema):
    id: int
    county_code: str
    county_name: str
    month: str  # YYYY-MM
    item: str
    item_label: str
    status: str
    status_label: str
    households: int
    persons: int
    amount: Decimal
    prepared_at: dt.datetime
    checked_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    return_reason: str
    waiting_for_me: bool  # a step the user may take is due


class RollPageOut(Schema):
    results: list[RollOut]
    total: int
    limit: int
    offset: int


class TownshipPartOut(Schema):
    township_code: str
    township_name: str
    status: str
    status_label: str
    households: int
    persons: int
    amount: Decimal
    return_reason: str


class CheckCountOut(Schema):
    kind: str
    kind_label: str
    open: int
    overridden: int


class BalanceOut(Schema):
    issued: Decimal
    paid: Decimal
    returned: Decimal
    pending: Decimal
    corrected_issued: Decimal
    corrected_paid: Decimal


class RollDetailOut(RollOut):
    townships: list[TownshipPartOut]  # the parts in the user's jurisdiction (a township: its own)
    checks: list[CheckCountOut]  # hits of the lines in the user's jurisdiction, by kind
    balance: BalanceOut | None = None  # once approved: 发放 = 已发放 + 退回


class LineOut(Schema):
    id: int
    township_code: str
    township_name: str
    payee_id: int
    payee_name: str
    persons: int
    bank_name: str
    account_tail: str
    institution: str
    amount: Decimal
    back_pay: Decimal
    adjustment: Decimal
    total: Decimal
    status: str
    status_label: str
    fail_reason: str
    stop_reason: str
    batch: int


class LinePageOut(Schema):
    results: list[LineOut]
    total: int
    limit: int
    offset: int


class HitOut(Schema):
    id: int
    line_id: int
    payee_name: str
    township_name: str
    kind: str
    kind_label: str
    detail: str
    override_reason: str


class HitPageOut(Schema):
    results: list[HitOut]
    total: int
    limit: int
    offset: int


class PrepareIn(Schema):
    month: str = Field(..., description="发放月份，如 2026-11")
    item: str = Field(..., description="资金科目编码，如 2081902")


class ReasonIn(Schema):
    reason: str = Field("", description="理由（必填，300 字以内）")


# ---- The safety-net fund -------------------------------------------------------------------------------------

class FundOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    balance: Decimal
    pending_out: Decimal  # disbursements proposed, not yet decided
    own: bool  # the user's own region's fund (contributions, approvals); else a fund above that serves it


class FundPageOut(Schema):
    results: list[FundOut]
    total: int
    limit: int
    offset: int


class SourceOut(Schema):
    code: str
    label: str
    total: Decimal
    available: Decimal | None = None
    meets_rule: bool | None = None  # red cross, charity federation: at least a third of their available funds


class KindOut(Schema):
    code: str
    label: str
    total: Decimal
    count: int


class FundDetailOut(FundOut):
    year: int
    opening: Decimal
    income: Decimal
    spent: Decimal
    closing: Decimal
    sources: list[SourceOut]
    kinds: list[KindOut]


class LedgerLineOut(Schema):
    id: int
    entry_date: dt.date
    kind: str
    kind_label: str
    source: str
    source_label: str
    decision_kind: str
    decision_kind_label: str
    decision_ref: str  # empty for another county's case
    household_head_name: str | None = None  # None: another county's case (its amount only)
    household_region_name: str | None = None
    voucher: str
    amount: Decimal
    balance: Decimal  # running balance after the line


class LedgerPageOut(Schema):
    results: list[LedgerLineOut]
    total: int
    limit: int
    offset: int


class ContributionIn(Schema):
    """Every field a string: what is missing or wrong is the service's Chinese 400 naming the field."""

    source: str = Field("", description="资金来源：city_budget 市级财政、red_cross 红十字会、charity 慈善总会…")
    amount: str = Field("", description="金额（元），如 30000.00")
    available_funds: str = Field("", description="该机构当年可用资金（元；红十字会、慈善总会必填）")
    entry_date: str = Field("", description="入账日期 YYYY-MM-DD（空为今天）")
    voucher: str = Field("", description="凭证号")
    note: str = Field("", description="摘要")


class DisbursementIn(Schema):
    """A multipart form with the scanned decision as the file `decision_file`. The household is the linked case's
    (source_kind, source_id: core/references.py, e.g. intake.assist_first) or the one of head_id_number."""

    source_kind: str = Field("", description="决定来源：monitoring.case_conference 或 intake.assist_first")
    source_id: str = Field("", description="决定来源编号")
    head_id_number: str = Field("", description="救助家庭户主（或成员）身份证号码（未关联决定来源时必填）")
    amount: str = Field("", description="支出金额（元）")
    decision_kind: str = Field("", description="决定方式：case_conference 一事一议，assist_first 先行救助")
    decision_ref: str = Field("", description="决定文号（会议纪要编号）")
    decided_on: str = Field("", description="决定日期 YYYY-MM-DD")
    note: str = Field("", description="摘要")


class FundEntryOut(Schema):
    id: int
    fund_id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    entry_date: dt.date
    amount: Decimal
    source: str
    source_label: str
    decision_kind: str
    decision_kind_label: str
    decision_ref: str
    case_kind: str  # the linked decided case (core/references.py), "" when none
    case_id: int | None = None
    household_id: int | None = None
    reject_reason: str
    fund_balance: Decimal  # the fund's balance after this write
    fund_pending_out: Decimal


# ---- Purchase of services -----------------------------------------------------------------------------------

class ServiceRecordOut(Schema):
    id: int
    contract_id: int
    contract_title: str
    provider_name: str
    person_id: int
    person_name: str
    item: str
    item_label: str
    served_on: dt.date
    hours: Decimal
    staff_name: str
    note: str
    status: str
    status_label: str
    confirmed_at: dt.datetime | None = None
    return_reason: str


class ServiceRecordPageOut(Schema):
    results: list[ServiceRecordOut]
    total: int
    limit: int
    offset: int
