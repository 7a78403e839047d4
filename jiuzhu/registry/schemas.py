import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class PersonOut(Schema):
    id: int
    name: str
    id_number: str  # masked unless the role may see it
    sex: str
    birth_date: dt.date | None  # only beside a full ID number; the mask hides exactly these digits
    age: int
    relation: str
    household_id: int | None
    region_code: str
    disability_type: str
    disability_grade: int | None
    serious_illness: str
    labour_capacity: str
    death_date: dt.date | None


class MemberIn(Schema):
    id_number: str
    name: str
    relation: str
    sex: str | None = None
    birth_date: str | None = None
    disability_type: str | None = None
    disability_grade: str | None = None
    serious_illness: str | None = None
    labour_capacity: str | None = None
    schooling: str | None = None
    employment: str | None = None
    phone: str | None = None
    supporter_able: str | None = None
    hukou_region_code: str | None = None


class HouseholdIn(Schema):
    region_code: str
    address: str
    hukou_type: str
    relapse_watch: str | None = None
    members: list[MemberIn]


class HouseholdOut(Schema):
    id: int
    region_code: str
    region_name: str
    address: str
    hukou_type: str
    head_id: int | None
    members: list[PersonOut]


class ChainEventOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    summary: str
    actor: str | None
    organization: str | None
    payload: dict


class MeansIn(Schema):
    """Income and expense: amount and period; asset: value, description, recorded_on."""

    kind: str
    person_id: int | None = None
    amount: Decimal | None = Field(None, ge=0, le=99999999, description="元")
    value: Decimal | None = Field(None, ge=0, le=99999999, description="元")
    description: str = Field("", max_length=200)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    recorded_on: dt.date | None = None
    source: str = "declared"


class DecisionOut(Schema):
    id: int
    household_id: int
    person_id: int | None
    assessed_on: dt.date
    recommended_tier: str
    tier: str
    status: str
    members: int
    per_capita_income: float
    dibao_standard: float
    reasons: list[str]
    # What the decision was based on (TierDecision.all_facts): figures, standards, window, coverage, warnings.
    facts: dict
    override_reason: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class DecisionIn(Schema):
    action: str  # "confirm" or "override"
    tier: str | None = None
    reason: str | None = None
    valid_from: dt.date | None = None


class GrantIn(Schema):
    category: str
    person_id: int | None = None
    monthly_amount: Decimal | None = Field(None, ge=0, le=99999999, description="元／月")
    once_amount: Decimal | None = Field(None, ge=0, le=99999999, description="元")
    service: str = Field("", max_length=200)
    period_start: dt.date
    period_end: dt.date | None = None
    acknowledge: bool = False


class GrantOut(Schema):
    id: int
    household_id: int
    person_id: int | None
    category: str
    monthly_amount: float | None
    once_amount: float | None
    service: str
    period_start: dt.date
    period_end: dt.date | None
    status: str


class FindingOut(Schema):
    check: str
    message: str
    grant_id: int
    household_id: int


class StandardOut(Schema):
    key: str
    label: str
    unit: str
    value: float | None
    set_at_region: str | None
    effective_from: dt.date | None
