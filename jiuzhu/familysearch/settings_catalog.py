"""Family search's region settings (core.region_settings finds this module)."""

from jiuzhu.core.region_settings import SettingDefinition, SettingKind

GROUP = "救助管理 · 寻亲公告"
NOTICE_PHONE_KEY = "familysearch_notice_phone"

SETTINGS = [
    # A station's public line: what a family rings after reading a notice. Set on the station's county (one
    # station per county); unset, the notice shows the region's 救助热线 (intake's setting).
    SettingDefinition(key=NOTICE_PHONE_KEY, label="寻亲公告联系电话（救助管理站）", group=GROUP, kind=SettingKind.TEXT,
                      default=None, max_length=30,
                      basis="各救助管理站对外公布的寻亲联系电话；未设置时寻亲公告显示救助热线号码"),
]
