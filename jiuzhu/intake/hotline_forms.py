"""The hotline call form: what the operator typed, as the service's arguments, and each service error put
beside the field it concerns (application_create's field names mapped onto the call form's)."""

from __future__ import annotations

from jiuzhu.intake.catalog import ITEMS
from jiuzhu.intake.models import CallOutcome

# Fields whose error the form shows beside them; any other refusal is shown above the save button.
SHOWN_BESIDE = {"caller_name", "caller_phone", "region", "summary", "outcome", "answer", "applicant_id_number",
                "items", "sighting_place", "form"}
FIELDS = ("caller_name", "caller_phone", "summary", "outcome", "answer", "applicant_id_number", "sighting_place")
# application_create's fields → the call form's (the caller is the applicant)
FIELD_ALIASES = {"applicant_name": "caller_name", "applicant_phone": "caller_phone", "circumstances": "summary",
                 "township": "region", "village": "region"}


def item_choices() -> list[tuple[str, str]]:
    return [(item.code, item.name) for item in ITEMS]


def outcome_choices() -> list[tuple[str, str]]:
    return list(CallOutcome.choices)


def call_values(data) -> dict:
    """The typed values, kept to show the form again unchanged after a refusal."""
    values = {name: (data.get(name) or "") for name in FIELDS}
    values["items"] = [code for code in data.getlist("items")] if hasattr(data, "getlist") else []
    return values


def service_arguments(values: dict) -> dict:
    return {name: values[name] for name in FIELDS} | {"items": values["items"]}


def error_field(field: str | None) -> str:
    field = field or "form"
    return FIELD_ALIASES.get(field, field)


def answer_value(data) -> str:
    return data.get("answer") or ""
