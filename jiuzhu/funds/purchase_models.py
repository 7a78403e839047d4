"""Government purchase of services (政府购买服务, seed 000): service items, providers (承接主体), contracts with their
staff, service records confirmed by the township, and performance evaluation tying milestone payments to the
score."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jiuzhu.core.models import Organization, Region

__all__ = [
    "ITEM_CATEGORY",
    "PAYMENT_BANDS",
    "Contract",
    "ContractIndicator",
    "ContractStaff",
    "Evaluation",
    "EvaluationScore",
    "ItemCategory",
    "Milestone",
    "MilestoneStatus",
    "ProcurementMethod",
    "Provider",
    "ProviderKind",
    "RecordStatus",
    "ServiceItem",
    "ServiceRecord",
    "StaffPost",
    "payment_ratio",
]


class ItemCategory(models.TextChoices):
    ADMINISTRATIVE = "administrative", "事务性工作"
    SERVICE = "service", "服务性工作"


class ServiceItem(models.TextChoices):
    SCREENING = "screening", "对象排查"
    MEANS_TEST = "means_test", "家计调查"
    TRAINING = "training", "业务培训"
    PUBLICITY = "publicity", "政策宣传"
    EVALUATION = "evaluation", "绩效评价"
    CARE = "care", "照料护理"
    REHABILITATION = "rehabilitation", "康复训练"
    HOSPITAL_ESCORT = "hospital_escort", "送医陪护"
    SOCIAL_INTEGRATION = "social_integration", "社会融入"
    CAPACITY = "capacity", "能力提升"
    COUNSELLING = "counselling", "心理疏导"
    RESOURCE_LINKING = "resource_linking", "资源链接"


ITEM_CATEGORY = {item: (ItemCategory.ADMINISTRATIVE if i < 5 else ItemCategory.SERVICE)
                 for i, item in enumerate(ServiceItem)}


class ProviderKind(models.TextChoices):
    SOCIAL_ORGANISATION = "social_org", "社会组织"
    ENTERPRISE = "enterprise", "企业"
    INSTITUTION = "institution", "事业单位"


class Provider(models.Model):
    """承接主体: registered by a county (its region is the scope), known by its unified social credit code."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="登记地区")
    name = models.CharField("名称", max_length=120)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    kind = models.CharField("主体类型", max_length=12, choices=ProviderKind.choices)
    qualifications = models.CharField("资质（社工师人数、等级评估、以往业绩）", max_length=500, blank=True)
    contact = models.CharField("联系人及电话", max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "承接主体"
        verbose_name_plural = "承接主体"

    def __str__(self):
        return self.name


class ProcurementMethod(models.TextChoices):
    OPEN_TENDER = "open_tender", "公开招标"
    INVITED_TENDER = "invited_tender", "邀请招标"
    NEGOTIATION = "negotiation", "竞争性谈判"
    CONSULTATION = "consultation", "竞争性磋商"
    SINGLE_SOURCE = "single_source", "单一来源"


class Contract(models.Model):
    """A purchase project and its contract: who buys what from whom, for how much and how long."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="实施地区")
    purchaser = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="购买主体")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts",
                                 verbose_name="承接主体")
    title = models.CharField("项目名称", max_length=150)
    number = models.CharField("合同编号", max_length=60)
    method = models.CharField("采购方式", max_length=16, choices=ProcurementMethod.choices)
    budget = models.DecimalField("合同金额（元）", max_digits=14, decimal_places=2)
    start_on = models.DateField("服务期自")
    end_on = models.DateField("服务期至")
    items = models.JSONField("服务内容", default=list)  # ServiceItem codes
    satisfaction_weight = models.PositiveSmallIntegerField("服务对象满意度权重（%）", default=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "购买服务合同"
        verbose_name_plural = "购买服务合同"
        constraints = [
            models.CheckConstraint(name="funds_contract_period", condition=Q(end_on__gte=models.F("start_on"))),
            models.CheckConstraint(name="funds_contract_budget", condition=Q(budget__gt=0)),
        ]

    def __str__(self):
        return f"{self.title}（{self.number}）"

    @property
    def item_labels(self) -> list[str]:
        return [ServiceItem(i).label for i in self.items if i in ServiceItem.values]


class StaffPost(models.TextChoices):
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"
    INSTITUTION = "institution", "特困供养机构"


class ContractStaff(models.Model):
    """A worker the provider dispatches under the contract, and where they are posted."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="staff")
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("派驻层级", max_length=12, choices=StaffPost.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="派驻地区")
    institution = models.CharField("特困供养机构名称", max_length=120, blank=True)
    qualification = models.CharField("职业资格", max_length=60, blank=True)

    class Meta:
        verbose_name = "派驻人员"
        verbose_name_plural = "派驻人员"

    def __str__(self):
        return self.name


class RecordStatus(models.TextChoices):
    PENDING = "pending", "待乡镇确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "退回"


class ServiceRecord(models.Model):
    """One service given to a registry person under a contract: what, when, how long, by whom; the township of the
    person confirms it (the basis of the provider's workload and of the beneficiaries' satisfaction)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="records")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name="服务对象")
    region_path = models.CharField(max_length=120)  # the person's region when served: the scope
    item = models.CharField("服务内容", max_length=20, choices=ServiceItem.choices)
    served_on = models.DateField("服务日期")
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1)
    staff = models.ForeignKey(ContractStaff, on_delete=models.PROTECT, related_name="+", verbose_name="服务人员")
    note = models.CharField("服务情况", max_length=500, blank=True)
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        constraints = [models.CheckConstraint(name="funds_record_hours",
                                              condition=Q(hours__gt=0, hours__lte=24))]
        # The township's work list: records of its area waiting for confirmation.
        indexes = [models.Index(fields=["region_path", "status"], name="funds_record_scope")]

    def __str__(self):
        return f"服务记录 #{self.pk}"


class ContractIndicator(models.Model):
    """A performance indicator of the contract and its weight (the weights of a contract sum to 100)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField("指标", max_length=100)
    weight = models.PositiveSmallIntegerField("权重（%）")

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="funds_indicator_name")]


