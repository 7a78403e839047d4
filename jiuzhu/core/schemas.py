import datetime as dt

from ninja import Field, Schema


class ErrorItem(Schema):
    path: str | None
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[ErrorItem] = []


class RegionOut(Schema):
    code: str
    name: str
    full_name: str
    level: str
    parent_code: str | None = None
    longitude: float | None = None
    latitude: float | None = None


class MeOut(Schema):
    username: str
    full_name: str
    organization: str | None
    region_code: str | None
    roles: list[str]
    capabilities: list[str]  # core/permissions.py: what the user may do, the same table pages ask


class ApiTokenIn(Schema):
    organization_id: int
    name: str = Field(..., min_length=1, max_length=100, description="用途，如“医保结算数据推送”")


class ApiTokenOut(Schema):
    id: int
    organization_id: int
    organization: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenIssuedOut(ApiTokenOut):
    token: str  # shown once; only its hash is kept
