"""Rescue management for vagrants (流浪乞讨人员救助管理), issue #18. Glossary names; Chinese labels.

Two parts build this app in parallel; each adds its models only below its own marker:
- cases: the rescue record (RescueCase) from admission to discharge, care, placements, incidents,
  settlement, regional-centre escalation;
- street: sightings (发现报告) and street patrols (街面巡查).
"""

from django.conf import settings
from django.db import models

from jiuzhu.core.changestamp import ChangeStamped
from jiuzhu.core.models import Organization, Region

# ---- cases part: models below this line ----

# Days of the rescue period (实施细则: generally no more than 10 days; a longer stay is filed with the level
# above) and after which an unidentified client becomes long-stay (2015 意见: 滞留人员 = unidentified > 10 days).
RESCUE_PERIOD_DAYS = 10
LONG_STAY_DAYS = 10
SELF_LEAVE_MIN_AGE = 16  # 规程 2014: self-leave only at 16 or over, without mental or intellectual signs
SHORT_FARE_LIMIT = 20  # 规程 2014: no cash in principle; a short-distance fare up to 20 元 with a signed receipt


class CaseStatus(models.TextChoices):
    IN_STATION = "in_station", "在站"
    IN_HOSPITAL = "in_hospital", "送医"
    IN_FOSTER = "in_foster", "站外托养"
    DISCHARGED = "discharged", "已离站"
    REFUSED = "refused", "不予救助"


STAY_STATUSES = (CaseStatus.IN_STATION, CaseStatus.IN_HOSPITAL, CaseStatus.IN_FOSTER)


class ClientSex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"
    UNKNOWN = "U", "不详"


class ArrivalChannel(models.TextChoices):
    POLICE = "police", "公安机关护送"
    SELF_REQUEST = "self_request", "本人求助"
    SIGHTING = "sighting", "发现报告（街面巡查、群众报告）"
    OTHER = "other", "其他部门引导护送"


# Client groups: the flags and their Chinese labels, in the order forms and pages show them. The first five
# follow their own rules (规程 2014); the last four are the 2024 regional-centre pilot's new groups.
CLIENT_GROUPS = (
    ("is_minor", "未成年人"),
    ("is_elderly", "老年人"),
    ("is_disabled", "残疾人"),
    ("is_pregnant", "孕妇"),
    ("is_mentally_ill", "精神障碍（疑似）"),
    ("is_intellectually_disabled", "智力障碍（疑似）"),
    ("is_stranded_worker", "滞留务工人员"),
    ("is_violence_victim", "家庭暴力受害人（住址保密）"),
    ("is_minor_in_case", "涉案未成年人"),
    ("is_disaster_stranded", "因灾滞留人员"),
)


