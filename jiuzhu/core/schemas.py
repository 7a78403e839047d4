from ninja import Schema


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
