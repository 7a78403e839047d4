"""Region settings: local rules (低保标准, limits, catalogues) with effective dates, inherited down the
region tree. The value in force for a region on a date is the latest version on or before the date,
set on the region itself or its nearest ancestor.

Each app declares its settings once, in its own `settings_catalog.py`:

    SETTINGS = [SettingDefinition(key="dibao_standard_rural", label="农村低保标准", unit="元/人·月",
                                  group="低收入人口 · 认定标准", basis="地方政府公布", minimum=Decimal(0))]

Core finds these modules without importing the apps (as core/events.py finds `handlers.py`).
`region_setting_set` is the one write for every app: it checks the capability (standards and
catalogues are the administrator's, ../shared/ROLES.md), the jurisdiction and the value against its
definition, adds a version (never edits one: past decisions keep the standard they used), audits it
and records the event. The settings page (core/settings_views.py) and API (core/settings_api.py)
show every app's settings from the same definitions, with their Chinese labels.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, models, transaction
from django.http import Http404

from jiuzhu.core.audit import audit_change
from jiuzhu.core.discovery import app_modules
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import CoreEvent, record_event
from jiuzhu.core.models import Region, RegionSetting
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import region_in_scope
from jiuzhu.core.selectors import regions_in_scope

CATALOG_MODULE = "settings_catalog"  # jiuzhu.<app>.settings_catalog.SETTINGS
NOTE_MAX_LENGTH = RegionSetting._meta.get_field("note").max_length
# No setting is a number of more than 12 digits or finer than a millionth.
_LARGEST = Decimal("1e12")
_FINEST_EXPONENT = -6


class SettingKind(models.TextChoices):
    DECIMAL = "decimal", "数值"
    INTEGER = "integer", "整数"
    TEXT = "text", "文字"
    MATRIX = "matrix", "对照表"  # rows, each with the columns chosen for it: {"dibao": ["medical", …]}


def _invalid(message: str, field: str = "value") -> DomainError:
    return DomainError(message, code="validation_error", field=field)


def _plain(number: Decimal) -> str:
    """600.00 -> "600", 1.50 -> "1.5": the stored text of a number."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class SettingDefinition:
    """One setting, declared once by the app that reads it."""

    key: str
    label: str  # Chinese, shown wherever the setting is (never the key)
    group: str  # the section of the settings page, e.g. "低收入人口 · 认定标准"
    unit: str = ""
    kind: str = SettingKind.DECIMAL
    default: object = None  # None: no national number, a region must set it
    basis: str = ""  # where the number comes from, shown until a version names its own 依据
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    hint: str = ""  # shown beside the input and in range errors
    max_length: int = 200  # TEXT
    rows: tuple[tuple[str, str], ...] = ()  # MATRIX: (value, label) of each row
    columns: tuple[tuple[str, str], ...] = ()  # MATRIX: (value, label) of each choice
    column_noun: str = "选项"  # MATRIX: what a column is called in messages ("救助类别")

    @property
    def is_matrix(self) -> bool:
        return self.kind == SettingKind.MATRIX

    def clean(self, value):
        """The value as stored (numbers as exact text, matrices in column order), or a Chinese error
        naming the setting, with field "value" (a matrix row: "value.<row>")."""
        if self.kind in (SettingKind.DECIMAL, SettingKind.INTEGER):
            return self._clean_number(value)
        if self.kind == SettingKind.MATRIX:
            return self._clean_matrix(value)
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"请填写{self.label}")
        if len(value.strip()) > self.max_length:
            raise _invalid(f"{self.label}不能超过 {self.max_length} 个字")
        return value.strip()

    def _clean_number(self, value) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _invalid(f"请填写{self.label}")
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise _invalid(f"{self.label}应为数字")
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise _invalid(f"{self.label}应为数字，“{str(value)[:20]}”不是数字") from None
        if not number.is_finite():
            raise _invalid(f"{self.label}应为数字，“{str(value)[:20]}”不是数字")
        if abs(number) >= _LARGEST:
            raise _invalid(f"{self.label}的数值过大：{str(value)[:20]}")
        if number != number.to_integral_value() and number.as_tuple().exponent < _FINEST_EXPONENT:
            raise _invalid(f"{self.label}最多保留 6 位小数")
        if self.kind == SettingKind.INTEGER and number != number.to_integral_value():
            raise _invalid(f"{self.label}应为整数")
        low, high = self.minimum, self.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                message = f"{self.label}应在 {_plain(low)} 到 {_plain(high)} 之间"
            elif low is not None:
                message = f"{self.label}不能小于 {_plain(low)}"
            else:
                message = f"{self.label}不能大于 {_plain(high)}"
            raise _invalid(f"{message}，{self.hint}" if self.hint else message)
        return _plain(number)

    def _clean_matrix(self, value) -> dict[str, list[str]]:
        if not isinstance(value, dict):
            raise _invalid(f"{self.label}应为对照表（每行所选的{self.column_noun}）")
        rows = dict(self.rows)
        columns = dict(self.columns)
        unknown_rows = sorted(set(value) - set(rows))
        if unknown_rows:
            raise _invalid(f"{self.label}中没有这一行：{'、'.join(unknown_rows)}", field=f"value.{unknown_rows[0]}")
        clean = {}
        for row, row_label in self.rows:
            chosen = value.get(row) or []
            if isinstance(chosen, str) or not isinstance(chosen, list | tuple):
                raise _invalid(f"{row_label}：应为所选{self.column_noun}的列表", field=f"value.{row}")
            unknown = sorted({str(c) for c in chosen} - set(columns))
            if unknown:
                raise _invalid(f"{row_label}：未知的{self.column_noun}：{'、'.join(unknown)}", field=f"value.{row}")
            clean[row] = [c for c in columns if c in chosen]
        return clean

    def display(self, value) -> str:
        """The value in words, without the unit ("600", "低保：医疗、教育；特困：无")."""
        if value is None:
            return ""
        if self.is_matrix:
            columns = dict(self.columns)
            chosen = value if isinstance(value, dict) else {}
            return "；".join(f"{row_label}：{'、'.join(columns.get(c, c) for c in chosen.get(row, [])) or '无'}"
                            for row, row_label in self.rows)
        return str(value)

    def display_with_unit(self, value) -> str:
        text = self.display(value)
        if not text or self.is_matrix or not self.unit:
            return text
        return f"{text} {self.unit}"