class RescueCase(ChangeStamped):
    """One rescue record (救助记录) of a client at a station, from admission (or the refusal of assistance) to
    discharge. The client's ID number is stored encrypted with a keyed hash (core.crypto), never plain."""

    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="rescue_cases",
                                verbose_name="救助管理站")
    status = models.CharField("状态", max_length=12, choices=CaseStatus.choices, default=CaseStatus.IN_STATION)
    # Identity: a name, or 无名氏 (blank) with an estimated age (目测年龄).
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1, choices=ClientSex.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField("估计年龄", null=True, blank=True)
    id_number_cipher = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    identity_confirmed = models.BooleanField("身份已查明", default=False)
    hukou_text = models.CharField("户口所在地", max_length=200, blank=True)
    residence_text = models.CharField("住所地", max_length=200, blank=True)
    # Client groups (CLIENT_GROUPS).
    is_minor = models.BooleanField("未成年人", default=False)
    is_elderly = models.BooleanField("老年人", default=False)
    is_disabled = models.BooleanField("残疾人", default=False)
    is_pregnant = models.BooleanField("孕妇", default=False)
    is_mentally_ill = models.BooleanField("精神障碍（疑似）", default=False)
    is_intellectually_disabled = models.BooleanField("智力障碍（疑似）", default=False)
    is_stranded_worker = models.BooleanField("滞留务工人员", default=False)
    is_violence_victim = models.BooleanField("家庭暴力受害人（住址保密）", default=False)
    is_minor_in_case = models.BooleanField("涉案未成年人", default=False)
    is_disaster_stranded = models.BooleanField("因灾滞留人员", default=False)
    # How the client came.
    arrival_channel = models.CharField("来站方式", max_length=15, choices=ArrivalChannel.choices)
    handover_form_number = models.CharField("公安机关护送交接表编号", max_length=40, blank=True)
    # The sighting this client was brought in from (发现报告 → 引导入站), when there was one.
    sighting = models.ForeignKey("rescue.Sighting", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="cases", verbose_name="发现报告")
    # Preliminary check (初步检视) at reception.
    check_mental = models.BooleanField("精神异常", default=False)
    check_illness = models.BooleanField("疾病", default=False)
    check_injury = models.BooleanField("外伤", default=False)
    check_intoxication = models.BooleanField("醉酒或疑似吸毒", default=False)
    check_note = models.CharField("检视情况", max_length=500, blank=True)
    # Help-request form (求助登记表).
    vagrancy_reason = models.CharField("流浪乞讨原因", max_length=300, blank=True)
    vagrancy_length = models.CharField("流浪乞讨时间", max_length=60, blank=True)
    relatives = models.CharField("近亲属姓名、住址、联系方式", max_length=500, blank=True)
    belongings = models.CharField("随身物品（寄存）", max_length=500, blank=True)
    photo_key = models.CharField(max_length=80, blank=True)  # core.files stored file
    fingerprint_taken = models.BooleanField("已采集指纹", default=False)
    # The registry's audited answer: tier and home region only (registry.selectors.low_income_lookup).
    registry_checked_at = models.DateTimeField("低收入人口库查询时间", null=True, blank=True)
    registry_tier = models.CharField("低收入人口库层级", max_length=15, blank=True)
    registry_home_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+", verbose_name="登记地")
    # The stay.
    admitted_at = models.DateTimeField("入站时间")
    admitted_on = models.DateField("入站日期")  # local date of admitted_at: the census and the 10-day rules
    period_end = models.DateField("救助期限")  # admitted_on + RESCUE_PERIOD_DAYS
    extended_until = models.DateField("延长至", null=True, blank=True)  # an approved extension
    long_stay = models.BooleanField("长期滞留", default=False)
    long_stay_since = models.DateField("滞留起算", null=True, blank=True)
    discharged_on = models.DateField("离站日期", null=True, blank=True)
    refusal_reason = models.CharField("不予救助理由", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)

    class Meta:
        verbose_name = "救助记录"
        verbose_name_plural = "救助记录"
        indexes = [
            # the dashboard and the lists: a station's clients by status, newest first
            models.Index(fields=["station", "status", "admitted_on"], name="rescue_case_station_status"),
            # the census by day: who was in the station on a day (admitted on or before, not left before); status
            # covered, or SQLite counts arrivals off the departures index below, a station's whole history
            models.Index(fields=["station", "admitted_on", "discharged_on", "status"], name="rescue_case_census"),
            # the census balance: who of a station was not discharged, or left within the last days (the covered
            # columns spare reading a station's three years of history; bench/station_dashboard.py)
            models.Index(fields=["station", "discharged_on", "admitted_on", "status"], name="rescue_case_departures"),
        ]
        constraints = [
            models.CheckConstraint(name="rescue_case_named_or_aged",
                                   condition=~models.Q(name="") | models.Q(estimated_age__isnull=False)
                                   | models.Q(birth_date__isnull=False)),
            models.CheckConstraint(name="rescue_case_refusal_has_reason",
                                   condition=~models.Q(status="refused") | ~models.Q(refusal_reason="")),
        ]

    def __str__(self):
        return f"救助记录 {self.number}"

    @property
    def number(self) -> str:
        return f"{self.admitted_on:%Y%m%d}-{self.pk or 0:05d}"

    @property
    def display_name(self) -> str:
        return self.name or "无名氏"

    def age_on(self, day) -> int | None:
        if self.birth_date:
            return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month,
                                                                             self.birth_date.day))
        if self.estimated_age is not None:
            return self.estimated_age + (day - self.admitted_on).days // 365
        return None

    @property
    def period_until(self):
        return self.extended_until or self.period_end

    @property
    def in_stay(self) -> bool:
        return self.status in STAY_STATUSES

    @property
    def registry_tier_label(self) -> str:
        from jiuzhu.registry.models import Tier

        return Tier(self.registry_tier).label if self.registry_tier else ""

    @property
    def groups(self) -> list[str]:
        return [label for field, label in CLIENT_GROUPS if getattr(self, field)]


