"""Rescue's region settings (core.region_settings finds this module). Each part adds its definitions below its
marker."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind

GROUP = "救助管理 · 救助管理站"

# ---- cases part ----
STATION_BEDS_KEY = "rescue_station_beds"

SETTINGS = [
    SettingDefinition(key=STATION_BEDS_KEY, label="救助管理站床位数", unit="张", group=GROUP,
                      kind=SettingKind.INTEGER, default=None, minimum=Decimal(0), maximum=Decimal(5000),
                      basis="按本地区救助管理站核定床位设置；站内概况以此计算床位使用"),
]

# ---- street part: definitions below this line (SETTINGS += [...]) ----
