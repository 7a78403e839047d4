"""Rescue's region settings (core.region_settings finds this module). Each part adds its definitions below its
marker."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind
from jiuzhu.rescue import street_settings

GROUP = "救助管理 · 救助管理站"

# ---- cases part ----
STATION_BEDS_KEY = "rescue_station_beds"
SETTLEMENT_GROUP = "救助管理 · 落户安置"
SETTLEMENT_MIN_STAY_KEY = "rescue_settlement_min_stay_days"
SETTLEMENT_PLAN_DAYS_KEY = "rescue_settlement_plan_days"
SETTLEMENT_APPROVAL_DAYS_KEY = "rescue_settlement_approval_days"
SETTLEMENT_REGISTRATION_DAYS_KEY = "rescue_settlement_registration_days"
# The deadline of each stage that waits (the stage reached -> the setting of the next step's time limit).
SETTLEMENT_STAGE_DAYS = {"applied": SETTLEMENT_PLAN_DAYS_KEY, "planned": SETTLEMENT_APPROVAL_DAYS_KEY,
                         "approved": SETTLEMENT_REGISTRATION_DAYS_KEY}

SETTINGS = [
    SettingDefinition(key=STATION_BEDS_KEY, label="救助管理站床位数", unit="张", group=GROUP,
                      kind=SettingKind.INTEGER, default=None, minimum=Decimal(0), maximum=Decimal(5000),
                      basis="按本地区救助管理站核定床位设置；站内概况以此计算床位使用"),
    SettingDefinition(key=SETTLEMENT_MIN_STAY_KEY, label="申请落户安置的最短滞留时间", unit="天",
                      group=SETTLEMENT_GROUP, kind=SettingKind.INTEGER, default=Decimal(90), minimum=Decimal(10),
                      maximum=Decimal(3650),
                      basis="国家未规定；内蒙古 2022：在站、托养或住院滞留超过 3 个月且身份仍不明的可落户安置"),
    SettingDefinition(key=SETTLEMENT_PLAN_DAYS_KEY, label="落户安置：民政部门制定安置方案期限", unit="天",
                      group=SETTLEMENT_GROUP, kind=SettingKind.INTEGER, default=Decimal(30), minimum=Decimal(1),
                      maximum=Decimal(365), basis="地方确定（国家未规定期限）"),
    SettingDefinition(key=SETTLEMENT_APPROVAL_DAYS_KEY, label="落户安置：政府批准期限", unit="天",
                      group=SETTLEMENT_GROUP, kind=SettingKind.INTEGER, default=Decimal(30), minimum=Decimal(1),
                      maximum=Decimal(365), basis="地方确定（国家未规定期限）"),
    SettingDefinition(key=SETTLEMENT_REGISTRATION_DAYS_KEY, label="落户安置：办理户籍登记或长期安置期限", unit="天",
                      group=SETTLEMENT_GROUP, kind=SettingKind.INTEGER, default=Decimal(60), minimum=Decimal(1),
                      maximum=Decimal(365), basis="地方确定（国家未规定期限）"),
]

# ---- street part: its definitions live in street_settings ----
SETTINGS += street_settings.SETTINGS
