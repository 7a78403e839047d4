"""/api/v1/settings/: every app's region settings (core/region_settings.py), read by staff with a region
and versioned by administrators. A region outside the caller's jurisdiction is 404."""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from jiuzhu.core.region_settings import (
    NOTE_MAX_LENGTH,
    SettingDefinition,
    region_setting_set,
    setting_definitions,
    setting_history,
    settings_for_region,
    settings_region,
)
from jiuzhu.core.schemas import ErrorOut

router = Router(tags=["地方标准和参数"])

# A number is sent and answered as exact decimal text ("600", "0.5"); a matrix as {row: [columns]}.
SettingValue = str | dict[str, list[str]]


class SettingOut(Schema):
    key: str = Field(description="参数代码（程序用）")
    label: str = Field(description="参数名称")
    group: str = Field(description="类别")
    unit: str
    kind: str = Field(description="decimal 数值、integer 整数、text 文字、matrix 对照表")
    value: SettingValue | None = Field(description="执行值；null 表示尚未设置且无全国默认值")
    display: str = Field(description="执行值的文字表述")
    is_default: bool = Field(description="true：全国默认值，本区划及上级均未设定")
    set_at_region: str | None = Field(description="设定该版本的区划代码")
    set_at_region_name: str | None
    effective_from: dt.date | None
    set_by: str | None
    basis: str = Field(description="依据（文号），未填写时为参数的一般依据")


class SettingVersionOut(Schema):
    id: int
    key: str
    label: str
    unit: str
    region_code: str
    region_name: str
    effective_from: dt.date
    value: SettingValue
    display: str
    note: str
    set_by: str | None
    created_at: dt.datetime


class SettingIn(Schema):
    key: str = Field(max_length=60, description="参数代码，见 GET /api/v1/settings/")
    region: str = Field(max_length=12, description="区划代码，须在管辖范围内")
    effective_from: dt.date = Field(description="生效日期")
    value: Decimal | SettingValue = Field(description="数值（数字或数字文本）、文字，或对照表 {行: [所选列]}")
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="依据（文号）")


def _value_out(definition: SettingDefinition, value):
    if value is None or isinstance(value, dict):
        return value
    return str(value)


def version_out(definition: SettingDefinition, row) -> SettingVersionOut:
    return SettingVersionOut(id=row.pk, key=row.key, label=definition.label, unit=definition.unit,
                             region_code=row.region.code, region_name=row.region.name,
                             effective_from=row.effective_from, value=_value_out(definition, row.value),
                             display=definition.display(row.value), note=row.note,
                             set_by=str(row.set_by) if row.set_by else None, created_at=row.created_at)


@router.get("/", response={200: list[SettingOut], 403: ErrorOut, 404: ErrorOut},
            summary="某区划某日执行的全部地方标准和参数")
def settings_list(request, region: str | None = None, on: dt.date | None = None):
    place = settings_region(actor=request.auth, code=region)
    out = []
    for item in settings_for_region(actor=request.auth, region=place, on=on or dt.date.today()):
        d, row = item.definition, item.row
        out.append(SettingOut(key=d.key, label=d.label, group=d.group, unit=d.unit, kind=d.kind,
                              value=_value_out(d, item.value), display=item.display, is_default=row is None,
                              set_at_region=row.region.code if row else None,
                              set_at_region_name=row.region.name if row else None,
                              effective_from=row.effective_from if row else None,
                              set_by=str(row.set_by) if row and row.set_by else None, basis=item.basis))
    return out


@router.get("/{key}/history", response={200: list[SettingVersionOut], 403: ErrorOut, 404: ErrorOut},
            summary="某参数对某区划适用的历史版本（本级及上级，新的在前）")
def setting_versions(request, key: str, region: str | None = None):
    if key not in setting_definitions():
        raise Http404
    place = settings_region(actor=request.auth, code=region)
    return [version_out(v.definition, v.row) for v in setting_history(actor=request.auth, region=place, key=key)]


@router.post("/", response={201: SettingVersionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="新增参数版本（系统管理员，管辖范围内；历史版本不变）")
def setting_add(request, payload: SettingIn):
    place = settings_region(actor=request.auth, code=payload.region)
    value = str(payload.value) if isinstance(payload.value, Decimal) else payload.value
    row = region_setting_set(actor=request.auth, key=payload.key, region=place, effective_from=payload.effective_from,
                             value=value, note=payload.note)
    return Status(201, version_out(setting_definitions()[row.key], row))