class CareLog(models.Model):
    """The daily care log (站内照料): one entry per client and day."""

    case = models.ForeignKey(RescueCase, on_delete=models.PROTECT, related_name="care_logs")
    day = models.DateField("日期")
    meals = models.CharField("饮食", max_length=100, blank=True)
    health = models.CharField("身体状况", max_length=300)
    mood = models.CharField("情绪与精神状态", max_length=200, blank=True)
    note = models.CharField("照料记录", max_length=1000, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "照料记录"
        verbose_name_plural = "照料记录"
        constraints = [models.UniqueConstraint(fields=["case", "day"], name="rescue_carelog_one_per_day")]


class PlacementKind(models.TextChoices):
    HOSPITAL = "hospital", "送医"
    FOSTER = "foster", "站外托养"


class Placement(models.Model):
    """A hospital transfer or a foster placement (站外托养) at a contracted institution; open until it ends."""

    case = models.ForeignKey(RescueCase, on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField("类型", max_length=10, choices=PlacementKind.choices)
    institution = models.CharField("医院或托养机构", max_length=100)
    agreement_number = models.CharField("托养协议编号", max_length=40, blank=True)
    reason = models.CharField("原因", max_length=300)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_note = models.CharField("结束情况", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)

    class Meta:
        verbose_name = "送医及托养"
        verbose_name_plural = "送医及托养"
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(ended_on__isnull=True),
                                               name="rescue_placement_one_open")]


