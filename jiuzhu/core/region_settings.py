"""Region-scoped policy parameters with effective dates, inherited down the region tree."""

import datetime as dt

from django.db import transaction

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import Region, RegionSetting
from jiuzhu.core.scoping import region_in_scope


def setting_row(key: str, region: Region, on: dt.date) -> RegionSetting | None:
    """The row in force: nearest ancestor first (deepest path), then the latest effective date."""
    return settings_in_force([key], region, on).get(key)


def setting_value(key: str, region: Region, on: dt.date, default=None):
    row = setting_row(key, region, on)
    return default if row is None else row.value


def settings_in_force(keys: list[str], region: Region, on: dt.date) -> dict:
    """Several keys at once, e.g. every standard a tier assessment needs; one query."""
    rows = (
        RegionSetting.objects.filter(key__in=keys, region__code__in=region.ancestor_codes(), effective_from__lte=on)
        .select_related("region")
        .order_by("-region__path", "-effective_from")
    )
    found: dict = {}
    for row in rows:
        found.setdefault(row.key, row)
    return found


def region_setting_set(*, actor, key: str, region: Region, effective_from: dt.date, value, note: str = "")\
        -> RegionSetting:
    """Adds a version. Past versions stay untouched so that past decisions keep their standard."""
    if actor is not None and not region_in_scope(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")
    with transaction.atomic():
        if RegionSetting.objects.filter(key=key, region=region, effective_from=effective_from).exists():
            raise DomainError(f"{region.name}在{effective_from}已有该参数的版本，请另选生效日期",
                              code="duplicate", field="effective_from")
        row = RegionSetting.objects.create(key=key, region=region, effective_from=effective_from, value=value,
                                           note=note, set_by=actor)
        audit_change("create", actor, row, changes={"key": key, "value": value})
        record_event(kind="core.setting_changed", subject=row, actor=actor, region=region,
                     summary=f"{region.name} {key} 自{effective_from}起为 {value}")
    return row
