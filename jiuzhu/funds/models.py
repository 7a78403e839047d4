"""Assistance payments (issue 21, 资金发放): the monthly roll (发放花名册) per county, month and subsidy item,
its lines (one per payee and grant, with the account as it was when prepared), the township part of the review
chain, the pre-approval check hits, the bank layouts and return files, payment stops and recoveries (追缴).

An approved roll is frozen: its lines are a snapshot (amount, account, township) and nothing in the registry is
read again for it. Later registry edits go to the next month's roll or a 补发 line there.

The safety-net fund and the purchase of services have their own modules (fund_models, purchase_models),
imported at the end so Django finds every model of the app."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from jiuzhu.core.models import Region


class SubsidyItem(models.TextChoices):
    """National expenditure codes (政府收支分类科目) of the items paid monthly or at once."""

    URBAN_DIBAO = "2081901", "城市最低生活保障金"
    RURAL_DIBAO = "2081902", "农村最低生活保障金"
    TEMPORARY = "2082001", "临时救助金"
    URBAN_TEKUN = "2082101", "城市特困人员救助供养金"
    RURAL_TEKUN = "2082102", "农村特困人员救助供养金"


class RollStatus(models.TextChoices):
    TOWNSHIP = "township", "乡镇经办、审核中"
    COUNTY_HANDLING = "county_handling", "待县民政经办"
    COUNTY_REVIEW = "county_review", "待县民政审核"
    APPROVED = "approved", "已审核（已冻结）"


class PaymentRoll(models.Model):
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="县（区）")
    month = models.DateField("发放月份")  # always the 1st of the month: grants in force on this day are paid
    item = models.CharField("资金科目", max_length=7, choices=SubsidyItem.choices)
    status = models.CharField("状态", max_length=16, choices=RollStatus.choices, default=RollStatus.TOWNSHIP)
    households = models.PositiveIntegerField("户数", default=0)
    persons = models.PositiveIntegerField("人数", default=0)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, default=0)
    prepared_at = models.DateTimeField("编制时间", default=timezone.now)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    county_handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name="县民政经办人")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="县民政审核人")
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "发放花名册"
        verbose_name_plural = "发放花名册"
        constraints = [models.UniqueConstraint(fields=["county", "month", "item"], name="one_roll_per_item_month")]
        indexes = [models.Index(fields=["status", "month"], name="roll_status_month")]  # work list, list filter

    def __str__(self):
        return f"{self.county.name} {self.month:%Y年%m月} {self.get_item_display()}"


class TownshipStatus(models.TextChoices):
    PENDING = "pending", "待乡镇经办"
    SUBMITTED = "submitted", "待乡镇审核"
    REVIEWED = "reviewed", "乡镇已审核"
    RETURNED = "returned", "已退回"


class RollTownship(models.Model):
    """One township's part of a roll: its totals (户数, 人数, 金额) and its two steps (乡镇经办 → 乡镇审核)."""

    roll = models.ForeignKey(PaymentRoll, on_delete=models.CASCADE, related_name="townships")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="乡镇（街道）")
    status = models.CharField("状态", max_length=10, choices=TownshipStatus.choices, default=TownshipStatus.PENDING)
    households = models.PositiveIntegerField("户数", default=0)
    persons = models.PositiveIntegerField("人数", default=0)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, default=0)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    return_reason = models.CharField("退回理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "花名册乡镇汇总"
        verbose_name_plural = "花名册乡镇汇总"
        constraints = [models.UniqueConstraint(fields=["roll", "township"], name="one_part_per_township")]


class LineStatus(models.TextChoices):
    ISSUED = "issued", "待银行回盘"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"
    STOPPED = "stopped", "已停发"
    CORRECTED = "corrected", "已更正发放"


class PaymentLine(models.Model):
    """One payee's money in a roll: a snapshot taken when the roll was prepared (frozen once approved)."""

    # No row a line names carries a database constraint (db_constraint=False): a roll writes a million lines in
    # one INSERT … SELECT taken from those very rows (and its own roll, created in the same transaction), and on
    # PostgreSQL each constraint is a parent look-up per line, queued to the commit (the roll's alone: 2.8 s at
    # 1M lines). Django's PROTECT and CASCADE still hold for every delete through the ORM.
    roll = models.ForeignKey(PaymentRoll, on_delete=models.CASCADE, related_name="lines", db_index=False,
                             db_constraint=False)
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="乡镇（街道）",
                                 db_index=False, db_constraint=False)
    # no index: nothing looks lines up by household (one index less to fill per line)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+",
                                  db_index=False, db_constraint=False)
    # no index of its own: line_payee (payee, roll) serves every lookup by payee (one index less to fill per line)
    payee = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name="领款人",
                              db_index=False, db_constraint=False)
    grant = models.ForeignKey("registry.AssistanceGrant", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False, db_constraint=False)
    tier_decision = models.ForeignKey("registry.TierDecision", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", db_index=False, db_constraint=False)
    persons = models.PositiveSmallIntegerField("保障人数", default=1)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    account_cipher = models.TextField(blank=True)
    account_hash = models.CharField(max_length=64, blank=True)
    account_tail = models.CharField("账号后四位", max_length=4, blank=True)
    institution = models.CharField("供养机构", max_length=100, blank=True)  # 集中供养: paid to the institution
    amount = models.DecimalField("月发放金额", max_digits=10, decimal_places=2)
    back_pay = models.DecimalField("补发", max_digits=10, decimal_places=2, default=0)
    adjustment = models.DecimalField("调整", max_digits=10, decimal_places=2, default=0)
    adjustment_reason = models.CharField("调整理由", max_length=200, blank=True, default="", db_default="")
    total = models.DecimalField("实发金额", max_digits=10, decimal_places=2)
    status = models.CharField("发放状态", max_length=10, choices=LineStatus.choices, default=LineStatus.ISSUED)
    fail_reason = models.CharField("失败原因", max_length=200, blank=True)
    stop_reason = models.CharField("停发原因", max_length=200, blank=True)
    # 更正发放: a failed line rebuilt once, as a line of the same roll in batch 1 pointing at the failed one.
    batch = models.PositiveSmallIntegerField("批次", default=0)  # 0 正常发放, 1 更正发放
    # unique where set (one_correction_per_line): a OneToOneField's unique index would hold an entry for each of
    # the million lines that are no correction
    correction_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="corrections", db_index=False, db_constraint=False)

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        constraints = [
            # preparing the same roll again never duplicates a payee's line for a grant
            models.UniqueConstraint(fields=["roll", "payee", "grant", "batch"], name="one_line_per_grant"),
            models.UniqueConstraint(fields=["correction_of"], condition=models.Q(correction_of__isnull=False),
                                    name="one_correction_per_line"),
        ]
        indexes = [
            models.Index(fields=["roll", "township", "id"], name="line_roll_township"),  # a township's lines
            models.Index(fields=["roll", "account_hash"], name="line_roll_account"),  # two households, one account
            models.Index(fields=["payee", "roll"], name="line_payee"),  # same person in two rolls; back pay
            models.Index(fields=["grant", "roll"], name="line_grant"),  # back pay: was this grant paid then
        ]


