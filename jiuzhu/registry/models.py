"""The low-income population database: households, persons, means test, tiers, grants, imports."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from jiuzhu.core.changestamp import ChangeStamped
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.models import Organization, Region


class HukouType(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母"
    GRANDCHILD = "grandchild", "孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class DisabilityType(models.TextChoices):
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


class LabourCapacity(models.TextChoices):
    FULL = "full", "有劳动能力"
    PARTIAL = "partial", "部分丧失劳动能力"
    NONE = "none", "无劳动能力"


class Schooling(models.TextChoices):
    PRESCHOOL = "preschool", "学龄前"
    PRIMARY = "primary", "小学在读"
    JUNIOR = "junior", "初中在读"
    SENIOR = "senior", "高中在读"
    VOCATIONAL = "vocational", "中职在读"
    COLLEGE = "college", "大学在读"
    NOT_IN_SCHOOL = "not_in_school", "不在学"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "就业"
    FLEXIBLE = "flexible", "灵活就业"
    FARMING = "farming", "务农"
    UNEMPLOYED = "unemployed", "失业"
    RETIRED = "retired", "退休"
    NONE = "none", "无业"


class Household(ChangeStamped):
    # No database constraint on household, person and membership keys (db_constraint=False, the bulk-write
    # foreign-key rule): a roster import writes a million persons with their households and memberships in one
    # transaction, its regions read and checked (registry.bulk.check_against_registry), its households,
    # persons and batch written by itself; on PostgreSQL each constraint was a parent look-up per row at commit
    # (~8 million at 1M persons). Django's PROTECT, CASCADE and SET_NULL still hold for every ORM delete.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households",
                               verbose_name="所在村（社区）", db_constraint=False)
    address = models.CharField("住址", max_length=200)
    hukou_type = models.CharField("户籍类型", max_length=10, choices=HukouType.choices)
    head = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="户主", db_constraint=False)
    relapse_watch = models.BooleanField("防止返贫监测户", default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    import_batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="household_rows", db_constraint=False)

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        # Scoped lists. On PostgreSQL the id is carried (INCLUDE) so a place's households are read from the index
        # alone (index-only scan) instead of one heap page per household: 89 ms -> 3 ms for a township's 18,500
        # households at 1,000,000 persons. SQLite's indexes carry the rowid anyway (include is ignored there).
        indexes = [models.Index(fields=["region", "is_active"], include=["id"], name="household_region")]

    def __str__(self):
        return f"{self.address}（户号 {self.pk}）"


class Person(ChangeStamped):
    """A member of the low-income population. `region` is where the record is owned (the household's
    village, or the residence region for a person without a household) and drives scoping."""

    # household and region: no index of their own, person_household and person_region_birth lead with them
    # (every index costs each imported row; issue 15, "Speed").
    # No database constraints on its keys: see Household.
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="members", db_index=False, db_constraint=False)
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices, default=Relation.HEAD)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="persons", db_index=False,
                               db_constraint=False)
    id_number_cipher = models.TextField()  # AES-GCM, see core.crypto
    # HMAC for exact lookup; unique by a named constraint (Meta), not unique=True, which on PostgreSQL adds a
    # second, pattern-ops index no one uses (a hash is never searched by prefix).
    id_number_hash = models.CharField(max_length=64)
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField(max_length=120, blank=True)
    # Sound-alike search (selectors.persons_for_matching: `IN` and `LIKE 'key %'`): one index, person_sound_key in
    # Meta (varchar_pattern_ops on PostgreSQL serves both; db_index=True made a plain one beside it no plan chose).
    name_sound_key = models.CharField(max_length=120, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    hukou_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="户籍地", db_constraint=False)
    residence_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name="居住地", db_constraint=False)
    disability_type = models.CharField("残疾类别", max_length=15, choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    serious_illness = models.CharField("重病（病种）", max_length=60, blank=True)
    labour_capacity = models.CharField("劳动能力", max_length=10, choices=LabourCapacity.choices,
                                       default=LabourCapacity.FULL)
    schooling = models.CharField("在学情况", max_length=15, choices=Schooling.choices, blank=True)
    employment = models.CharField("就业情况", max_length=12, choices=Employment.choices, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    supporter_able = models.BooleanField("有具备履行能力的法定义务人", default=True)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    import_batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="person_rows", db_constraint=False)
    ethnicity = models.CharField("民族", max_length=12, blank=True)  # "汉族"; rosters carry it

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.CheckConstraint(name="disability_grade_1_to_4",
                                   condition=models.Q(disability_grade__isnull=True)
                                   | models.Q(disability_grade__gte=1, disability_grade__lte=4)),
            models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique"),
        ]
        indexes = [
            # Lists by place and age band. PostgreSQL: household and id INCLUDEd, so a township's person list
            # (ordered by household) is an index-only scan, not 50,000 heap rows (197 ms -> 29 ms at 1M persons).
            models.Index(fields=["region", "birth_date"], include=["household", "id"], name="person_region_birth"),
            models.Index(fields=["household", "relation"], name="person_household"),
            models.Index(fields=["name"], name="person_name"),  # list search by name prefix (range, lists.py)
            models.Index(fields=["name_sound_key"], name="person_sound_key", opclasses=["varchar_pattern_ops"]),
            # Home work list: grants still paid after a death start from the (few) deceased (worklist.py).
            models.Index(fields=["death_date"], name="person_deceased", condition=models.Q(death_date__isnull=False)),
            # The tier assessment's illness texts: the few seriously ill (~4 %) without reading the whole table.
            models.Index(fields=["household", "serious_illness"], name="person_ill",
                         condition=~models.Q(serious_illness="")),
        ]

    def __str__(self):
        return self.name

    @property
    def id_number(self) -> str:
        return decrypt_text(self.id_number_cipher)


class HouseholdMembership(ChangeStamped):
    """Who belonged to which household when: moving a person closes one row and opens another."""

    # No database constraints on its keys: see Household.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships", db_constraint=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships",
                                  db_constraint=False)
    relation = models.CharField(max_length=12, choices=Relation.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(left_at__isnull=True),
                                    name="one_open_membership_per_person"),
        ]


class Source(models.TextChoices):
    DECLARED = "declared", "申报"
    VISIT = "visit", "入户核实"
    DEPARTMENT = "department", "部门数据"


class IncomeKind(models.TextChoices):
    WAGE = "wage", "工资性收入"
    BUSINESS = "business", "经营净收入"
    FARMING = "farming", "农业生产收入"
    PROPERTY = "property", "财产净收入"
    TRANSFER = "transfer", "转移净收入"
    SUPPORT = "support", "赡养（抚养、扶养）费"
    BASIC_PENSION = "basic_pension", "城乡居民基础养老金"  # not counted for 特困 (民发〔2021〕43号)
    PENSION = "pension", "养老金（职工）"
    OTHER = "other", "其他收入"


class Voidable(ChangeStamped):
    """A means-test entry is never deleted: a wrong one is voided with a reason and stays on the chain.
    Assessment, lists and totals read only rows with `voided_at IS NULL`. Like the household, its persons and
    memberships, an entry carries `changed_at` (core.changestamp): a batch assessment re-run reads again only
    the households with a row changed since their last decision (assessment._stale)."""

    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="作废人")
    void_reason = models.CharField("作废理由", max_length=200, blank=True)

    class Meta:
        abstract = True


class IncomeItem(Voidable):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="incomes")
    kind = models.CharField("收入类型", max_length=15, choices=IncomeKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    period_start = models.DateField("起")
    period_end = models.DateField("止")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.DECLARED)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["household", "period_end"], name="income_household")]


class AssetKind(models.TextChoices):
    DEPOSIT = "deposit", "存款及金融资产"
    VEHICLE = "vehicle", "机动车辆"
    HOUSING = "housing", "房产"
    BUSINESS = "business", "工商登记"
    OTHER = "other", "其他财产"


class Asset(Voidable):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField("财产类型", max_length=10, choices=AssetKind.choices)
    value = models.DecimalField("价值（元）", max_digits=14, decimal_places=2, default=0)
    description = models.CharField("说明", max_length=200, blank=True)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.DECLARED)
    recorded_on = models.DateField("登记日期", default=timezone.localdate)
    disposed_on = models.DateField("处置日期", null=True, blank=True)


class ExpenseKind(models.TextChoices):
    MEDICAL = "medical", "医疗自付"
    EDUCATION = "education", "教育"
    REHABILITATION = "rehabilitation", "残疾康复"
    ACCIDENT = "accident", "灾害及意外"
    OTHER = "other", "其他刚性支出"


class Expense(Voidable):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="expenses")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField("支出类型", max_length=15, choices=ExpenseKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    period_start = models.DateField("起")
    period_end = models.DateField("止")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.DECLARED)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["household", "period_end"], name="expense_household")]


class Tier(models.TextChoices):
    DIBAO = "dibao", "低保对象"
    TEKUN = "tekun", "特困人员"
    NEAR_DIBAO = "near_dibao", "低保边缘家庭"
    RIGID_EXPENSE = "rigid_expense", "刚性支出困难家庭"
    RELAPSE_WATCH = "relapse_watch", "防止返贫监测对象"
    OTHER_HARDSHIP = "other_hardship", "其他困难人员"
    NONE = "none", "不符合认定条件"


class DecisionStatus(models.TextChoices):
    RECOMMENDED = "recommended", "待审批"
    CONFIRMED = "confirmed", "已确认"
    OVERRIDDEN = "overridden", "已改定"
    SUPERSEDED = "superseded", "已被新认定取代"
    ENDED = "ended", "已终止"


class AssessmentBasis(models.Model):
    """What every decision of an assessment run in one region and hukou type was based on, held once instead of in
    each decision's `facts`: the standards applied (低保标准, 边缘线, 存款上限) with their setting rows, the income
    window, and the coverage texts shared by most households (window fully covered / no record / assets as of the
    date). Rows are keyed by their content, so a re-run on the same date with the same standards points to the same
    row. Read back through `TierDecision.all_facts`."""

    key = models.CharField(max_length=32, unique=True)  # md5 of the rules' version and `facts` as written
    assessed_on = models.DateField("评估基准日")
    # assessment.RULES_VERSION of the run that wrote it: a re-run trusts a decision's figures without reading its
    # household again only when they were worked out by the same rules (assessment._stale).
    rules_version = models.CharField(max_length=16, blank=True, default="")
    facts = models.JSONField("共同依据", default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "评估共同依据"
        verbose_name_plural = "评估共同依据"


# The coverage kinds of `facts["coverage"]`, and how a decision's own facts leave out the texts its basis holds.
COVERAGE_KINDS = ("income", "expense", "asset")


class BulkJSONField(models.JSONField):
    """A JSONField without SQLite's per-row CHECK (JSON_VALID(…)): a batch assessment writes a million rows whose JSON
    DuckDB made (to_json / json_object), and the ORM writes json.dumps; the check re-parsed each value on insert
    (~0.5 s of CPU per 300k decisions, session 34 tier4w). PostgreSQL's jsonb still parses what it stores."""

    def db_check(self, connection):
        return None


