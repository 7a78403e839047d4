"""The portal's forms: the typed values kept to show a form again unchanged, and service errors put beside
their field (the region's township and village share one message)."""

from __future__ import annotations

from jiuzhu.intake.catalog import ITEMS

APPLY_FIELDS = ("applicant_name", "applicant_id_number", "applicant_phone", "address", "township", "village",
                "circumstances")
# Items a visitor may ask for online (急难 is handled at once by a window or the hotline, not online).
ONLINE_ITEMS = tuple((item.code, item.name) for item in ITEMS if item.code != "emergency")


def apply_values(data) -> dict:
    values = {name: (data.get(name) or "").strip() for name in APPLY_FIELDS}
    values["items"] = list(data.getlist("items")) if hasattr(data, "getlist") else []
    values["agreed"] = data.get("agreed") == "1"
    return values


def error_field(field: str | None) -> str:
    return {None: "form", "": "form", "channel": "form"}.get(field, field) if field else "form"


STATUS_FIELDS = ("query_code", "id_last4")


def status_values(data) -> dict:
    return {name: (data.get(name) or "").strip()[:20] for name in STATUS_FIELDS}
