"""The street part's region settings (declared here, listed by settings_catalog.py): how many patrols a day a
station's teams go out in normal times, during a campaign (寒冬送温暖 / 夏季送清凉) and during an extreme-weather
alert, and the yearly campaign periods. Like every region setting they have effective dates and the nearest
ancestor wins (core/region_settings.py); the administrator of a city or county sets them.

The campaign periods are yearly month-day ranges ("11-01~03-31", crossing the new year allowed), or "无" for none.
No national dates were found (民政部 announces each campaign by notice; seeds/003 only asks that they be "持续做好"),
so the defaults below are placeholders a region is expected to set."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind, setting_value, settings_in_force

GROUP = "救助管理 · 街面巡查"
NORMAL_PATROLS_KEY = "rescue_patrols_per_day"
CAMPAIGN_PATROLS_KEY = "rescue_patrols_per_day_campaign"
ALERT_PATROLS_KEY = "rescue_patrols_per_day_alert"
WINTER_PERIOD_KEY = "rescue_winter_campaign_period"
SUMMER_PERIOD_KEY = "rescue_summer_campaign_period"
DEFAULT_WINTER = "11-01~03-31"
DEFAULT_SUMMER = "06-15~09-15"
NO_PERIOD = "无"
PERIOD_RE = re.compile(r"(\d{1,2})-(\d{1,2})\s*[~～至]\s*(\d{1,2})-(\d{1,2})")

SETTINGS = [
    SettingDefinition(key=NORMAL_PATROLS_KEY, label="街面巡查频次（平时）", unit="次/日", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(1), minimum=Decimal(0), maximum=Decimal(24),
                      basis="地方确定：常态化街面巡查制度（民发〔2020〕14号：街面巡查和综合治理）"),
    SettingDefinition(key=CAMPAIGN_PATROLS_KEY, label="街面巡查频次（专项行动期间）", unit="次/日", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(2), minimum=Decimal(0), maximum=Decimal(24),
                      basis="地方确定：“寒冬送温暖”“夏季送清凉”专项救助行动期间加密巡查"),
    SettingDefinition(key=ALERT_PATROLS_KEY, label="街面巡查频次（极端天气预警期间）", unit="次/日", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(3), minimum=Decimal(0), maximum=Decimal(24),
                      basis="地方确定：寒潮、高温等极端天气预警期间加密巡查，确保不发生冻饿死伤"),
    SettingDefinition(key=WINTER_PERIOD_KEY, label="“寒冬送温暖”专项行动期间", group=GROUP, kind=SettingKind.TEXT,
                      default=DEFAULT_WINTER, max_length=20, hint="每年的起止月日，如 11-01~03-31；没有填“无”",
                      basis="地方确定，以当年通知为准（默认值未经核实）"),
    SettingDefinition(key=SUMMER_PERIOD_KEY, label="“夏季送清凉”专项行动期间", group=GROUP, kind=SettingKind.TEXT,
                      default=DEFAULT_SUMMER, max_length=20, hint="每年的起止月日，如 06-15~09-15；没有填“无”",
                      basis="地方确定，以当年通知为准（默认值未经核实）"),
]


def parse_period(text) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((month, day), (month, day)) of a yearly period, or None for "无" or a text that is not one."""
    match = PERIOD_RE.fullmatch(str(text or "").strip())
    if not match:
        return None
    m1, d1, m2, d2 = (int(g) for g in match.groups())
    try:  # a real day of a leap year
        dt.date(2000, m1, d1), dt.date(2000, m2, d2)
    except ValueError:
        return None
    return (m1, d1), (m2, d2)


def in_period(day: dt.date, period) -> bool:
    if period is None:
        return False
    start, end = period
    key = (day.month, day.day)
    if start <= end:
        return start <= key <= end
    return key >= start or key <= end  # crosses the new year


def period_in_force(text, default: str):
    """The yearly period a setting's text gives: None for "无"; the default period for a text that is not a
    period (core checks only the length of a text setting, so a typo must not silently stop a campaign)."""
    if str(text or "").strip() == NO_PERIOD:
        return None
    return parse_period(text) or parse_period(default)


def campaign_on(region, day: dt.date) -> str:
    """The campaign in force for the region on the day: "winter", "summer" or "" (models.Campaign)."""
    rows = settings_in_force([WINTER_PERIOD_KEY, SUMMER_PERIOD_KEY], region, day)
    winter = rows[WINTER_PERIOD_KEY].value if WINTER_PERIOD_KEY in rows else DEFAULT_WINTER
    summer = rows[SUMMER_PERIOD_KEY].value if SUMMER_PERIOD_KEY in rows else DEFAULT_SUMMER
    if in_period(day, period_in_force(winter, DEFAULT_WINTER)):
        return "winter"
    if in_period(day, period_in_force(summer, DEFAULT_SUMMER)):
        return "summer"
    return ""


def patrols_per_day(region, day: dt.date, *, campaign: str, alert: bool) -> int:
    """Patrols a day the region's settings ask for: the alert figure during an alert, else the campaign figure
    during a campaign, else the normal one (never fewer than the normal one)."""
    normal = int(setting_value(NORMAL_PATROLS_KEY, region, day, default=Decimal(1)))
    if alert:
        return max(normal, int(setting_value(ALERT_PATROLS_KEY, region, day, default=Decimal(3))))
    if campaign:
        return max(normal, int(setting_value(CAMPAIGN_PATROLS_KEY, region, day, default=Decimal(2))))
    return normal