class TierDecision(models.Model):
    """A tier assessed for a household (or, for 单人户, one member) on a date, with the figures and the
    standards used. An approver confirms or overrides; a later decision supersedes this one."""

    # No index of its own: tier_household_status (household, status) serves every lookup by household.
    # No database constraint (bulk-write FK rule): an assessment writes ~1M rows a run and reads, in its write
    # transaction, the ids of the households it writes for (assessment.assess: a household gone is skipped).
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="tier_decisions",
                                  db_index=False, db_constraint=False)
    # Set for single-person inclusion only: indexed by tier_person (partial, NOT NULL), so the household-level
    # suggestions a batch run writes add no index entry for it.
    # person, decided_by and import_batch carry no database constraint (bulk-write FK rule): PostgreSQL queued a
    # check per written row and key even where the key is NULL (a batch run's rows: all three), ~1.6 s at commit
    # per million rows. The assessment reads, in its write transaction, the persons its 单人户 rows name
    # (assessment.assess: a person gone is skipped); it writes no approver and no batch; an approver is the
    # signed-in user, a roster's batch is written in the import's own transaction (which reads the actor and
    # writes its ~370k decisions: ~1 s per key). PROTECT kept for the ORM.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tier_decisions", db_index=False, db_constraint=False)
    assessed_on = models.DateField("评估基准日")
    recommended_tier = models.CharField("建议层级", max_length=15, choices=Tier.choices)
    tier = models.CharField("认定层级", max_length=15, choices=Tier.choices)
    status = models.CharField("认定状态", max_length=12, choices=DecisionStatus.choices,
                              default=DecisionStatus.RECOMMENDED)
    members = models.PositiveSmallIntegerField("计算人口", default=0)
    per_capita_income = models.DecimalField("人均月收入", max_digits=12, decimal_places=2, default=0)
    dibao_standard = models.DecimalField("适用低保标准", max_digits=10, decimal_places=2, default=0)
    # The household's own figures (income, deposits, months covered, warnings, changes…). An assessed decision's
    # standards, window and common coverage texts are in `basis` (one row per run and region); read both through
    # `all_facts`. Imported and hand-made decisions carry everything here and no basis.
    facts = BulkJSONField("依据数据", default=dict)
    # Bulk-written (≥100k rows a run) by the assessment, which writes the basis rows in the same transaction: no
    # database constraint (bulk-write FK rule, ARCHITECTURE), PROTECT kept for the ORM; never looked up by basis.
    basis = models.ForeignKey(AssessmentBasis, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    reasons = BulkJSONField("认定理由", default=list)
    override_reason = models.CharField("改定理由", max_length=300, blank=True)
    # No index of its own: tier_decided_by (decided_by, decided_at) serves every lookup by approver.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, db_constraint=False, verbose_name="审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Same inputs → same key (re-runs). Compared in DuckDB with the household's live decisions, never looked
    # up alone, so no index of its own (the unique constraints below hold it with the household).
    run_key = models.CharField(max_length=64, blank=True)
    # A hash of everything an assessment read for the household (its rows, the date, the standards, the rules'
    # version): a batch run finding a live decision with the same key skips the household (assessment.py).
    input_key = models.BigIntegerField(null=True, blank=True)
    # facts["warnings"] is not empty (kept by save() and the assessment's writes): the home work list's
    # 收入记录覆盖不足 count reads a small partial index instead of every pending decision's JSON.
    warned = models.BooleanField(default=False, db_default=False)
    # A decision brought in from an office's roster (issue 15): which batch and which row of the file.
    source = models.CharField("来源", max_length=10, choices=[("assessed", "评估认定"), ("imported", "名册导入")],
                              default="assessed")
    benefit_class = models.CharField("保障类别", max_length=2, blank=True,
                                     choices=[("A", "A类（一类）"), ("B", "B类（二类）"), ("C", "C类（三类）"),
                                              ("D", "D类（四类）")])
    # Indexed by tier_import_batch (partial, NOT NULL): assessed decisions have none.
    import_batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="decision_rows", db_index=False, db_constraint=False)
    import_row = models.CharField("导入行", max_length=80, blank=True)  # 工作表“低保”第5行

    class Meta:
        verbose_name = "层级认定"
        verbose_name_plural = "层级认定"
        indexes = [
            # PostgreSQL: the 待审批建议 filter's probe per household reads recommended_tier and person from the
            # index alone (migration 0019_load_*: 414 ms -> 90 ms for a township's pending 低保 at 1M persons).
            models.Index(fields=["household", "status"], include=["recommended_tier", "person"],
                         name="tier_household_status"),
            # list filter 认定层级: household ids of one tier in force (lists.py), and the monitoring snapshot's
            # decisions in force. Partial, decisions in force only, so a batch run's suggestions skip it; SQLite
            # uses it only when the query carries this very term with literals (lists.IN_FORCE_SQLITE).
            models.Index(fields=["tier", "household"], name="tier_force_list",
                         condition=models.Q(status__in=["confirmed", "overridden"])),
            # (The former tier_pending_list (recommended_tier, status, household): the 待审批建议 filter seeks
            # tier_queue_tier's (status, recommended_tier) instead, as the rows are read for person_id anyway.)
            models.Index(fields=["status", "id"], name="tier_queue"),
            models.Index(fields=["status", "recommended_tier", "id"], name="tier_queue_tier"),
            # the queue's 本人最近审批. Partial: a suggestion (not decided yet) is not in it, so an assessment's
            # rows skip it; `decided_by = x` implies the condition on SQLite and PostgreSQL alike.
            models.Index(fields=["decided_by", "decided_at"], name="tier_decided_by",
                         condition=models.Q(decided_by__isnull=False)),
            # Home work lists (registry/worklist.py): suggestions waiting too long, decisions about to expire,
            # and suggestions whose income record does not cover the window (a small partial index).
            models.Index(fields=["status", "created_at"], name="tier_status_created"),
            models.Index(fields=["status", "valid_to"], name="tier_status_valid_to",
                         condition=models.Q(valid_to__isnull=False)),  # set on decision; the query bounds it
            models.Index(fields=["household"], name="tier_pending_warned",
                         condition=models.Q(status="recommended", warned=True)),
            # The two foreign keys most rows leave empty (an assessment's rows: both): `person_id = x` and
            # `import_batch_id IN (…)` (PROTECT checks, lookups) imply the condition on SQLite and PostgreSQL.
            models.Index(fields=["person"], name="tier_person", condition=models.Q(person__isnull=False)),
            models.Index(fields=["import_batch"], name="tier_import_batch",
                         condition=models.Q(import_batch__isnull=False)),
        ]
        constraints = [
            # A set-based assessment run writes one decision per household (and per single-person member);
            # among live decisions only, so inputs seen before (data changed, then changed back) may be
            # suggested again once the earlier decision was superseded.
            models.UniqueConstraint(fields=["household", "run_key"],
                                    condition=~models.Q(run_key="") & models.Q(person__isnull=True)
                                    & models.Q(status__in=["recommended", "confirmed", "overridden"]),
                                    name="one_household_decision_per_run"),
            models.UniqueConstraint(fields=["household", "person", "run_key"],
                                    condition=~models.Q(run_key="") & models.Q(person__isnull=False)
                                    & models.Q(status__in=["recommended", "confirmed", "overridden"]),
                                    name="one_member_decision_per_run"),
        ]

    def save(self, *args, **kwargs):
        self.warned = bool(isinstance(self.facts, dict) and self.facts.get("warnings"))
        if kwargs.get("update_fields") is not None and "facts" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "warned"}
        super().save(*args, **kwargs)

    @property
    def all_facts(self) -> dict:
        """What the decision was based on: its basis's standards and window with its own figures over them, and
        `coverage` per kind (its own text where it has one, else the basis's text for a window fully covered or
        not at all, told by `income_months` / `expense_months`). Every reader of what a decision was based on
        (household page, queue, print, API) reads this, not `facts` alone."""
        own = self.facts if isinstance(self.facts, dict) else {}
        if self.basis_id is None:
            return own
        shared = self.basis.facts or {}
        texts = shared.get("coverage") or {}
        merged = {k: v for k, v in shared.items() if k not in ("coverage", "figures")}
        if self.person_id is None:
            # A household's figures its row leaves out are the basis's usual ones (no deposits, vehicles,
            # houses or rigid expense; income recorded for the whole window).
            merged.update(shared.get("figures") or {})
        merged.update(own)
        merged.setdefault("warnings", [])
        mine = own.get("coverage") or {}
        n = shared.get("window_months")
        coverage = {}
        for kind in COVERAGE_KINDS:
            months = merged.get(f"{kind}_months")
            if kind in mine:
                coverage[kind] = mine[kind]
            elif kind == "asset":
                coverage[kind] = texts.get("asset", "")
            elif months == n:
                coverage[kind] = texts.get("full", "")
            elif months == 0:
                coverage[kind] = texts.get("none", "")
        merged["coverage"] = coverage
        return merged

    @property
    def all_reasons(self) -> list[str]:
        """The decision's reasons as the assessment gave them. A household's first reason (its members and the
        income window) is not stored with each assessed row: it is made here from `members`, the basis's window
        and `assessed_on`. Every reader of reasons (household page, decision and print pages, API) reads this."""
        reasons = [str(r) for r in self.reasons or []] if isinstance(self.reasons, list) else []
        if self.basis_id is None or self.person_id is not None or (reasons and reasons[0].startswith(_HEAD)):
            return reasons
        start = (self.basis.facts or {}).get("window_start")
        if not start:
            return reasons
        return [f"{_HEAD} {self.members} 人，收入计算期 {start} 至 {self.assessed_on:%Y-%m-%d}", *reasons]


