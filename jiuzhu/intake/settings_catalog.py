"""Intake's region settings (core.region_settings finds this module): for each catalogue item its time limit,
required materials and eligibility note; which items are granted without application (免申即享); the limit of
assist-first assistance an officer grants at once; the hotline number; the complaint deadline."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition, SettingKind
from jiuzhu.intake.catalog import ITEMS

GROUP = "一门受理 · 受理与办理"
ITEMS_GROUP = "一门受理 · 救助事项目录"

WITHOUT_APPLICATION_KEY = "intake_without_application"
WITHOUT_APPLICATION_ROW = "items"
DEFAULT_WITHOUT_APPLICATION = {WITHOUT_APPLICATION_ROW: [item.code for item in ITEMS if item.without_application]}
ASSIST_FIRST_LIMIT_KEY = "intake_assist_first_limit"
HOTLINE_NUMBER_KEY = "intake_hotline_number"
COMPLAINT_DAYS_KEY = "intake_complaint_days"
ONLINE_ACCEPT_DAYS_KEY = "intake_online_accept_days"


def limit_key(code: str) -> str:
    return f"intake_limit_{code}"


def materials_key(code: str) -> str:
    return f"intake_materials_{code}"


def eligibility_key(code: str) -> str:
    return f"intake_eligibility_{code}"


SETTINGS = [
    SettingDefinition(key=ASSIST_FIRST_LIMIT_KEY, label="先行救助（急难）单次限额", unit="元", group=GROUP,
                      default=Decimal("1000"), minimum=Decimal(0), maximum=Decimal(100000),
                      basis="地方确定：乡镇（街道）可先行给予小额临时救助，事后补齐手续"),
    SettingDefinition(key=HOTLINE_NUMBER_KEY, label="救助热线号码", group=GROUP, kind=SettingKind.TEXT,
                      default="12349", max_length=20, basis="地方确定：12349 或 12345 的社会救助专席"),
    SettingDefinition(key=COMPLAINT_DAYS_KEY, label="投诉办理时限", unit="个工作日", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(15), minimum=Decimal(1), maximum=Decimal(60),
                      basis="地方确定；常见 15 日内答复"),
    SettingDefinition(key=ONLINE_ACCEPT_DAYS_KEY, label="网上申请受理时限", unit="个工作日", group=GROUP,
                      kind=SettingKind.INTEGER, default=Decimal(3), minimum=Decimal(1), maximum=Decimal(30),
                      basis="地方确定：网上申请须在时限内由窗口受理或告知不予受理"),
    SettingDefinition(key=WITHOUT_APPLICATION_KEY, label="免申即享事项", group=ITEMS_GROUP,
                      kind=SettingKind.MATRIX, default=DEFAULT_WITHOUT_APPLICATION,
                      rows=((WITHOUT_APPLICATION_ROW, "免申即享"),),
                      columns=tuple((item.code, item.name) for item in ITEMS), column_noun="救助事项",
                      basis="数据比对主动发现、无需本人申请即可享受的事项，地方确定"),
]
for _item in ITEMS:
    SETTINGS += [
        SettingDefinition(key=limit_key(_item.code), label=f"{_item.name}：办理时限", unit="个工作日",
                          group=ITEMS_GROUP, kind=SettingKind.INTEGER, default=Decimal(_item.time_limit),
                          minimum=Decimal(1), maximum=Decimal(90), basis="自受理之日起计算，法定节假日不计"),
        SettingDefinition(key=materials_key(_item.code), label=f"{_item.name}：所需材料", group=ITEMS_GROUP,
                          kind=SettingKind.TEXT, default="；".join(_item.materials), max_length=500,
                          hint="多项材料以“；”分隔", basis="一次性告知书按此列出缺少的材料"),
        SettingDefinition(key=eligibility_key(_item.code), label=f"{_item.name}：申请条件", group=ITEMS_GROUP,
                          kind=SettingKind.TEXT, default=_item.eligibility, max_length=500,
                          basis="政策依据以当地文件为准"),
    ]
del _item
