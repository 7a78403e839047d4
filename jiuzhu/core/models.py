"""Core data: the region tree, organisations, users and roles, audit log, events, settings."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


class Region(models.Model):
    """A node of the GB/T 2260 tree (6-digit codes) or a statistical code below county (12 digits).

    `path` is the materialised path "/430000/430500/430524/": every scoped query filters
    `region__path__startswith=actor.region.path`, so a subtree is one indexed prefix scan.
    """

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    full_name = models.CharField("全称", max_length=200)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=120, db_index=True)  # serves subtree scans (prefix LIKE)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # 统计用区划代码's 城乡分类代码 (111 主城区 … 220 村庄): first digit 1 = urban, 2 = rural.
    urban_rural_code = models.CharField("城乡分类代码", max_length=3, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return self.full_name

    def ancestor_codes(self) -> list[str]:
        """Codes from the province down to this region, read off the path without a query."""
        return [c for c in self.path.split("/") if c]

    def ancestors(self):
        return Region.objects.filter(code__in=self.ancestor_codes()).order_by("path")

    def subtree(self):
        return Region.objects.filter(path__startswith=self.path)

    def contains(self, other: "Region") -> bool:
        return other.path.startswith(self.path)


class OrganizationKind(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", "民政部门"
    DEPARTMENT = "department", "协同部门"
    RESCUE_STATION = "rescue_station", "救助管理站"
    SERVICE_WINDOW = "service_window", "社会救助服务窗口"
    ASSISTANCE_CENTER = "assistance_center", "社会救助服务中心（站）"


class Department(models.TextChoices):
    EDUCATION = "education", "教育"
    HOUSING = "housing", "住建"
    HRSS = "hrss", "人社"
    HEALTH = "health", "卫健"
    MEDICAL_INSURANCE = "medical_insurance", "医保"
    DISABLED_FEDERATION = "disabled_federation", "残联"
    PUBLIC_SECURITY = "public_security", "公安"
    CITY_MANAGEMENT = "city_management", "城管"
    EMERGENCY = "emergency", "应急管理"
    MARKET_REGULATION = "market_regulation", "市场监管"
    RURAL_REVITALIZATION = "rural_revitalization", "乡村振兴"
    TRADE_UNION = "trade_union", "工会"
    WOMENS_FEDERATION = "womens_federation", "妇联"
    RED_CROSS = "red_cross", "红十字会"
    CHARITY = "charity", "慈善总会"
    JUSTICE = "justice", "司法行政"


class Organization(models.Model):
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    department = models.CharField("部门", max_length=30, choices=Department.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_regional_center = models.BooleanField("区域性中心", default=False)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        constraints = [
            models.CheckConstraint(
                name="department_code_only_for_departments",
                condition=(models.Q(kind="department") & ~models.Q(department=""))
                | (~models.Q(kind="department") & models.Q(department="")),
            ),
            models.UniqueConstraint(fields=["region", "kind", "department", "name"], name="unique_org_name"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    WINDOW_OFFICER = "window_officer", "窗口经办"
    ASSISTANCE_OFFICER = "assistance_officer", "民政经办"
    APPROVER = "approver", "审批"
    DEPARTMENT_CLERK = "department_clerk", "部门经办"
    COORDINATOR = "coordinator", "社会救助协理员"
    STATION_WORKER = "station_worker", "救助站工作人员"
    STATION_MANAGER = "station_manager", "救助站负责人"
    REGIONAL_OFFICER = "regional_officer", "区域性中心工作人员"
    ANALYST = "analyst", "统计分析"
    AUDITOR = "auditor", "审计"
    ADMINISTRATOR = "administrator", "系统管理员"


class User(AbstractUser):
    """A person (or a department system, `is_service_account`) acting for one organisation
    within one region subtree (the jurisdiction)."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="所属机构"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="管辖区域"
    )
    is_service_account = models.BooleanField("系统账号", default=False)
    # Set when an administrator creates the account or resets its password (core/user_services.py): until
    # the user chooses their own password, every page leads to the password change (core/user_middleware.py).
    must_change_password = models.BooleanField("须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.roles.values_list("role", flat=True)) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name="用户")
    role = models.CharField("角色", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = "用户角色"
        verbose_name_plural = "用户角色"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self):
        return self.get_role_display()


class ApiToken(models.Model):
    """A bearer token for a department's system. It authenticates as a service account of the
    organisation, so it is scoped exactly like that organisation's users. Only the hash is kept."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.organization} · {self.name}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除")


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "登录成功"
    SIGN_IN_FAILED = "sign_in_failed", "登录失败"
    SIGN_IN_LOCKED = "sign_in_locked", "账号锁定"
    SIGN_OUT = "sign_out", "退出"
    PASSWORD_CHANGE = "password_change", "修改密码"
    READ = "read", "查看"
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    TOKEN_ISSUED = "token_issued", "签发令牌"
    TOKEN_REVOKED = "token_revoked", "吊销令牌"
    TOKEN_USED = "token_used", "令牌调用"
    # core/disclosure.py: an answer that a number is registered outside the user's jurisdiction, and the
    # daily cap passed.
    DISCLOSURE = "disclosure", "越权查询提示"
    DISCLOSURE_LIMIT = "disclosure_limit", "越权查询超限"


class AuditLog(models.Model):
    """Append-only and tamper-evident. The manager refuses update/delete, save() refuses an existing row,
    and database triggers (migration 0005) refuse UPDATE and DELETE from any client, raw SQL included.
    On PostgreSQL the application's role may only INSERT and SELECT this table (`grant_app_role`).

    Hash chain: the database itself (a trigger, whatever wrote the row: `audit()`, an INSERT … SELECT,
    a bulk insert) sets `prev_hash` to the previous row's `row_hash` (by id) and `row_hash` to
    SHA-256(prev_hash || canonical content); `manage.py verify_audit` recomputes it in SQL."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    username = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.DO_NOTHING,
                                     db_constraint=False, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # Set by the database's chain trigger, never by Python (migration 0005).
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person_id", "at"], name="audit_person_at"),  # who read this person
            models.Index(fields=["actor", "at"], name="audit_actor_at"),  # what this user did
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["action", "at"], name="audit_action_at"),  # auditors' alerts (home work list)
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除")


