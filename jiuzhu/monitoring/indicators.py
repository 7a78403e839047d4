"""The indicator catalogue and its rule versions: reads, the one write (a new effective-dated version, never
an edit), new indicators, and the dry run.

Who may change rules: the administrator (Capability.ADMINISTER), within the jurisdiction, as for every other
local rule (core.region_settings.region_setting_set). A version applies to its region's subtree from its date;
for a region on a date the version in force is the one on the nearest ancestor (deepest path), latest
`valid_from` on or before the date. A disabled version in force switches the indicator off there."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from jiuzhu.core.audit import audit_change
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import is_department_actor, region_in_scope
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.models import Indicator, IndicatorClass, IndicatorVersion
from jiuzhu.monitoring.rules_sql import clean_rule, describe

NOTE_MAX = IndicatorVersion._meta.get_field("note").max_length


def versions_in_force(region: Region, on: dt.date, *, indicators=None) -> dict[int, IndicatorVersion]:
    """indicator id -> its version in force for `region` on `on` (enabled or not); one query."""
    rows = (IndicatorVersion.objects.filter(region__code__in=region.ancestor_codes(), valid_from__lte=on)
            .select_related("indicator", "region").order_by("-region__path", "-valid_from", "-pk"))
    if indicators is not None:
        rows = rows.filter(indicator__in=indicators)
    found: dict[int, IndicatorVersion] = {}
    for row in rows:
        found.setdefault(row.indicator_id, row)
    return found


def catalogue(region: Region, on: dt.date) -> list[tuple[str, list[tuple[Indicator, IndicatorVersion | None]]]]:
    """The catalogue by class (in the classes' order): each indicator with its version in force."""
    in_force = versions_in_force(region, on)
    by_class: dict[str, list] = {value: [] for value in IndicatorClass.values}
    for indicator in Indicator.objects.order_by("code"):
        by_class[indicator.indicator_class].append((indicator, in_force.get(indicator.pk)))
    return [(IndicatorClass(value).label, items) for value, items in by_class.items()]


def version_history(indicator: Indicator, region: Region) -> QuerySet[IndicatorVersion]:
    """Versions that apply to the region (on it or an ancestor) and those set below it, newest first."""
    return (IndicatorVersion.objects.filter(indicator=indicator)
            .filter(region__code__in=region.ancestor_codes()) |
            IndicatorVersion.objects.filter(indicator=indicator, region__path__startswith=region.path)) \
        .select_related("region", "created_by").order_by("-valid_from", "-region__path", "-pk")


def _check_region(actor, region: Region | None) -> None:
    if region is None:
        raise DomainError("请选择适用区划", code="validation_error", field="region")
    if not region_in_scope(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")


def may_read_rules(actor) -> bool:
    """Administrators and civil-affairs staff who handle warnings; a department sees only what was referred
    to it (the warnings part), not the rules. Asked by the pages, the API and the menu (apps.py)."""
    return can(actor, Capability.ADMINISTER) or (can(actor, Capability.HANDLE_WARNINGS)
                                                 and not is_department_actor(actor))


def _check_date(valid_from) -> None:
    if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
        raise DomainError("生效日期：请填写日期（YYYY-MM-DD）", code="validation_error", field="valid_from")


def indicator_version_create(*, actor, indicator: Indicator, region: Region, valid_from: dt.date, rule: dict,
                             enabled: bool = True, note: str = "") -> IndicatorVersion:
    """A new version of an indicator's rule for a region subtree from a date. Saved versions are never
    edited: past warnings keep the rule that raised them."""
    require(actor, Capability.ADMINISTER)
    _check_region(actor, region)
    _check_date(valid_from)
    clean = clean_rule(rule)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"修改说明：不能超过 {NOTE_MAX} 个字", code="validation_error", field="note")
    try:
        with transaction.atomic():
            version = IndicatorVersion.objects.create(indicator=indicator, region=region, valid_from=valid_from,
                                                      rule=clean, enabled=bool(enabled), note=note,
                                                      created_by=actor)
            audit_change("create", actor, version, changes={
                "indicator": indicator.code, "region": region.code, "valid_from": valid_from.isoformat(),
                "rule": clean, "enabled": bool(enabled), "note": note})
            record_event(kind=MonitoringEvent.INDICATOR_CHANGED, subject=version, actor=actor, region=region,
                         summary=f"{region.name}“{indicator.name}”自 {valid_from:%Y-%m-%d} 起"
                                 f"{'为：' + describe(clean) if enabled else '停用'}",
                         payload={"indicator": indicator.code, "valid_from": valid_from.isoformat()})
    except IntegrityError:
        raise DomainError(f"{region.name}在 {valid_from:%Y-%m-%d} 已有“{indicator.name}”的版本，请另选生效日期",
                          code="duplicate", field="valid_from") from None
    return version


def indicator_create(*, actor, code: str, name: str, indicator_class: str, description: str, region: Region,
                     valid_from: dt.date, rule: dict, note: str = "") -> Indicator:
    """A new catalogue entry with its first rule version (both or neither)."""
    require(actor, Capability.ADMINISTER)
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not code.replace("_", "").isalnum() or not code.isascii() or len(code) > 40:
        raise DomainError("指标编码：请填写英文字母、数字或下划线（不超过 40 个字符）", code="validation_error",
                          field="code")
    if not name or len(name) > 80:
        raise DomainError("指标名称：请填写（不超过 80 个字）", code="validation_error", field="name")
    if indicator_class not in IndicatorClass.values:
        raise DomainError("类别：请选择", code="validation_error", field="indicator_class")
    if Indicator.objects.filter(code=code).exists():
        raise DomainError(f"指标编码：“{code}”已被使用", code="duplicate", field="code")
    _check_region(actor, region)
    _check_date(valid_from)
    clean_rule(rule)  # the rule's errors before anything is written
    with transaction.atomic():
        indicator = Indicator.objects.create(code=code, name=name, indicator_class=indicator_class,
                                             description=(description or "").strip()[:300])
        audit_change("create", actor, indicator, changes={"code": code, "name": name, "class": indicator_class})
        indicator_version_create(actor=actor, indicator=indicator, region=region, valid_from=valid_from, rule=rule,
                                 note=note)
    return indicator