# ---- The definitions every app declares -------------------------------------------------------------

@cache
def setting_definitions() -> dict[str, SettingDefinition]:
    """key -> definition, read once from every installed jiuzhu app's settings_catalog.py, in app order."""
    found: dict[str, SettingDefinition] = {}
    for app, module in app_modules(CATALOG_MODULE):
        for definition in getattr(module, "SETTINGS", ()):
            if definition.key in found:
                raise ImproperlyConfigured(f"setting {definition.key!r} is declared twice ({app})")
            found[definition.key] = definition
    return found


def setting_definition(key: str) -> SettingDefinition:
    try:
        return setting_definitions()[key]
    except KeyError:
        raise DomainError(f"未知的参数：{key[:60]}", code="validation_error", field="key") from None


# ---- Lookups (no actor: the rules of a region on a date are not personal data) ----------------------

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
        .select_related("region", "set_by")
        .order_by("-region__path", "-effective_from")
    )
    found: dict = {}
    for row in rows:
        found.setdefault(row.key, row)
    return found


# ---- Reads for the settings page and API ------------------------------------------------------------

@dataclass(frozen=True)
class SettingInForce:
    definition: SettingDefinition
    value: object  # None: not set and no national default
    row: RegionSetting | None  # None: the national default (or nothing)

    @property
    def display(self) -> str:
        return self.definition.display(self.value)

    @property
    def basis(self) -> str:
        return self.row.note if self.row is not None and self.row.note else self.definition.basis


@dataclass(frozen=True)
class SettingVersion:
    definition: SettingDefinition
    row: RegionSetting

    @property
    def display(self) -> str:
        return self.definition.display(self.row.value)


