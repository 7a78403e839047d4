"""Rescue management for vagrants (流浪乞讨人员救助管理), issue #18. Glossary names; Chinese labels.

Two parts build this app in parallel; each adds its models only below its own marker:
- cases: the rescue record (RescueCase) from admission to discharge, care, placements, incidents,
  settlement, regional-centre escalation;
- street: sightings (发现报告) and street patrols (街面巡查).
"""

from django.conf import settings
from django.db import models

from jiuzhu.core.models import Organization, Region

# ---- cases part: models below this line ----


# ---- street part: models below this line ----
# Sightings (发现报告) and street patrols (街面巡查). Services: street_services.py; reads: street_selectors.py.
# Scope: a sighting belongs to the station it was dispatched to (`station`): a station sees its own, a city
# station (regional centre) its own and those of the stations directly below it (core.scoping organization_field).


class ReporterKind(models.TextChoices):
    CITIZEN = "citizen", "群众（网上报告）"
    HOTLINE = "hotline", "救助热线"
    POLICE = "police", "公安"
    CITY_MANAGEMENT = "city_management", "城管"
    SANITATION = "sanitation", "环卫工人"
    DRIVER = "driver", "出租车、网约车司机"
    PATROL = "patrol", "街面巡查"
    OTHER = "other", "其他"


class CoordinateSystem(models.TextChoices):
    """The system the coordinates were entered in; they are stored converted to WGS-84 (geo.py)."""

    WGS84 = "wgs84", "手机定位、卫星定位的经纬度"
    GCJ02 = "gcj02", "高德、腾讯等国内地图上的经纬度"


class SightingStatus(models.TextChoices):
    REPORTED = "reported", "待派遣"  # no station could be found (no rescue station above the region)
    DISPATCHED = "dispatched", "已派遣，待接触"
    CONTACTED = "contacted", "已接触，待处置"
    CLOSED = "closed", "已处置"


class SightingOutcome(models.TextChoices):
    BROUGHT_IN = "brought_in", "引导（护送）入站"
    HOSPITAL = "hospital", "送医救治"
    REFUSED = "refused", "拒绝救助"
    NOT_FOUND = "not_found", "未找到"


class StationLocation(models.Model):
    """Where a rescue station is (WGS-84), for dispatching a sighting to the nearest station of its
    jurisdiction (geo.nearest). A station without a row is still dispatched to, after those with one."""

    station = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="street_location",
                                   verbose_name="救助管理站")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6)
    address = models.CharField("地址", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField("设定时间", auto_now=True)

    class Meta:
        verbose_name = "救助管理站位置"
        verbose_name_plural = "救助管理站位置"

    def __str__(self):
        return f"{self.station} ({self.latitude}, {self.longitude})"


class PatrolTeam(models.Model):
    """A station's street patrol team (巡查队): its members and the area it covers."""

    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patrol_teams",
                                verbose_name="救助管理站")
    name = models.CharField("巡查队名称", max_length=60)
    area = models.CharField("巡查区域", max_length=300, help_text="如：火车站、汽车站、城区桥洞、银行自助厅")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="patrol_teams", blank=True,
                                     verbose_name="队员")
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "巡查队"
        verbose_name_plural = "巡查队"
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="rescue_patrol_team_name")]

    def __str__(self):
        return self.name


class Campaign(models.TextChoices):
    NONE = "", "无专项行动"
    WINTER = "winter", "寒冬送温暖"
    SUMMER = "summer", "夏季送清凉"


class PatrolStatus(models.TextChoices):
    PLANNED = "planned", "已排班"
    RECORDED = "recorded", "已巡查"
    CANCELLED = "cancelled", "已取消"


class Patrol(models.Model):
    """One shift of a team on the street: planned, then recorded with what it found. Each person found is a
    Sighting (reporter PATROL, `patrol`), so it is dispatched, contacted and closed like any other."""

    team = models.ForeignKey(PatrolTeam, on_delete=models.PROTECT, related_name="patrols", verbose_name="巡查队")
    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                verbose_name="救助管理站")  # the team's, kept for scoping
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="巡查地区")
    shift_start = models.DateTimeField("开始时间")
    shift_end = models.DateTimeField("结束时间")
    area = models.CharField("巡查区域", max_length=300)
    campaign = models.CharField("专项行动", max_length=10, choices=Campaign.choices, blank=True)
    weather_alert = models.BooleanField("极端天气预警期间", default=False)
    status = models.CharField("状态", max_length=10, choices=PatrolStatus.choices, default=PatrolStatus.PLANNED)
    findings = models.TextField("巡查情况", max_length=2000, blank=True)
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "街面巡查"
        verbose_name_plural = "街面巡查"
        ordering = ["-shift_start", "-pk"]
        indexes = [models.Index(fields=["station", "-shift_start"], name="rescue_patrol_station")]  # patrol list
        constraints = [models.CheckConstraint(name="rescue_patrol_shift_order",
                                              condition=models.Q(shift_end__gt=models.F("shift_start")))]

    def __str__(self):
        return f"{self.team} {self.shift_start:%Y-%m-%d %H:%M}"


