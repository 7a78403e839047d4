"""The safety-net fund (托底救助基金, seed 002): the city budget plus at least one third of the red cross's and the
charity federation's available funds, and donations, paid out only for decided cases (一事一议, 先行救助) with the
decision attached. One ledger table holds both directions, so the running balance is one window function."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jiuzhu.core.models import Region

__all__ = [
    "MIN_SHARE",
    "SHARE_SOURCES",
    "DecisionKind",
    "EntryKind",
    "EntryStatus",
    "Fund",
    "FundEntry",
    "FundSource",
]


class FundSource(models.TextChoices):
    CITY_BUDGET = "city_budget", "市级财政"
    RED_CROSS = "red_cross", "红十字会"
    CHARITY = "charity", "慈善总会"
    DONATION = "donation", "社会捐赠"


# Seed 002: the red cross and the charity federation put in at least one third of their available funds.
SHARE_SOURCES = (FundSource.RED_CROSS, FundSource.CHARITY)
MIN_SHARE = Decimal(1) / Decimal(3)


class EntryKind(models.TextChoices):
    CONTRIBUTION = "contribution", "收入"
    DISBURSEMENT = "disbursement", "支出"


class EntryStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    BOOKED = "booked", "已入账"  # a contribution at once, a disbursement once approved
    REJECTED = "rejected", "未批准"


class DecisionKind(models.TextChoices):
    CASE_CONFERENCE = "case_conference", "一事一议"
    ASSIST_FIRST = "assist_first", "先行救助"


class Fund(models.Model):
    """One fund per region (a city's or a county's); its region is the scope of its ledger."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name="设立地区")
    name = models.CharField("基金名称", max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "托底救助基金"
        verbose_name_plural = "托底救助基金"

    def __str__(self):
        return self.name


class FundEntry(models.Model):
    """A line of the fund's ledger: a contribution (by source) or a disbursement (for a decided case)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("收支", max_length=12, choices=EntryKind.choices)
    status = models.CharField("状态", max_length=8, choices=EntryStatus.choices)
    entry_date = models.DateField("入账日期")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    voucher = models.CharField("凭证号", max_length=60, blank=True)
    note = models.CharField("摘要", max_length=300, blank=True)
    # contribution
    source = models.CharField("资金来源", max_length=12, choices=FundSource.choices, blank=True)
    available_funds = models.DecimalField("该机构当年可用资金（元）", max_digits=14, decimal_places=2, null=True,
                                          blank=True)
    # disbursement: the decided case and its decision (core.files)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="救助家庭")
    decision_kind = models.CharField("决定方式", max_length=16, choices=DecisionKind.choices, blank=True)
    decision_ref = models.CharField("决定文号（会议纪要）", max_length=100, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_file_key = models.CharField(max_length=64, blank=True)
    decision_filename = models.CharField("决定文书", max_length=200, blank=True)
    decision_content_type = models.CharField(max_length=40, blank=True)
    decision_sha256 = models.CharField(max_length=64, blank=True)
    # The decided case itself, in the app that decided it (core/references.py): a kind such as
    # "monitoring.case_conference" or "intake.assist_first", its id, and its label as it read when linked.
    source_kind = models.CharField("决定来源", max_length=40, blank=True)
    source_id = models.PositiveBigIntegerField("决定来源编号", null=True, blank=True)
    source_label = models.CharField("决定来源说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="经办人")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审批人")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    reject_reason = models.CharField("不予批准理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "基金收支"
        verbose_name_plural = "基金收支"
        constraints = [
            models.CheckConstraint(name="funds_entry_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="funds_contribution_has_source",
                                   condition=~Q(kind="contribution") | ~Q(source="")),
            # The database itself refuses a disbursement without its decision attached.
            models.CheckConstraint(name="funds_disbursement_decided",
                                   condition=~Q(kind="disbursement") | (~Q(decision_kind="")
                                                                        & ~Q(decision_file_key="")
                                                                        & Q(household__isnull=False))),
            # A decided case pays out once: one disbursement pending or booked per case (a rejected one frees it).
            models.UniqueConstraint(fields=["source_kind", "source_id"], name="funds_one_disbursement_per_case",
                                    condition=~Q(source_kind="") & ~Q(status="rejected")),
        ]
        # The ledger and the running balance: one fund's booked lines in date order.
        indexes = [models.Index(fields=["fund", "status", "entry_date", "id"], name="funds_entry_ledger")]

    def __str__(self):
        return f"基金{self.get_kind_display()} #{self.pk}"