def may_read_settings(actor) -> bool:
    """Signed-in staff with a region (or a superuser)."""
    return bool(actor is not None and actor.is_authenticated and actor.is_active
                and (actor.is_superuser or actor.region_id))


def may_change_settings(actor) -> bool:
    return can(actor, Capability.ADMINISTER)


def settings_region(*, actor, code: str | None = None) -> Region:
    """The region a settings read or write is about: the actor's own by default; a region outside the
    actor's jurisdiction (or no such region) is 404."""
    if not may_read_settings(actor):
        raise PermissionDenied("只有有所属区划的工作人员可以查看地方标准和参数")
    code = (code or "").strip() or (actor.region.code if actor.region_id else "")
    region = regions_in_scope(actor=actor).filter(code=code[:12]).select_related("parent").first()
    if region is None:
        raise Http404("区划不存在或不在您的管辖范围内")
    return region


def _require_readable(actor, region: Region) -> None:
    if not may_read_settings(actor):
        raise PermissionDenied("只有有所属区划的工作人员可以查看地方标准和参数")
    if not regions_in_scope(actor=actor).filter(pk=region.pk).exists():
        raise Http404("区划不存在或不在您的管辖范围内")


def settings_for_region(*, actor, region: Region, on: dt.date) -> list[SettingInForce]:
    """Every defined setting in force for the region on the date, in declaration order."""
    _require_readable(actor, region)
    definitions = setting_definitions()
    rows = settings_in_force(list(definitions), region, on)
    return [SettingInForce(definition=d, value=rows[key].value if key in rows else d.default, row=rows.get(key))
            for key, d in definitions.items()]


def setting_history(*, actor, region: Region, key: str | None = None, limit: int = 500) -> list[SettingVersion]:
    """The versions that apply to the region (set on it or an ancestor), newest first; one key or all."""
    _require_readable(actor, region)
    definitions = setting_definitions()
    if key is not None and key not in definitions:
        raise Http404("没有这个参数")
    rows = (RegionSetting.objects.filter(key__in=[key] if key else list(definitions),
                                         region__code__in=region.ancestor_codes())
            .select_related("region", "set_by").order_by("-effective_from", "-region__path", "-created_at")[:limit])
    return [SettingVersion(definition=definitions[row.key], row=row) for row in rows]


# ---- The one write ----------------------------------------------------------------------------------

def region_setting_set(*, actor, key: str, region: Region, effective_from: dt.date, value, note: str = "")\
        -> RegionSetting:
    """Adds a version of a setting for a region subtree from a date on. Administrators only, within
    their jurisdiction; the value is checked against the setting's definition. Past versions stay
    untouched so that past decisions keep their standard."""
    require(actor, Capability.ADMINISTER)
    definition = setting_definition(key)
    if region is None:
        raise _invalid("请选择区划", field="region")
    if not region_in_scope(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")
    if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
        raise _invalid("请填写生效日期（YYYY-MM-DD）", field="effective_from")
    clean = definition.clean(value)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise _invalid(f"依据不能超过 {NOTE_MAX_LENGTH} 个字", field="note")
    try:
        with transaction.atomic():
            row = RegionSetting.objects.create(key=key, region=region, effective_from=effective_from, value=clean,
                                               note=note, set_by=actor)
            audit_change("create", actor, row, changes={
                "key": key, "label": definition.label, "region": region.code,
                "effective_from": effective_from.isoformat(), "value": clean, "note": note})
            record_event(kind=CoreEvent.SETTING_CHANGED, subject=row, actor=actor, region=region,
                         summary=f"{region.name}{definition.label}自 {effective_from:%Y-%m-%d} 起为"
                                 f"{definition.display_with_unit(clean)}",
                         payload={"key": key, "value": clean, "effective_from": effective_from.isoformat()})
    except IntegrityError:  # unique_setting_version: this region already has a version on that date
        raise DomainError(f"{region.name}在 {effective_from:%Y-%m-%d} 已有“{definition.label}”的版本，请另选生效日期",
                          code="duplicate", field="effective_from") from None
    return row
