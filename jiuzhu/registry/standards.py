"""Local standards for the means test and tiers: region settings with effective dates, inherited down
the region tree (core.region_settings). Where a national rule gives a number it is the default here;
where only local practice does (低保标准, disposable income, the rigid-expense ratio), a region must set it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.core.region_settings import SettingDefinition, region_setting_set, settings_in_force
from jiuzhu.registry.settings_catalog import (
    CATEGORY_MATRIX_KEY,
    DEFAULT_CATEGORY_MATRIX,
    STANDARD_SETTINGS,
)

__all__ = ["CATEGORY_MATRIX_KEY", "DEFAULT_CATEGORY_MATRIX", "STANDARDS", "Standards", "categories_for",
           "category_matrix", "category_matrix_set", "standard_set", "standards_for",
           "standards_for_many"]

# key -> definition (label, unit, national default, basis), declared in settings_catalog.py.
STANDARDS: dict[str, SettingDefinition] = {d.key: d for d in STANDARD_SETTINGS}


@dataclass(frozen=True)
class Standards:
    """The standards in force for one region on one date, with the setting rows they came from."""

    region_id: int
    on: dt.date
    values: dict[str, Decimal | None]
    sources: dict[str, int]  # key -> RegionSetting id (absent: national default)

    def get(self, key: str) -> Decimal:
        value = self.values.get(key)
        if value is None:
            spec = STANDARDS[key]
            raise DomainError(f"尚未设置“{spec.label}”（{spec.unit}），请系统管理员在“地方标准和参数”中设置",
                              code="standard_missing", field=key)
        return value

    def dibao_standard(self, hukou_type: str) -> Decimal:
        return self.get("dibao_standard_urban" if hukou_type == "urban" else "dibao_standard_rural")


def standards_for(region: Region, on: dt.date) -> Standards:
    rows = settings_in_force(list(STANDARDS), region, on)
    values = {key: (Decimal(str(rows[key].value)) if key in rows else spec.default) for key, spec in STANDARDS.items()}
    return Standards(region_id=region.pk, on=on, values=values, sources={k: r.pk for k, r in rows.items()})


def standards_for_many(pairs: set[tuple[Region, dt.date]]) -> dict[tuple[int, dt.date], Standards]:
    """standards_for of many (region, date) pairs with one query (an import's villages and months):
    the same rule as settings_in_force, nearest ancestor first, then the latest effective date."""
    if not pairs:
        return {}
    from jiuzhu.core.models import RegionSetting

    codes = {c for region, _ in pairs for c in region.ancestor_codes()}
    rows = list(RegionSetting.objects.filter(key__in=list(STANDARDS), region__code__in=codes,
                                             effective_from__lte=max(on for _, on in pairs))
                .select_related("region").order_by("-region__path", "-effective_from"))
    out = {}
    for region, on in pairs:
        chain = set(region.ancestor_codes())
        found: dict = {}
        for row in rows:
            if row.region.code in chain and row.effective_from <= on:
                found.setdefault(row.key, row)
        values = {key: (Decimal(str(found[key].value)) if key in found else spec.default)
                  for key, spec in STANDARDS.items()}
        out[(region.pk, on)] = Standards(region_id=region.pk, on=on, values=values,
                                         sources={k: r.pk for k, r in found.items()})
    return out


def standard_set(*, actor, region: Region, key: str, value, effective_from: dt.date, note: str = ""):
    """One of the standards above; the checks (administrator, jurisdiction, value) are region_setting_set's."""
    if key not in STANDARDS:
        raise DomainError(f"未知的标准：{key[:60]}", code="validation_error", field="key")
    return region_setting_set(actor=actor, key=key, region=region, effective_from=effective_from, value=value,
                              note=note)


def category_matrix(region: Region, on: dt.date) -> dict[str, list[str]]:
    rows = settings_in_force([CATEGORY_MATRIX_KEY], region, on)
    return rows[CATEGORY_MATRIX_KEY].value if CATEGORY_MATRIX_KEY in rows else DEFAULT_CATEGORY_MATRIX


def categories_for(tier: str, region: Region, on: dt.date) -> list[str]:
    return list(category_matrix(region, on).get(tier, []))


def category_matrix_set(*, actor, region: Region, matrix: dict[str, list[str]], effective_from: dt.date,
                        note: str = ""):
    """Which categories each tier opens, as a new version; checked by region_setting_set."""
    return region_setting_set(actor=actor, key=CATEGORY_MATRIX_KEY, region=region, effective_from=effective_from,
                              value=matrix, note=note)