_HEAD = "家庭人口"  # the first reason of a household's assessment (assessment.ASSESS_SQL, TierDecision.all_reasons)


class AssistanceCategory(models.TextChoices):
    BASIC_LIVING = "basic_living", "基本生活救助"
    DESTITUTE_SUPPORT = "destitute_support", "特困供养"
    MEDICAL = "medical", "医疗救助"
    EDUCATION = "education", "教育救助"
    HOUSING = "housing", "住房救助"
    EMPLOYMENT = "employment", "就业救助"
    DISASTER = "disaster", "受灾人员救助"
    TEMPORARY = "temporary", "临时救助"
    SERVICE = "service", "服务类救助"
    CHARITY = "charity", "慈善帮扶"


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "发放中"
    ENDED = "ended", "已终止"


class AssistanceGrant(models.Model):
    # Bulk-written by a roster import (a grant per 低保 household, per 特困 member), which writes or reads every
    # parent in its transaction: no database constraint on any key (bulk-write FK rule, ARCHITECTURE; PROTECT
    # kept for the ORM). Household and person: no index of their own, grant_household_category and
    # grant_person_category lead with them and serve every lookup (and the PROTECT checks) by either.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="grants", db_index=False,
                                  db_constraint=False)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="grants",
                               db_index=False, db_constraint=False)
    category = models.CharField("救助类别", max_length=20, choices=AssistanceCategory.choices)
    monthly_amount = models.DecimalField("月发放金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    once_amount = models.DecimalField("一次性金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    service = models.CharField("服务内容", max_length=200, blank=True)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("终止日期", null=True, blank=True)
    granting_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                              verbose_name="实施机构", db_constraint=False)
    tier_decision = models.ForeignKey(TierDecision, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="grants", db_constraint=False)
    status = models.CharField(max_length=10, choices=GrantStatus.choices, default=GrantStatus.ACTIVE)
    end_reason = models.CharField("终止原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "救助发放"
        verbose_name_plural = "救助发放"
        indexes = [models.Index(fields=["person", "category"], name="grant_person_category"),
                   models.Index(fields=["household", "category"], name="grant_household_category")]


class ImportBatch(models.Model):
    """One uploaded file. `key` is the SHA-256 of its content: importing the same file again is a no-op."""

    key = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)
    # SHA-256 of the parsed content (households, members, benefits): the same roster saved again in other
    # bytes is recognised as already imported.
    content_key = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"

    def __str__(self):
        return self.filename