class AuditPersonSet(models.Model):
    """The persons of one bulk audit row (core.audit.audit_person_set): a list of a million payees in a bank file
    is ONE chained AuditLog row (object_type "core.auditpersonset", object_id = set_id, detail holding the count
    and the SHA-256 of the sorted person ids) plus one unchained row here per person, written by one
    INSERT … SELECT. The chained row's hash makes these rows tamper-evident: verify_chain recomputes each set's
    SHA-256 from its rows. No foreign keys (core imports no app; the log outlives what it names)."""

    pk = models.CompositePrimaryKey("set_id", "person_id")
    set_id = models.BigIntegerField()
    person_id = models.BigIntegerField()

    class Meta:
        verbose_name = "审计人员名单"
        verbose_name_plural = "审计人员名单"
        indexes = [models.Index(fields=["person_id"], name="audit_set_person")]  # who read this person


class Event(models.Model):
    """One state change. The timeline users see, the household's assistance chain, and the outbox
    that higher apps' handlers react to (ARCHITECTURE.md, Events)."""

    kind = models.CharField(max_length=60)  # indexed by event_kind (no LIKE on kinds: no pattern index)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    person_id = models.BigIntegerField(null=True, blank=True)
    household_id = models.BigIntegerField(null=True, blank=True)
    # No database constraints (the bulk-write rule, ARCHITECTURE.md): jobs write a million events in one
    # transaction, and PostgreSQL checks each key per row at commit (measured: 5.9 s for 1M rows with a region
    # and an actor). Writers name only rows they hold (the signed-in user, a household's region), record_events
    # checks the regions of a bulk set in one query, and ORM deletes of a region or user are still refused.
    # No index either: no query looks events up by region, actor or organization (events are read by subject,
    # household or id); only the PROTECT check of deleting a region, user or organization would, which no page
    # does. Each index cost a bulk write ~0.7 s per million events (session 34, tier4w).
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False, db_index=False)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_constraint=False, db_index=False)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_constraint=False, db_index=False)
    occurred_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField("摘要", max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["household_id", "occurred_at"], name="event_household_chain"),  # chain page
            # Partial: most events of a bulk job (a batch assessment's, a household's) name no person, and
            # `person_id = x` implies the condition on SQLite and PostgreSQL alike.
            models.Index(fields=["person_id", "occurred_at"], name="event_person_timeline",
                         condition=models.Q(person_id__isnull=False)),
            models.Index(fields=["subject_type", "subject_id"], name="event_subject"),
            # The outbox: undelivered events of a handled kind, one call's ids of a kind (events.deliver_events).
            models.Index(fields=["kind"], name="event_kind"),
        ]
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.kind} {self.subject_type}#{self.subject_id}"


