"""Monitoring data. Feed rows are not ORM rows: a batch's accepted rows are one Parquet file (`data_path`,
under MEDIA_ROOT) that comparison runs read with DuckDB or Spark; the database keeps the batch's metadata.

Scope: a batch belongs to the department that uploaded it (`organization`) and the region it covers;
a warning belongs to the region that owns the person or household (`region`), and a department sees it only
when it was referred to that department (`referred_to`)."""

from django.conf import settings
from django.db import models

from jiuzhu.core.models import Organization, Region, TaskRun


class FeedKind(models.TextChoices):
    MEDICAL_SETTLEMENT = "medical_settlement", "医保结算"
    DISABILITY = "disability", "残疾人证"
    UNEMPLOYMENT = "unemployment", "失业登记"
    DEATH_PUBLIC_SECURITY = "death_public_security", "死亡（公安户籍注销）"
    DEATH_CREMATION = "death_cremation", "死亡（殡葬火化）"
    DEATH_HOSPITAL = "death_hospital", "死亡（医学死亡证明）"
    REGISTER_CHANGE = "register_change", "户籍变动"
    VEHICLE = "vehicle", "机动车辆"
    REAL_ESTATE = "real_estate", "不动产"
    BUSINESS = "business", "工商登记与企业任职"
    PENSION = "pension", "养老金与社保缴费"
    HOUSING_FUND = "housing_fund", "住房公积金"
    TAX = "tax", "个人所得税"
    PUBLIC_PAYROLL = "public_payroll", "财政供养人员"
    PRISONER = "prisoner", "服刑人员"
    DISASTER = "disaster", "受灾人员"
    STUDENT_HARDSHIP = "student_hardship", "家庭经济困难学生"
    UTILITY_ARREARS = "utility_arrears", "水电气欠费"


class FeedBatchStatus(models.TextChoices):
    CHECKED = "checked", "待确认（有错误行）"  # waits for the uploader: accept without bad rows, or withdraw
    STORED = "stored", "已入库"
    WITHDRAWN = "withdrawn", "已撤回"


