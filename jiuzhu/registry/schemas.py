import datetime as dt

from ninja import Schema


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
    kind: str
    person_id: int | None = None
    amount: str | None = None
    value: str | None = None
    description: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    recorded_on: str | None = None
    source: str | None = None


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
    monthly_amount: str | None = None
    once_amount: str | None = None
    service: str | None = None
    period_start: str
    period_end: str | None = None
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