class SupervisionVisit(models.Model):
    """A station's supervision visit to a foster placement (监督检查)."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("检查日期")
    findings = models.CharField("检查情况", max_length=1000)
    concerns = models.BooleanField("发现问题", default=False)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                db_index=False)

    class Meta:
        verbose_name = "托养监督检查"
        verbose_name_plural = "托养监督检查"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class PeriodExtension(models.Model):
    """A longer stay than the rescue period, filed with the level above (实施细则: 报上级民政部门备案) and
    decided by a holder of APPROVE_RESCUE (the station manager, or the regional centre above)."""

    case = models.ForeignKey(RescueCase, on_delete=models.PROTECT, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长天数")
    reason = models.CharField("延长理由", max_length=500)
    status = models.CharField("状态", max_length=10, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "延长救助期限"
        verbose_name_plural = "延长救助期限"
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(status="requested"),
                                               name="rescue_extension_one_pending")]


class DischargeKind(models.TextChoices):
    RELATIVES_COLLECTED = "relatives_collected", "亲属接领"
    ESCORTED_RETURN = "escorted_return", "护送返乡"
    SELF_LEAVE = "self_leave", "自行离站"
    LEFT_WITHOUT_FORMALITIES = "left_without_formalities", "擅自离站"
    TRAVEL_TICKET = "travel_ticket", "提供乘车凭证"
    TRANSFER_INSTITUTION = "transfer_institution", "转介福利机构或特困供养"
    SETTLEMENT = "settlement", "落户安置"
    # 终止救助 (实施细则: deliberately false information; 规程 2014: the 终止救助通知书 states the reason).
    TERMINATED = "terminated", "终止救助"
    DEATH = "death", "死亡"


class Discharge(models.Model):
    """How a client left (离站), one per case, with the facts each legal type needs (规程 2014 离站服务)."""

    case = models.OneToOneField(RescueCase, on_delete=models.PROTECT, related_name="discharge")
    kind = models.CharField("离站方式", max_length=25, choices=DischargeKind.choices)
    discharged_at = models.DateTimeField("离站时间")
    destination = models.CharField("去向", max_length=200, blank=True)
    cross_province = models.BooleanField("跨省", default=False)
    # 亲属接领: the collector's ID is checked and copied.
    collector_name = models.CharField("接领人姓名", max_length=50, blank=True)
    collector_relation = models.CharField("与受助人员关系", max_length=30, blank=True)
    collector_id_cipher = models.TextField(blank=True)
    collector_id_hash = models.CharField(max_length=64, blank=True)
    collector_id_checked = models.BooleanField("已查验并复印接领人身份证件", default=False)
    # 自行离站: the signed declaration.
    declaration_signed = models.BooleanField("已签署自行离站声明书", default=False)
    # 提供乘车凭证: a ticket, never cash; a short-distance fare up to 20 元 only against a signed receipt.
    ticket_number = models.CharField("乘车凭证号", max_length=40, blank=True)
    short_fare = models.DecimalField("短途车费（元）", max_digits=5, decimal_places=2, null=True, blank=True)
    fare_receipt_signed = models.BooleanField("已签收车费", default=False)
    institution = models.CharField("接收机构", max_length=100, blank=True)
    belongings_returned = models.BooleanField("寄存物品已归还", default=False)
    note = models.CharField("情况说明", max_length=1000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    db_index=False)

    class Meta:
        verbose_name = "离站"
        verbose_name_plural = "离站"


class DischargePlanStatus(models.TextChoices):
    PENDING = "pending", "待办理离站"
    DONE = "done", "已离站"


class DischargePlan(models.Model):
    """待办离站: a discharge the station should arrange, opened by another step (family search's confirmed match:
    the family found, to collect the client or to be escorted home). One per case; it does not discharge anyone:
    the worker still records the discharge with its legal facts (case_discharge), which closes the plan. The family
    contact's phone is kept encrypted, shown masked (the full number stays on the family-search report)."""

    case = models.OneToOneField(RescueCase, on_delete=models.PROTECT, related_name="discharge_plan")
    status = models.CharField("状态", max_length=10, choices=DischargePlanStatus.choices,
                              default=DischargePlanStatus.PENDING)
    kind = models.CharField("拟离站方式", max_length=25, choices=DischargeKind.choices)
    contact_name = models.CharField("家属联系人", max_length=50, blank=True)
    contact_relation = models.CharField("与受助人员关系", max_length=30, blank=True)
    contact_phone_cipher = models.TextField(blank=True)
    contact_phone_last4 = models.CharField(max_length=4, blank=True)
    reason = models.CharField("缘由", max_length=300)  # e.g. 寻亲比对确认（寻亲登记 #12）
    source = models.CharField(max_length=80, blank=True)  # the opening record, "<app.model>:<pk>" (idempotence)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    opened_at = models.DateTimeField("登记时间")
    done_at = models.DateTimeField("离站时间", null=True, blank=True)

    class Meta:
        verbose_name = "待办离站"
        verbose_name_plural = "待办离站"
        # the work list and the case list: pending plans (few rows; the case's scope is joined)
        indexes = [models.Index(fields=["status"], name="rescue_dplan_status")]

    @property
    def contact_phone_masked(self) -> str:
        return f"*******{self.contact_phone_last4}" if self.contact_phone_last4 else ""


class IncidentKind(models.TextChoices):
    ABSCONDING = "absconding", "走失"
    DEATH = "death", "死亡"
    INJURY = "injury", "受伤"
    OUTBREAK = "outbreak", "疫情"
    PLACEMENT_ABUSE = "placement_abuse", "托养机构侵害"