class EventDelivery(models.Model):
    """Marks that a handler has processed an event, so redelivery is a no-op (at-least-once + idempotent)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="unique_event_delivery")]


class RegionSetting(models.Model):
    """A policy parameter for a region subtree from a date on (低保标准, multipliers, limits...).

    The value in force for a region on a date is the one set on the nearest ancestor (or the region
    itself) with the latest `effective_from` on or before that date. Rows are never edited: a change is
    a new row, so history and past decisions keep the standard they used."""

    key = models.CharField("参数", max_length=60)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="settings", verbose_name="区划")
    effective_from = models.DateField("生效日期")
    value = models.JSONField("参数值")
    note = models.CharField("依据", max_length=200, blank=True)
    set_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="设定人")
    created_at = models.DateTimeField("设定时间", default=timezone.now)

    class Meta:
        verbose_name = "区划参数"
        verbose_name_plural = "区划参数"
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "effective_from"], name="unique_setting_version")
        ]
        indexes = [models.Index(fields=["key", "region", "effective_from"], name="setting_lookup")]

    def __str__(self):
        return f"{self.key}@{self.region_id} {self.effective_from}"


class Capabilities(models.Model):
    """Holds the capability permissions (`core.<codename>`, core/permissions.py); no table."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "权限"


class TaskRunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class TaskRun(models.Model):
    """One long job a user started (core/taskruns.py): its owner and scope, progress, Chinese result
    summary and error. The django-tasks result row only carries the machinery; this row is what users
    see, and only its owner sees it (404 for anyone else)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("任务类型", max_length=60)  # e.g. "registry.tier_assessment"
    title = models.CharField("任务", max_length=200)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="task_runs", verbose_name="发起人")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="机构")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    status = models.CharField("状态", max_length=10, choices=TaskRunStatus.choices, default=TaskRunStatus.QUEUED)
    done = models.PositiveBigIntegerField("已完成", default=0)
    total = models.PositiveBigIntegerField("总量", default=0)
    summary = models.TextField("结果", blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)  # django-tasks result, for administrators

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="taskrun_owner_history")]  # /tasks/

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        """Whole percent done; 100 only when finished, so a run never shows 100 while still writing."""
        if self.status == TaskRunStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (TaskRunStatus.SUCCEEDED, TaskRunStatus.FAILED)


class WorkdayOverride(models.Model):
    """An administrator's entry in the official calendar (core/workdays.py), consulted before chinese-calendar:
    a year the package does not cover yet (the State Council publishes each November), or a local correction.
    One row per day; changing a day's entry replaces it (the audit log keeps what it was)."""

    day = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    note = models.CharField("依据", max_length=200)  # e.g. 国办发明电〔2026〕N号
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="设定人")
    set_at = models.DateTimeField("设定时间", default=timezone.now)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_working_day else '放假'}"


class PhoneCode(models.Model):
    """A 6-digit verification code (短信验证码) sent to a mobile number before a public form is taken (the
    family-search missing report first): it proves the person can be reached at the number they give. Neither the
    number nor the code is stored: their keyed hashes are (core.crypto). Valid 10 minutes; MAX_FAILURES wrong tries
    lock it; used once (the form's transaction sets used_at). The newest code of a number and purpose is the one
    that counts. Written and checked by core/sms.py only. (Moved from familysearch: its rows were copied.)"""

    purpose = models.CharField(max_length=20)  # "missing_report"
    phone_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)  # core.ratelimit: codes sent to one client address
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    MAX_FAILURES = 5

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            # the check (a number's newest code) and the per-number send limit
            models.Index(fields=["phone_hash", "purpose", "-created_at"], name="core_code_phone"),
            # the per-address send limit
            models.Index(fields=["client_hash", "created_at"], name="core_code_client"),
        ]

    def __str__(self):
        return f"验证码 #{self.pk}"