# ---- Benefits imported with a roster (issue 15) ----------------------------------------------------

class SupportMode(models.TextChoices):
    CENTRALIZED = "centralized", "集中供养"
    DISPERSED = "dispersed", "分散供养"


class SelfCare(models.TextChoices):
    ABLE = "able", "生活能够自理"
    PARTLY = "partly", "生活部分不能自理"
    UNABLE = "unable", "生活完全不能自理"


class DestituteSupport(models.Model):
    """How a 特困 person is supported: mode (集中 names its institution), self-care level and the standards
    (基本生活、照料护理) the roster states. One row per person and decision."""

    # Bulk-written by a roster import with the persons, households and decisions it names, in one transaction:
    # no database constraint (bulk-write FK rule, ARCHITECTURE); PROTECT kept for the ORM.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="destitute_support",
                               db_constraint=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    tier_decision = models.ForeignKey(TierDecision, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", db_constraint=False)
    support_mode = models.CharField("供养方式", max_length=12, choices=SupportMode.choices, blank=True)
    institution = models.CharField("供养机构", max_length=100, blank=True)
    self_care = models.CharField("自理能力", max_length=8, choices=SelfCare.choices, blank=True)
    basic_standard = models.DecimalField("基本生活标准（元/月）", max_digits=10, decimal_places=2, null=True,
                                         blank=True)
    care_standard = models.DecimalField("照料护理标准（元/月）", max_digits=10, decimal_places=2, null=True,
                                        blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "特困供养信息"
        verbose_name_plural = "特困供养信息"


class AccountStatus(models.TextChoices):
    """An account's state as the bank's template reports it; the payment roll's checks hold back 未采集 and
    须更新 (funds/rolls.py)."""

    NORMAL = "normal", "正常"
    NOT_COLLECTED = "not_collected", "未采集"
    NEEDS_UPDATE = "needs_update", "须更新"


class PaymentAccount(models.Model):
    """Where a household's (or a person's) assistance is paid: bank and account. The account number is
    encrypted like ID numbers (core.crypto), with a keyed hash for exact lookup and its last 4 digits to show.
    `status` and `holder_name` come from the bank's account template (registry/account_import.py); rows written
    by plain INSERTs (roster imports) get the database defaults (正常, no holder)."""

    # Bulk-written by a roster import (an account per paying household) with the households and heads it names,
    # in one transaction: no database constraint (bulk-write FK rule, ARCHITECTURE); PROTECT kept for the ORM.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="payment_accounts",
                                  db_constraint=False)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    account_cipher = models.TextField(blank=True)
    # Payments matched by account (equality and joins only): account_hash in Meta, without the pattern-ops twin
    # db_index=True adds on PostgreSQL (a hash is never searched by prefix).
    account_hash = models.CharField(max_length=64, blank=True)
    account_tail = models.CharField("账号后四位", max_length=4, blank=True)
    holder_name = models.CharField("户名（持卡人）", max_length=60, blank=True, default="", db_default="")
    status = models.CharField("账户状态", max_length=16, choices=AccountStatus.choices, default=AccountStatus.NORMAL,
                              db_default=AccountStatus.NORMAL)
    is_active = models.BooleanField(default=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "收款账户"
        verbose_name_plural = "收款账户"
        indexes = [  # the roll's checks: the few accounts marked 未采集 or 须更新 (funds/rolls.py)
            models.Index(fields=["status"], condition=~models.Q(status="normal"), name="account_status_flagged"),
            models.Index(fields=["account_hash"], name="account_hash"),
        ]

    @property
    def account_number(self) -> str:
        return decrypt_text(self.account_cipher) if self.account_cipher else ""


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", "身份证"
    HUKOU_BOOK = "hukou_book", "户口簿"
    INCOME_PROOF = "income_proof", "收入证明"
    DISABILITY_CERTIFICATE = "disability_certificate", "残疾证"
    AUTHORISATION = "authorisation", "授权书"
    OTHER = "other", "其他"


class Document(Voidable):
    """A scanned document of a household (or of one of its tier decisions). The bytes are in the stored-file
    store (core/files.py, encrypted); this row keeps what the file is and who brought it. Never deleted: a wrong
    upload is voided with a reason and stays on the chain."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="documents")
    decision = models.ForeignKey(TierDecision, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="documents", verbose_name="关联的层级认定")
    kind = models.CharField("材料类型", max_length=25, choices=DocumentKind.choices)
    original_filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件格式", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    file_key = models.CharField(max_length=64, unique=True)  # core.files.stored_file_read(file_key)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "材料"
        verbose_name_plural = "材料"
        indexes = [models.Index(fields=["household", "uploaded_at"], name="document_household")]  # household page

    def __str__(self):
        return f"{self.get_kind_display()}：{self.original_filename}"
