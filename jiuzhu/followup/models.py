"""Prevention at source and stable return (源头治理、回归稳固), issue #20: the returnee ledger (返乡受助人员台账) with
the feedback to the home office, follow-up visits (回访) and their hand-over to assistance (衔接), the at-risk
registry (易流浪走失人员信息库) and repeat-admission alerts. Glossary names; Chinese labels. ID numbers are kept
encrypted with a keyed hash (core.crypto), never plain."""

from django.conf import settings
from django.db import models

from jiuzhu.core.models import Organization, Region


class HomeSource(models.TextChoices):
    ID_NUMBER = "id_number", "身份证号码所含地区"
    REGISTRY = "registry", "低收入人口库登记地"
    HUKOU = "hukou", "户口所在地（地址识别）"
    MANUAL = "manual", "工作人员设定"


class FeedbackMode(models.TextChoices):
    PENDING = "", "待确定流出地"  # the home region is unknown: a person must set it
    SYSTEM = "system", "系统内反馈"  # an office of the home county uses the platform
    LETTER = "letter", "书面函件反馈"  # it does not: the station prints and posts the letter


# The conditions of the at-risk registry (沈阳 2022; 重庆 2021 adds 困境未成年人 and 孤寡老人).
class Condition(models.TextChoices):
    MENTAL = "mental", "精神障碍"
    DEMENTIA = "dementia", "阿尔茨海默病（认知症）"
    INTELLECTUAL = "intellectual", "智力残疾"
    PHYSICAL = "physical", "肢体残疾"
    REPEAT = "repeat", "反复流浪乞讨"
    MINOR = "minor", "困境未成年人"
    LONELY_ELDERLY = "lonely_elderly", "孤寡老人"


class ReturneeEntry(models.Model):
    """One client sent home by a station (亲属接领, 护送返乡, 乘车返乡): exactly one per rescue record."""

    case = models.OneToOneField("rescue.RescueCase", on_delete=models.PROTECT, related_name="returnee_entry",
                                verbose_name="救助记录")
    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="救助管理站")
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number_cipher = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    discharge_kind = models.CharField("离站方式", max_length=25)
    discharged_on = models.DateField("离站日期")
    destination = models.CharField("去向", max_length=200, blank=True)
    conditions = models.JSONField("易流浪走失情形", default=list)  # Condition codes seen at the station
    # The registry's answer at the station was 防止返贫监测对象: flagged for the rural-revitalisation office.
    relapse_watch = models.BooleanField("防止返贫监测对象", default=False)
    home_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="流出地（户籍地）")
    home_region_path = models.CharField(max_length=120, blank=True, db_index=True)
    home_source = models.CharField("流出地依据", max_length=10, choices=HomeSource.choices, blank=True)
    home_office = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="流出地接收单位")
    feedback_mode = models.CharField("反馈方式", max_length=6, choices=FeedbackMode.choices, blank=True)
    feedback_sent_at = models.DateTimeField("反馈时间", null=True, blank=True)
    receipt_confirmed_at = models.DateTimeField("确认收到时间", null=True, blank=True)
    receipt_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    arrived_on = models.DateField("到家日期", null=True, blank=True)
    arrival_note = models.CharField("到家情况", max_length=500, blank=True)
    arrival_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    # A 防止返贫监测对象's notice to the home county's rural-revitalisation office (乡村振兴部门): in the system
    # when that office uses the platform (it confirms receipt in its inbox), else recorded as sent outside it.
    relapse_office = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="乡村振兴部门")
    relapse_notice_mode = models.CharField("通报方式", max_length=6, choices=FeedbackMode.choices, blank=True)
    relapse_notified_at = models.DateTimeField("通报乡村振兴部门时间", null=True, blank=True)
    relapse_received_at = models.DateTimeField("乡村振兴部门接收时间", null=True, blank=True)
    relapse_received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "返乡受助人员台账"
        verbose_name_plural = "返乡受助人员台账"
        indexes = [models.Index(fields=["home_region_path", "-discharged_on"], name="followup_entry_home")]

    def __str__(self):
        return f"返乡受助人员台账 #{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or "无名氏"

    @property
    def condition_labels(self) -> list[str]:
        return [Condition(c).label for c in self.conditions if c in Condition.values]


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "待回访"
    DONE = "done", "已回访"


class VisitMethod(models.TextChoices):
    HOME_VISIT = "home_visit", "实地走访"
    PHONE_CALL = "phone_call", "电话问询"


class Hardship(models.TextChoices):
    NONE = "", "无明显困难"
    LIVING = "living", "生活困难"
    HEALTH = "health", "医疗（健康）困难"
    INCOME = "income", "收入（生产）困难"


