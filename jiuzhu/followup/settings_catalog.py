"""Follow-up's region settings (core.region_settings finds this module): the visit rule. The default is the seed's
(盘锦 2020: 回访频率不低于每两月一次，回访期不少于一年); 重庆 visits twice a year (every 6 months)."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind

GROUP = "源头治理 · 返乡人员回访"
INTERVAL_KEY = "followup_visit_interval_months"
PERIOD_KEY = "followup_visit_period_months"
DEFAULT_INTERVAL = 2
DEFAULT_PERIOD = 12

SETTINGS = [
    SettingDefinition(key=INTERVAL_KEY, label="返乡受助人员回访间隔", unit="个月", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(DEFAULT_INTERVAL), minimum=Decimal(1),
                      maximum=Decimal(12),
                      basis="盘锦 2020 专项行动方案：原则上回访频率不低于每两月一次；重庆 2021：每半年一次"),
    SettingDefinition(key=PERIOD_KEY, label="返乡受助人员回访期", unit="个月", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(DEFAULT_PERIOD), minimum=Decimal(1),
                      maximum=Decimal(60), basis="盘锦 2020 专项行动方案：回访期不少于一年"),
]