class MilestoneStatus(models.TextChoices):
    OPEN = "open", "待评价"
    EVALUATED = "evaluated", "已评价，待支付"
    PAID = "paid", "已支付"


# 按绩效付费: the share of a milestone's amount paid for the evaluation's total score (lowest score of the band).
# The national default; a region's own bands are region settings (funds/settings_catalog.py).
PAYMENT_BANDS = ((Decimal(90), Decimal(1), "优秀"), (Decimal(80), Decimal("0.9"), "良好"),
                 (Decimal(60), Decimal("0.7"), "合格"), (Decimal(0), Decimal(0), "不合格"))


def payment_ratio(score: Decimal, bands=PAYMENT_BANDS) -> tuple[Decimal, str]:
    """(share, grade) of the first band, best first, whose lowest score the score reaches; else nothing."""
    for floor, ratio, grade in bands:
        if score >= floor:
            return ratio, grade
    return Decimal(0), "不合格"


class Milestone(models.Model):
    """A payment node of the contract (预付款, 中期款, 尾款): what is due after its evaluation."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="milestones")
    sequence = models.PositiveSmallIntegerField("第几期")
    label = models.CharField("支付节点", max_length=60)
    amount = models.DecimalField("计划金额（元）", max_digits=14, decimal_places=2)
    status = models.CharField("状态", max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.OPEN)
    payable = models.DecimalField("按绩效应付金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    class Meta:
        verbose_name = "支付节点"
        verbose_name_plural = "支付节点"
        constraints = [models.UniqueConstraint(fields=["contract", "sequence"], name="funds_milestone_sequence")]


class Evaluation(models.Model):
    """The performance evaluation of one milestone: the purchaser's weighted score and the beneficiaries'
    satisfaction make the total, and the total the payable amount (PAYMENT_BANDS)."""

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="evaluation")
    evaluated_on = models.DateField("评价日期")
    purchaser_score = models.DecimalField("购买主体评分", max_digits=5, decimal_places=2)
    satisfaction = models.DecimalField("服务对象满意度（%）", max_digits=5, decimal_places=2)
    total_score = models.DecimalField("综合得分", max_digits=5, decimal_places=2)
    grade = models.CharField("等次", max_length=6)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "绩效评价"
        verbose_name_plural = "绩效评价"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(ContractIndicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分（百分制）", max_digits=5, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "indicator"], name="funds_score_indicator")]