class FollowupVisit(models.Model):
    """One follow-up visit (回访) of a returnee (ledger entry) or of a listed person of the at-risk registry, planned
    by the region's rule and assigned to the township or village where they live; recorded as a home visit or a
    phone call."""

    entry = models.ForeignKey(ReturneeEntry, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="visits")
    at_risk = models.ForeignKey("followup.AtRiskPerson", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="visits")
    sequence = models.PositiveSmallIntegerField("第几次回访")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="责任地区")
    region_path = models.CharField(max_length=120)
    due_on = models.DateField("应回访日期")
    status = models.CharField("状态", max_length=8, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    overdue_flagged_at = models.DateTimeField("超期提醒时间", null=True, blank=True)  # the sweep's mark: once
    visited_on = models.DateField("回访日期", null=True, blank=True)
    method = models.CharField("回访方式", max_length=12, choices=VisitMethod.choices, blank=True)
    findings = models.CharField("回访情况", max_length=1000, blank=True)
    hardship = models.CharField("发现困难", max_length=8, choices=Hardship.choices, blank=True)
    photo_key = models.CharField(max_length=80, blank=True)  # core.files
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    # 衔接: the intake application made from this visit, at most one (the unique column makes it exactly once).
    application = models.OneToOneField("intake.Application", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="转入的救助申请")
    # or, instead, the monitoring lead it raised (monitoring.lead_services): one hand-over per visit
    warning = models.OneToOneField("monitoring.Warning", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="转为的监测线索")

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        constraints = [
            models.UniqueConstraint(fields=["entry", "sequence"], name="followup_visit_sequence",
                                    condition=models.Q(entry__isnull=False)),
            models.UniqueConstraint(fields=["at_risk", "sequence"], name="followup_visit_at_risk_sequence",
                                    condition=models.Q(at_risk__isnull=False)),
            models.CheckConstraint(name="followup_visit_one_subject",
                                   condition=models.Q(entry__isnull=False, at_risk__isnull=True)
                                   | models.Q(entry__isnull=True, at_risk__isnull=False)),
        ]
        indexes = [models.Index(fields=["region_path", "status", "due_on"], name="followup_visit_due")]

    def __str__(self):
        return f"回访 #{self.pk}"

    @property
    def subject(self):
        """Who is visited: the ledger entry or the at-risk person."""
        return self.entry if self.entry_id else self.at_risk

    @property
    def subject_name(self) -> str:
        return self.subject.display_name


class AtRiskStatus(models.TextChoices):
    SUGGESTED = "suggested", "系统建议，待核实"
    SUBMITTED = "submitted", "待县级审核"
    RETURNED = "returned", "退回补正"
    LISTED = "listed", "已入库"


class AtRiskSource(models.TextChoices):
    VILLAGE = "village", "村（社区）登记"
    REPEAT = "repeat", "系统建议：12 个月内两次以上救助"
    RETURNEE = "returnee", "系统建议：返乡受助人员"


class AtRiskPerson(models.Model):
    """A person of the at-risk registry (易流浪走失人员信息库), in the village where they live."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="居住地")
    region_path = models.CharField(max_length=120, db_index=True)
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, blank=True)
    id_number_cipher = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    conditions = models.JSONField("易流浪走失情形", default=list)
    guardian = models.CharField("监护人（联系人）及电话", max_length=100, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    note = models.CharField("情况说明", max_length=500, blank=True)
    source = models.CharField("来源", max_length=10, choices=AtRiskSource.choices)
    status = models.CharField("状态", max_length=10, choices=AtRiskStatus.choices)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    entry = models.ForeignKey(ReturneeEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "易流浪走失人员"
        verbose_name_plural = "易流浪走失人员信息库"
        constraints = [
            # one row per person (by the ID number's keyed hash): a second suggestion or entry finds the first
            models.UniqueConstraint(fields=["id_number_hash"], condition=~models.Q(id_number_hash=""),
                                    name="followup_atrisk_person"),
        ]

    def __str__(self):
        return f"易流浪走失人员 #{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def condition_labels(self) -> list[str]:
        return [Condition(c).label for c in self.conditions if c in Condition.values]


class RepeatAlert(models.Model):
    """A person of the ledger or the at-risk registry admitted to a station again: the home office is told."""

    case = models.OneToOneField("rescue.RescueCase", on_delete=models.PROTECT, related_name="+",
                                verbose_name="本次救助记录")
    entry = models.ForeignKey(ReturneeEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at_risk = models.ForeignKey(AtRiskPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    home_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="流出地")
    home_region_path = models.CharField(max_length=120, db_index=True)
    raised_at = models.DateTimeField("提醒时间", auto_now_add=True)
    seen_at = models.DateTimeField("已阅时间", null=True, blank=True)
    seen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    class Meta:
        verbose_name = "再次流浪提醒"
        verbose_name_plural = "再次流浪提醒"

    def __str__(self):
        return f"再次流浪提醒 #{self.pk}"