class Incident(models.Model):
    """An abnormal event (异常事件) at a station or a placement, seen at once by the station manager and the
    level above (the regional centre), with a timeline of reports and actions (IncidentEntry)."""

    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="rescue_incidents",
                                verbose_name="救助管理站")
    case = models.ForeignKey(RescueCase, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="incidents")
    kind = models.CharField("类型", max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField("发生时间")
    place = models.CharField("地点", max_length=200, blank=True)
    is_open = models.BooleanField("未结", default=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    reported_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "异常事件"
        verbose_name_plural = "异常事件"
        indexes = [models.Index(fields=["station", "is_open", "occurred_at"], name="rescue_incident_open")]


class IncidentEntryKind(models.TextChoices):
    REPORT = "report", "报告"
    ACTION = "action", "处置"
    CLOSURE = "closure", "结案"


class IncidentEntry(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=10, choices=IncidentEntryKind.choices)
    text = models.CharField("内容", max_length=1000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "异常事件记录"
        verbose_name_plural = "异常事件记录"
        ordering = ["at", "id"]



class EscalationKind(models.TextChoices):
    IDENTITY = "identity", "身份甄别"
    MEDICAL = "medical", "医疗救治"
    CROSS_PROVINCE_ESCORT = "cross_province_escort", "跨省护送"
    SETTLEMENT = "settlement", "落户安置"


class EscalationStatus(models.TextChoices):
    REQUESTED = "requested", "待区域性中心受理"
    HANDLED = "handled", "提级办理（区域性中心办理）"
    DELEGATED = "delegated", "下沉协助（区域性中心派员）"
    CLOSED = "closed", "已办结"


OPEN_ESCALATION_STATUSES = (EscalationStatus.REQUESTED, EscalationStatus.HANDLED, EscalationStatus.DELEGATED)


class Escalation(models.Model):
    """A station escalates a difficult matter of a case to its regional centre (提级办理, the 2024 pilot); the
    centre handles it itself or sends staff to help (下沉协助). Both see the case's shared timeline."""

    case = models.ForeignKey(RescueCase, on_delete=models.PROTECT, related_name="escalations")
    regional_centre = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                        verbose_name="区域性中心")
    kind = models.CharField("事项", max_length=25, choices=EscalationKind.choices)
    reason = models.CharField("提级理由", max_length=500)
    status = models.CharField("状态", max_length=10, choices=EscalationStatus.choices,
                              default=EscalationStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    requested_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    response_note = models.CharField("受理意见", max_length=500, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=500, blank=True)

    class Meta:
        verbose_name = "提级办理"
        verbose_name_plural = "提级办理"
        indexes = [models.Index(fields=["regional_centre", "status"], name="rescue_escalation_centre")]
        constraints = [models.UniqueConstraint(
            fields=["case", "kind"], condition=models.Q(status__in=["requested", "handled", "delegated"]),
            name="rescue_escalation_one_open_per_kind")]


class SettlementStage(models.TextChoices):
    APPLIED = "applied", "站内已申请，待民政部门制定安置方案"
    PLANNED = "planned", "已制定安置方案，待政府批准"
    APPROVED = "approved", "已批准，待办理落户或长期安置"
    SETTLED = "settled", "已落户安置"


class SettlementKind(models.TextChoices):
    HUKOU = "hukou", "办理户籍登记（落户）"
    LONG_TERM = "long_term", "长期安置（福利机构集体户等）"


class Settlement(models.Model):
    """落户安置 of a long-stay unidentified client: the station applies, civil affairs makes the plan, the
    government approves, the hukou is registered or a long-term placement made; each stage has its deadline
    (region settings, settings_catalog). Family search continues after settlement (its own handlers)."""

    case = models.OneToOneField(RescueCase, on_delete=models.PROTECT, related_name="settlement")
    stage = models.CharField("环节", max_length=10, choices=SettlementStage.choices,
                             default=SettlementStage.APPLIED)
    due_on = models.DateField("本环节期限", null=True, blank=True)  # None once settled
    overdue_noticed = models.CharField(max_length=10, blank=True)  # the stage whose overdue event was written
    application_note = models.CharField("申请说明", max_length=1000)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    applied_on = models.DateField("申请日期")
    plan = models.CharField("安置方案", max_length=1000, blank=True)
    planned_on = models.DateField("方案日期", null=True, blank=True)
    approval_reference = models.CharField("批准文号", max_length=60, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    kind = models.CharField("安置方式", max_length=10, choices=SettlementKind.choices, blank=True)
    institution = models.CharField("安置机构或落户地址", max_length=200, blank=True)
    settled_on = models.DateField("落户安置日期", null=True, blank=True)

    class Meta:
        verbose_name = "落户安置"
        verbose_name_plural = "落户安置"
        indexes = [models.Index(fields=["stage", "due_on"], name="rescue_settlement_due")]  # the overdue sweep


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
    # The rescue case opened when the person was brought in (引导入站).
    case = models.ForeignKey(RescueCase, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="救助记录")

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
