import datetime as dt

from ninja import Schema


class PersonOut(Schema):
    id: int
    name: str
    id_number: str  # masked unless the role may see it
    sex: str
    birth_date: dt.date
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