class FeedBatch(models.Model):
    """One upload of one feed kind by one department. `batch_key` (kind + department + file hash) makes
    re-uploading the same file a no-op."""

    kind = models.CharField("数据类型", max_length=30, choices=FeedKind.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="提供部门")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="覆盖区域")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    file_name = models.CharField("文件名", max_length=200)
    batch_key = models.CharField(max_length=64, unique=True)
    status = models.CharField("状态", max_length=12, choices=FeedBatchStatus.choices)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_stored = models.PositiveIntegerField("入库行数", default=0)
    rows_rejected = models.PositiveIntegerField("错误行数", default=0)
    data_path = models.CharField(max_length=300, blank=True)  # accepted rows, Parquet, relative to MEDIA_ROOT
    rejected_path = models.CharField(max_length=300, blank=True)  # rejected rows with their reasons
    period_start = models.DateField("数据期起", null=True, blank=True)
    period_end = models.DateField("数据期止", null=True, blank=True)
    task_run = models.ForeignKey(TaskRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "部门数据批次"
        indexes = [
            # the department's inbox and the runs' "latest stored batches of a kind"
            models.Index(fields=["organization", "-uploaded_at"], name="feed_org_uploaded"),
            models.Index(fields=["kind", "status"], name="feed_kind_status"),
        ]


class IndicatorClass(models.TextChoices):
    ACTIVE_DISCOVERY = "active_discovery", "主动发现"
    NEED = "need", "需求预警"
    DYNAMIC = "dynamic", "动态管理"
    POLICY = "policy", "政策落实"


class Severity(models.TextChoices):
    HIGH = "high", "红色"
    MEDIUM = "medium", "橙色"
    LOW = "low", "黄色"


class Indicator(models.Model):
    """A catalogue entry (预警指标). Its rule, per region and effective date, is an `IndicatorVersion`."""

    code = models.CharField("指标编码", max_length=40, unique=True)
    name = models.CharField("指标名称", max_length=80)
    indicator_class = models.CharField("类别", max_length=20, choices=IndicatorClass.choices)
    description = models.CharField("说明", max_length=300, blank=True)
    builtin = models.BooleanField(default=False)  # seeded; can be edited and disabled, never deleted
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "预警指标"


class IndicatorVersion(models.Model):
    """The rule of an indicator in a region from a date (nearest ancestor region wins, latest version on or
    before the date), as core.region_settings does for numbers. `rule` is the rule builder's JSON; it is
    compiled to SQL (the same text for DuckDB and Spark) and validated before it is saved."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField("生效日期")
    rule = models.JSONField("规则")
    enabled = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField("修改说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "预警指标规则版本"
        constraints = [models.UniqueConstraint(fields=["indicator", "region", "valid_from"],
                                               name="indicator_version_unique")]


class RunStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    FINISHED = "finished", "已完成"
    FAILED = "failed", "失败"


class ComparisonRun(models.Model):
    """One comparison of the registry with the stored feeds. `run_key` (region, as-of date, the batches
    and rule versions used) makes re-running the same inputs a no-op."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField("比对基准日")
    engine = models.CharField("计算引擎", max_length=10, default="duckdb")  # duckdb | spark
    run_key = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)  # {"indicator code": warnings raised, ...}
    seconds = models.FloatField(null=True, blank=True)
    task_run = models.ForeignKey(TaskRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "比对批次"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待核实"
    VISITED = "visited", "已核实"
    REFERRED = "referred", "已转部门"
    CLOSED = "closed", "已办结"


class Disposition(models.TextChoices):
    IMPLEMENT_POLICY = "implement_policy", "落实政策"
    REFER_DEPARTMENT = "refer_department", "转介部门"
    CASE_CONFERENCE = "case_conference", "一事一议"
    VERIFY_TERMINATE = "verify_terminate", "核查终止"
    REBUTTED = "rebutted", "核实不实"  # e.g. a death warning rebutted with 未死亡证明


class Warning(models.Model):
    """One indicator firing for one person or household over one evidence period. A person not in the
    registry (主动发现) is named by `subject_name` and the keyed hash of the ID number only.
    `warning_key` (indicator, subject, evidence period) is unique among open warnings: an open warning is not
    raised again, and re-running the same inputs changes nothing."""

    # The keys a comparison run writes carry no database constraint (the bulk-write foreign-key rule,
    # ARCHITECTURE): the run proves each parent in its own transaction (runs._drop_orphans) instead of
    # PostgreSQL's deferred check per row and key at commit. on_delete still PROTECTs through the ORM.
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="warnings", db_constraint=False)
    run = models.ForeignKey(ComparisonRun, null=True, blank=True, on_delete=models.PROTECT, related_name="warnings",
                            db_constraint=False)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_constraint=False)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_constraint=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="属地",
                               db_constraint=False)
    subject_id_hash = models.CharField(max_length=64, blank=True)
    subject_name = models.CharField("姓名", max_length=50, blank=True)
    warning_key = models.CharField(max_length=64)
    evidence_start = models.DateField("证据期起", null=True, blank=True)
    evidence_end = models.DateField("证据期止", null=True, blank=True)
    evidence = models.JSONField("触发依据", default=dict)
    severity = models.CharField("预警等级", max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField("状态", max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    raised_at = models.DateTimeField("预警时间", auto_now_add=True)
    due_date = models.DateField("办理期限", null=True, blank=True)  # working days on China's official calendar
    overdue = models.BooleanField("已超期", default=False)
    disposition = models.CharField("处置方式", max_length=20, choices=Disposition.choices, blank=True)
    # (referred_to, closed_by: empty on a new warning, so indexed partially, NOT NULL, in Meta)
    referred_to = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="转介部门", db_index=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    # handling (warning_services.py): when the overdue sweep marked it; the sweep's own stamp makes it idempotent
    overdue_at = models.DateTimeField("超期标记时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        constraints = [
            # A key is never raised twice, open or closed (runs skip every key of their indicators, a lead's
            # source gets its lead back): one unique index serves both the check and lead_services' look-up.
            models.UniqueConstraint(fields=["warning_key"], name="warning_key_unique"),
        ]
        indexes = [
            # the officer's list: status and deadline within a region subtree; the work list's counts
            models.Index(fields=["status", "due_date"], name="warning_status_due"),
            # a department's inbox of referred warnings (a run's new warnings are referred to nobody)
            models.Index(fields=["referred_to", "status"], name="warning_referred",
                         condition=models.Q(referred_to__isnull=False)),
            # PROTECT when a user is deleted (a run's new warnings are closed by nobody)
            models.Index(fields=["closed_by"], name="warning_closed_by", condition=models.Q(closed_by__isnull=False)),
        ]


class LinkReviewStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    ACCEPTED = "accepted", "确认是此人"
    REJECTED = "rejected", "不是此人"


class FeedLinkReview(models.Model):
    """A feed row without a usable ID number that Splink matched to a registry person with a probability
    between the review floor and the link threshold: an officer of the batch's region says whether it is the
    same person. Accepting writes the person's id and ID hash into the stored file's row (feeds "feeds")."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="link_reviews")
    position = models.PositiveIntegerField()  # the row's index in the stored Parquet file
    row_number = models.PositiveIntegerField("行号")  # as the uploaded file numbers it
    sheet = models.CharField("工作表", max_length=100, blank=True)  # a workbook with several data sheets
    name = models.CharField("姓名（数据中）", max_length=50)
    birth_date = models.DateField("出生日期（数据中）", null=True, blank=True)
    region_code = models.CharField("地区代码（数据中）", max_length=12, blank=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name="候选人员")
    probability = models.FloatField("匹配概率")
    status = models.CharField("状态", max_length=10, choices=LinkReviewStatus.choices,
                              default=LinkReviewStatus.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "待确认的人员匹配"
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="feed_link_review_row")]
        indexes = [models.Index(fields=["status", "batch"], name="feed_link_review_status")]


# ---- Warning handling (处置): field visits, referrals, case conferences, terminations, files ------------

class WarningFile(models.Model):
    """A file kept for a warning (a visit's photo, a department's answer, a 未死亡证明): the bytes are in the
    stored-file store (core/files.py, encrypted), this row says what they are and who brought them."""

    class Purpose(models.TextChoices):
        VISIT = "visit", "核实照片或材料"
        ANSWER = "answer", "部门答复材料"
        REBUTTAL = "rebuttal", "未死亡证明"

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="files")
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    original_filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件格式", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    file_key = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警材料"


class VisitResult(models.TextChoices):
    CONFIRMED = "confirmed", "情况属实"
    PARTLY = "partly", "部分属实"
    NOT_CONFIRMED = "not_confirmed", "情况不实"


class WarningVisit(models.Model):
    """铁脚板核实: who went, when, what they found; recorded from a phone."""

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("核实日期")
    visitors = models.CharField("核实人员", max_length=200)
    findings = models.TextField("核实情况", max_length=2000)
    result = models.CharField("核实结论", max_length=15, choices=VisitResult.choices)
    file = models.ForeignKey(WarningFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入户核实"


class WarningReferral(models.Model):
    """A warning sent to a department with a deadline in working days; the department answers it."""

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="转介部门")
    request = models.CharField("转介事项", max_length=500)
    due_date = models.DateField("答复期限")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("部门答复", max_length=2000, blank=True)
    answer_file = models.ForeignKey(WarningFile, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "转介部门"
        indexes = [
            # the department's inbox: its unanswered referrals, oldest deadline first
            models.Index(fields=["organization", "answered_at", "due_date"], name="referral_inbox"),
        ]


class WarningConference(models.Model):
    """一事一议: a case conference's participants, decision and amount; an amount becomes a 临时救助 grant."""

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="conferences")
    held_on = models.DateField("议事日期")
    participants = models.CharField("参会人员", max_length=300)
    decision = models.TextField("议定事项", max_length=2000)
    amount = models.DecimalField("议定金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    # the amount agreed, started as a one-off 临时救助 through registry grant_create (one grant per conference)
    grant = models.OneToOneField("registry.AssistanceGrant", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="救助发放")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "一事一议"


class TerminationStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已停保"
    REJECTED = "rejected", "未批准"


class WarningTermination(models.Model):
    """核查终止: the officer proposes ending a tier or a grant with the reason; the approver decides
    (Capability.DECIDE_TERMINATIONS) and the registry's own service ends it."""

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="terminations")
    tier_decision = models.ForeignKey("registry.TierDecision", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    grant = models.ForeignKey("registry.AssistanceGrant", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    end_date = models.DateField("终止日期")
    reason = models.CharField("终止理由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=TerminationStatus.choices,
                              default=TerminationStatus.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "核查终止"
        indexes = [models.Index(fields=["status", "proposed_at"], name="termination_queue")]
        constraints = [
            models.CheckConstraint(name="termination_has_one_target",
                                   condition=(models.Q(tier_decision__isnull=False, grant__isnull=True)
                                              | models.Q(tier_decision__isnull=True, grant__isnull=False))),
        ]
