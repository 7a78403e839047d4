"""Form values of the street pages: what was typed, kept as typed (so nothing is lost when a form is shown again),
and the parsed arguments for the services. Errors come from the services (DomainError.field) and are shown beside
the field of the same name."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiuzhu.core.errors import DomainError, clean_date
from jiuzhu.rescue.street_services import Point

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">
TEXT_FIELDS = ("reporter_kind", "reporter_name", "reporter_phone", "place", "description", "latitude", "longitude",
               "coordinate_system", "seen_at")
# a service's field → the form's field it is shown beside
FIELD_ALIASES = {"file": "photo", "township": "region", "village": "region", "left_food": "left",
                 "left_clothing": "left", "left_information": "left"}


def error_field(field: str | None) -> str:
    field = field or "form"
    return FIELD_ALIASES.get(field, field)


def local_input(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""


def parse_datetime(text: str, field: str, label: str) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    for pattern in (DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return timezone.make_aware(dt.datetime.strptime(text, pattern))
        except ValueError:
            continue
    raise DomainError(f"{label}格式不正确，请按“年-月-日 时:分”填写", code="validation_error", field=field)


def parse_date(text: str, field: str, label: str) -> dt.date | None:
    return clean_date(text, label, field)


def sighting_values(data) -> dict:
    values = {name: (data.get(name) or "").strip() for name in TEXT_FIELDS}
    values["coordinate_system"] = values["coordinate_system"] or "wgs84"
    return values


def point(values: dict) -> Point:
    return Point(values.get("latitude", ""), values.get("longitude", ""), values.get("coordinate_system") or "wgs84")


def close_values(data) -> dict:
    return {"outcome": (data.get("outcome") or "").strip(), "note": (data.get("note") or "").strip(),
            "hospital_name": (data.get("hospital_name") or "").strip(),
            "left_food": data.get("left_food") == "1", "left_clothing": data.get("left_clothing") == "1",
            "left_information": data.get("left_information") == "1", "case_id": (data.get("case_id") or "").strip()}


def case_id(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise DomainError("救助记录编号应为正整数", code="validation_error", field="case_id")
    return int(text)