class WeatherAlert(models.Model):
    """An extreme-weather alert (寒潮、高温、暴雨…) recorded for a region: while it lasts, the region's patrols
    follow the alert frequency (street_settings.ALERT_PATROLS_KEY) and planned patrols are flagged."""

    class Kind(models.TextChoices):
        COLD = "cold", "寒潮、低温、冰冻"
        HEAT = "heat", "高温"
        STORM = "storm", "暴雨、台风"
        OTHER = "other", "其他极端天气"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="预警地区")
    kind = models.CharField("预警类型", max_length=10, choices=Kind.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    note = models.CharField("预警内容", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "极端天气预警"
        verbose_name_plural = "极端天气预警"
        constraints = [models.CheckConstraint(name="rescue_alert_dates",
                                              condition=models.Q(ends_on__gte=models.F("starts_on")))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_on}—{self.ends_on}"


class Sighting(models.Model):
    """A report of a person in need on the street (发现报告), from whoever saw them, dispatched to the station
    responsible for the place; response time = first contact − report."""

    reporter_kind = models.CharField("报告来源", max_length=20, choices=ReporterKind.choices)
    reporter_name = models.CharField("报告人", max_length=50, blank=True)
    reporter_phone = models.CharField("报告人电话", max_length=20, blank=True)
    # Where: the region (township or village as chosen, or the hotline call's), the place in words, and the
    # point in WGS-84 (converted from GCJ-02 when entered from a Chinese map; geo.py).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="发现地区")
    region_path = models.CharField(max_length=120)  # a copy of region.path (regions never move), for scoping
    place = models.CharField("发现地点", max_length=200)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    coordinate_system = models.CharField("录入坐标系", max_length=10, choices=CoordinateSystem.choices,
                                         blank=True)
    seen_at = models.DateTimeField("发现时间")
    description = models.TextField("情况描述", max_length=2000)
    photo_key = models.CharField(max_length=64, blank=True)  # core.files store (encrypted)
    photo_content_type = models.CharField(max_length=40, blank=True)
    reported_at = models.DateTimeField("报告时间")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="登记人")  # None: the public page
    # Idempotence of channels that re-deliver: "call:<HotlineCall id>" for the hotline handler.
    source_ref = models.CharField(max_length=60, blank=True)
    # The public page's rate limit: keyed hash of the client address (never the address itself).
    client_hash = models.CharField(max_length=64, blank=True)
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.PROTECT, related_name="sightings",
                               verbose_name="巡查")
    status = models.CharField("状态", max_length=12, choices=SightingStatus.choices,
                              default=SightingStatus.REPORTED)
    station = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="派遣至")
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    dispatch_distance_m = models.PositiveIntegerField("距救助站（米）", null=True, blank=True)
    # The station may hand the sighting on to one of its patrol teams (the team goes; the station stays
    # responsible and keeps seeing it).
    team = models.ForeignKey(PatrolTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="sightings",
                             verbose_name="派给巡查队")
    contacted_at = models.DateTimeField("首次接触时间", null=True, blank=True)
    contacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    contact_note = models.CharField("接触情况", max_length=500, blank=True)
    outcome = models.CharField("处置结果", max_length=12, choices=SightingOutcome.choices, blank=True)
    outcome_at = models.DateTimeField("处置时间", null=True, blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    outcome_note = models.CharField("处置说明", max_length=500, blank=True)
    # Refused help: what was left with the person (食物、衣被、救助信息).
    left_food = models.BooleanField("留下食物", default=False)
    left_clothing = models.BooleanField("留下衣被", default=False)
    left_information = models.BooleanField("告知救助信息", default=False)
    hospital_name = models.CharField("送往医院", max_length=100, blank=True)
    # The rescue case opened when the person was brought in. A plain integer until the cases part's RescueCase
    # exists on this branch: the lead turns it into a ForeignKey to rescue.RescueCase when merging.
    case_id = models.BigIntegerField("救助记录编号", null=True, blank=True)

    class Meta:
        verbose_name = "发现报告"
        verbose_name_plural = "发现报告"
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "status", "-reported_at"], name="rescue_sighting_station"),  # list
            models.Index(fields=["client_hash", "reported_at"], name="rescue_sighting_client"),  # rate limit
        ]
        constraints = [
            models.UniqueConstraint(fields=["source_ref"], condition=~models.Q(source_ref=""),
                                    name="rescue_sighting_source_once"),  # the hotline handler's idempotence
            models.CheckConstraint(name="rescue_sighting_outcome_when_closed",
                                   condition=models.Q(status="closed", outcome__gt="")
                                   | (~models.Q(status="closed") & models.Q(outcome=""))),
        ]

    def __str__(self):
        return f"发现报告 {self.pk}：{self.place}"

    @property
    def response_minutes(self) -> int | None:
        """Minutes from the report to the first contact (response time), or None before contact."""
        if self.contacted_at is None:
            return None
        return max(0, int((self.contacted_at - self.reported_at).total_seconds() // 60))
