"""Local standards for the means test and tiers: region settings with effective dates, inherited down
the region tree (core.region_settings). Where a national rule gives a number it is the default here;
where only local practice does (低保标准, disposable income, the rigid-expense ratio), a region must set it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.core.region_settings import region_setting_set, settings_in_force
from jiuzhu.registry.models import AssistanceCategory, Tier


@dataclass(frozen=True)
class StandardSpec:
    label: str
    unit: str
    default: Decimal | None  # None: no national number, the region must set it
    basis: str


STANDARDS: dict[str, StandardSpec] = {
    "dibao_standard_urban": StandardSpec("城市低保标准", "元/人·月", None, "地方政府公布"),
    "dibao_standard_rural": StandardSpec("农村低保标准", "元/人·月", None, "地方政府公布"),
    "near_dibao_multiplier": StandardSpec("低保边缘收入倍数", "倍", Decimal("1.5"),
                                          "民政部2024年低收入人口认定通知：1.5倍，有条件的地方可放宽到2倍"),
    "rigid_expense_ratio": StandardSpec("刚性支出占家庭总收入比例", "比例", None, "地方确定"),
    "disposable_income_last_year": StandardSpec("上年度居民人均可支配收入", "元/人·年", None, "统计部门公布"),
    "deposit_limit_months": StandardSpec("人均存款上限（月低保标准的倍数）", "个月", Decimal("24"),
                                         "地方确定，常见24个月"),
    "vehicle_value_limit": StandardSpec("家庭机动车辆价值上限", "元", Decimal("0"), "地方确定；0 表示有车即不符合"),
    "housing_limit": StandardSpec("家庭住房套数上限", "套", Decimal("1"), "地方确定"),
    "tekun_age": StandardSpec("特困老年人年龄", "岁", Decimal("60"), "民发〔2021〕43号"),
    "tekun_minor_age": StandardSpec("特困未成年人年龄（未满）", "岁", Decimal("16"), "民发〔2021〕43号；贵州为18"),
    "income_window_months": StandardSpec("收入计算期", "个月", Decimal("12"), "地方确定，常见12个月"),
    "tier_validity_months": StandardSpec("认定有效期", "个月", Decimal("12"), "地方确定"),
}

CATEGORY_MATRIX_KEY = "tier_categories"
DEFAULT_CATEGORY_MATRIX: dict[str, list[str]] = {
    Tier.DIBAO: ["basic_living", "medical", "education", "housing", "employment", "disaster", "temporary",
                 "service", "charity"],
    Tier.TEKUN: ["destitute_support", "medical", "education", "housing", "disaster", "temporary", "service",
                 "charity"],
    Tier.NEAR_DIBAO: ["medical", "education", "housing", "employment", "disaster", "temporary", "charity"],
    Tier.RIGID_EXPENSE: ["medical", "education", "disaster", "temporary", "charity"],
    Tier.RELAPSE_WATCH: ["medical", "education", "employment", "disaster", "temporary", "charity"],
    Tier.OTHER_HARDSHIP: ["disaster", "temporary", "charity"],
    Tier.NONE: [],
}


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
            raise DomainError(f"尚未设置“{spec.label}”（{spec.unit}），请系统管理员在地方标准中设置",
                              code="standard_missing", field=key)
        return value

    def dibao_standard(self, hukou_type: str) -> Decimal:
        return self.get("dibao_standard_urban" if hukou_type == "urban" else "dibao_standard_rural")


def standards_for(region: Region, on: dt.date) -> Standards:
    rows = settings_in_force(list(STANDARDS), region, on)
    values = {key: (Decimal(str(rows[key].value)) if key in rows else spec.default) for key, spec in STANDARDS.items()}
    return Standards(region_id=region.pk, on=on, values=values, sources={k: r.pk for k, r in rows.items()})


def standard_set(*, actor, region: Region, key: str, value, effective_from: dt.date, note: str = ""):
    if key not in STANDARDS:
        raise DomainError(f"未知的标准：{key}", code="validation_error", field="key")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(f"“{value}”不是数字", code="validation_error", field="value") from None
    if number < 0 or (key == "near_dibao_multiplier" and not Decimal(1) <= number <= Decimal(3)):
        raise DomainError(f"{STANDARDS[key].label}的取值不合理：{number}", code="validation_error", field="value")
    if key == "rigid_expense_ratio" and number > 1:
        raise DomainError("比例应在 0 到 1 之间，如 0.5 表示 50%", code="validation_error", field="value")
    return region_setting_set(actor=actor, key=key, region=region, effective_from=effective_from,
                              value=str(number), note=note)


def category_matrix(region: Region, on: dt.date) -> dict[str, list[str]]:
    rows = settings_in_force([CATEGORY_MATRIX_KEY], region, on)
    return rows[CATEGORY_MATRIX_KEY].value if CATEGORY_MATRIX_KEY in rows else DEFAULT_CATEGORY_MATRIX


def categories_for(tier: str, region: Region, on: dt.date) -> list[str]:
    return list(category_matrix(region, on).get(tier, []))


def category_matrix_set(*, actor, region: Region, matrix: dict[str, list[str]], effective_from: dt.date,
                        note: str = ""):
    valid = set(AssistanceCategory.values)
    clean = {}
    for tier in Tier.values:
        chosen = matrix.get(tier, [])
        unknown = set(chosen) - valid
        if unknown:
            raise DomainError(f"未知的救助类别：{'、'.join(sorted(unknown))}", code="validation_error", field=tier)
        clean[tier] = [c for c in AssistanceCategory.values if c in chosen]
    return region_setting_set(actor=actor, key=CATEGORY_MATRIX_KEY, region=region, effective_from=effective_from,
                              value=clean, note=note)
