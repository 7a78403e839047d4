"""The registry's region settings, declared once (core.region_settings finds this module): the local
standards of the means test and tiers, and which assistance categories each tier opens. Where a
national rule gives a number it is the default here; where only local practice does (低保标准,
disposable income, the rigid-expense ratio), a region must set it."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind
from jiuzhu.registry.models import AssistanceCategory, Tier

STANDARDS_GROUP = "低收入人口 · 认定标准"
CATEGORIES_GROUP = "低收入人口 · 分层分类救助"
NUM, INT = SettingKind.DECIMAL, SettingKind.INTEGER
ZERO = Decimal(0)

STANDARD_SETTINGS: tuple[SettingDefinition, ...] = tuple(
    SettingDefinition(key=key, label=label, unit=unit, kind=kind, default=default, basis=basis, minimum=low,
                      maximum=high, hint=hint, group=STANDARDS_GROUP)
    for key, label, unit, kind, default, low, high, hint, basis in [
        ("dibao_standard_urban", "城市低保标准", "元/人·月", NUM, None, ZERO, None, "", "地方政府公布"),
        ("dibao_standard_rural", "农村低保标准", "元/人·月", NUM, None, ZERO, None, "", "地方政府公布"),
        ("near_dibao_multiplier", "低保边缘收入倍数", "倍", NUM, Decimal("1.5"), Decimal(1), Decimal(3),
         "全国规定 1.5 倍，有条件的地方可放宽到 2 倍",
         "民政部2024年低收入人口认定通知：1.5倍，有条件的地方可放宽到2倍"),
        ("rigid_expense_ratio", "刚性支出占家庭总收入比例", "比例", NUM, None, ZERO, Decimal(1),
         "如 0.5 表示 50%", "地方确定"),
        ("disposable_income_last_year", "上年度居民人均可支配收入", "元/人·年", NUM, None, ZERO, None, "",
         "统计部门公布"),
        ("deposit_limit_months", "人均存款上限（月低保标准的倍数）", "个月", NUM, Decimal("24"), ZERO, Decimal(240), "",
         "地方确定，常见24个月"),
        ("vehicle_value_limit", "家庭机动车辆价值上限", "元", NUM, Decimal("0"), ZERO, None, "0 表示有车即不符合",
         "地方确定；0 表示有车即不符合"),
        ("housing_limit", "家庭住房套数上限", "套", INT, Decimal("1"), ZERO, Decimal(20), "", "地方确定"),
        ("tekun_age", "特困老年人年龄", "岁", INT, Decimal("60"), ZERO, Decimal(120), "", "民发〔2021〕43号"),
        ("tekun_minor_age", "特困未成年人年龄（未满）", "岁", INT, Decimal("16"), ZERO, Decimal(30), "",
         "民发〔2021〕43号；贵州为18"),
        ("income_window_months", "收入计算期", "个月", INT, Decimal("12"), Decimal(1), Decimal(60), "",
         "地方确定，常见12个月"),
        ("tier_validity_months", "认定有效期", "个月", INT, Decimal("12"), Decimal(1), Decimal(120), "", "地方确定"),
    ]
)

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

CATEGORY_MATRIX = SettingDefinition(
    key=CATEGORY_MATRIX_KEY, label="分层对应的救助类别", group=CATEGORIES_GROUP, kind=SettingKind.MATRIX,
    default=DEFAULT_CATEGORY_MATRIX, basis="分层分类救助的一般对应，地方可调整",
    rows=tuple((value, label) for value, label in Tier.choices if value != Tier.NONE),
    columns=tuple(AssistanceCategory.choices), column_noun="救助类别",
)

SETTINGS = (*STANDARD_SETTINGS, CATEGORY_MATRIX)