class CheckKind(models.TextChoices):
    PAYEE_DEAD = "payee_dead", "领款人已死亡"
    NOT_IN_FORCE = "not_in_force", "领款人不在保"
    SHARED_ACCOUNT = "shared_account", "多户共用一个账户"
    ABOVE_MAXIMUM = "above_maximum", "金额超过保障标准上限"
    TWO_ROLLS = "two_rolls", "同一人同月同科目重复发放"
    NO_ACCOUNT = "no_account", "未采集收款账户"
    ACCOUNT_UPDATE = "account_update", "收款账户须更新"


class CheckHit(models.Model):
    """One pre-approval finding on one line. It blocks approval until a written override (理由) is given."""

    roll = models.ForeignKey(PaymentRoll, on_delete=models.CASCADE, related_name="hits", db_index=False)
    line = models.ForeignKey(PaymentLine, on_delete=models.CASCADE, related_name="hits", db_index=False)
    kind = models.CharField("核查项", max_length=16, choices=CheckKind.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    override_reason = models.CharField("放行理由", max_length=300, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "发放核查结果"
        verbose_name_plural = "发放核查结果"
        constraints = [models.UniqueConstraint(fields=["line", "kind"], name="one_hit_per_line_kind")]
        indexes = [models.Index(fields=["roll", "kind"], name="hit_roll_kind")]  # the roll page's counts


class BankLayout(models.Model):
    """How one bank wants its payment file: format and columns in order (a county's own, else the province's).
    `columns` is a list of [header, field], field one of EXPORT_FIELDS (funds/bankfiles.py)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="适用区划")
    bank_name = models.CharField("开户银行", max_length=60)
    file_format = models.CharField("文件格式", max_length=4, choices=[("csv", "CSV"), ("xlsx", "Excel")],
                                   default="xlsx")
    columns = models.JSONField("列", default=list)

    class Meta:
        verbose_name = "银行代发文件格式"
        verbose_name_plural = "银行代发文件格式"
        constraints = [models.UniqueConstraint(fields=["region", "bank_name"], name="one_layout_per_bank")]


class InstitutionAccount(models.Model):
    """The account of a 特困 供养机构 (集中供养 persons are paid there), by the institution's name in a county."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    institution = models.CharField("供养机构", max_length=100)
    bank_name = models.CharField("开户银行", max_length=60)
    account_cipher = models.TextField()
    account_hash = models.CharField(max_length=64)
    account_tail = models.CharField("账号后四位", max_length=4)

    class Meta:
        verbose_name = "供养机构账户"
        verbose_name_plural = "供养机构账户"
        constraints = [models.UniqueConstraint(fields=["county", "institution"], name="one_account_per_institution")]


class ReturnFile(models.Model):
    """A bank's return file (回盘) imported for a roll: the batch key makes a second import of it a no-op."""

    roll = models.ForeignKey(PaymentRoll, on_delete=models.PROTECT, related_name="return_files")
    key = models.CharField(max_length=64, unique=True)  # SHA-256 of the content
    filename = models.CharField("文件名", max_length=200)
    paid = models.PositiveIntegerField("成功笔数", default=0)
    failed = models.PositiveIntegerField("失败笔数", default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "银行回盘文件"
        verbose_name_plural = "银行回盘文件"


class PaymentStop(models.Model):
    """停发 from a month on: written by the handlers of death, termination and lapse events, or by a person.
    The roll leaves out a payee stopped on or before its month.

    A hold (暂停, `is_hold`) is a stop that may be lifted: a death warning from a department's death feed holds the
    payee before anyone has verified the death; a rebuttal (未死亡证明) lifts it (`lifted_at`), and the next roll
    pays the held months as 补发. `source` names what raised it ("monitoring.warning:<id>"), so the rebuttal of
    the same warning finds it without funds importing monitoring."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    from_month = models.DateField("停发起始月")
    reason = models.CharField("停发原因", max_length=200)
    event_id = models.BigIntegerField(null=True, blank=True, unique=True)  # the event that caused it (idempotent)
    created_at = models.DateTimeField(default=timezone.now)
    is_hold = models.BooleanField("暂停发放（待核实）", default=False)
    source = models.CharField("来源", max_length=60, blank=True)  # subject of the causing event: "<type>:<id>"
    lifted_at = models.DateTimeField("解除暂停时间", null=True, blank=True)
    lift_event_id = models.BigIntegerField(null=True, blank=True)  # the rebuttal's event

    class Meta:
        verbose_name = "停发记录"
        verbose_name_plural = "停发记录"
        indexes = [models.Index(fields=["person", "from_month"], name="stop_person_month"),
                   models.Index(fields=["source"], name="stop_source", condition=~models.Q(source=""))]  # a lift


class RecoveryStatus(models.TextChoices):
    OPEN = "open", "追缴中"
    REPAID = "repaid", "已追回"


class Recovery(models.Model):
    """追缴: money paid for months after the payee's death, termination or lapse, tracked to repayment."""

    line = models.OneToOneField(PaymentLine, on_delete=models.PROTECT, related_name="recovery")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("应追缴金额", max_digits=10, decimal_places=2)
    repaid = models.DecimalField("已追回金额", max_digits=10, decimal_places=2, default=0)
    status = models.CharField("状态", max_length=8, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN)
    reason = models.CharField("原因", max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "追缴"
        verbose_name_plural = "追缴"


from .fund_models import *  # noqa: E402, F403
from .purchase_models import *  # noqa: E402, F403
