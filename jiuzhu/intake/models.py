"""One-window intake (一门受理、协同办理).

An `Application` is one request by one applicant (or their agent) at one window, by hotline, online, from a
proactive lead or a rescue station's transfer. It asks for one or more catalogue items (`ApplicationItem`);
each item is handled in-house by civil affairs (township 初审, county 审核确认) or referred (`Referral`) to the
responsible department with its own deadline. A returned referral stays as it was and the re-send is a new
row pointing at it (`previous`), so the history is kept. `RequiredMaterial` lines are the one-time notice's
checklist (`MaterialChecklist` is a notice as printed). `AssistFirst` is small assistance paid at once whose
paperwork is tracked until completed. `HotlineCall` is the call log; a call becomes an application, a
complaint (with its own deadline), a street sighting (an event for the rescue app) or a consultation.

Scope: applications, their items, materials and referrals belong to `Application.region` (where the applicant
lives: apply where one lives, not only at the hukou place); a department clerk sees only referrals to their
department (`Referral.organization`). Deadlines are dates counted in working days (core/workdays.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiuzhu.core.models import Organization, Region
from jiuzhu.intake.catalog import ItemCode


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    HOTLINE = "hotline", "热线电话"
    ONLINE = "online", "网上申请"
    DISCOVERY = "discovery", "主动发现"
    RESCUE_TRANSFER = "rescue_transfer", "救助站转介"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待受理"  # online or a lead: a window must accept it (or refuse to)
    MATERIALS_PENDING = "materials_pending", "待补正材料"  # accepted; the one-time notice is outstanding
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "已办结"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.MATERIALS_PENDING, ApplicationStatus.IN_PROGRESS)
OPEN_Q = Q(status__in=OPEN_STATUSES)


class Application(models.Model):
    query_code = models.CharField("查询码", max_length=12, unique=True)
    channel = models.CharField("申请渠道", max_length=20, choices=Channel.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="居住地")
    # region.path, copied at creation (regions never move): the scope filters on it (intake/selectors.py)
    region_path = models.CharField(max_length=120)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="受理窗口")
    first_officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="首问责任人")
    applicant_name = models.CharField("申请人姓名", max_length=50)
    applicant_id_cipher = models.TextField()  # AES-GCM (core.crypto)
    applicant_id_hash = models.CharField(max_length=64, db_index=True)  # keyed hash: find by ID number
    applicant_phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("现住址", max_length=200, blank=True)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="登记人员")
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="家庭")
    agent_name = models.CharField("代理人姓名", max_length=50, blank=True)
    agent_id_cipher = models.TextField(blank=True)
    agent_relation = models.CharField("代理人与申请人关系", max_length=30, blank=True)
    agent_phone = models.CharField("代理人电话", max_length=20, blank=True)
    circumstances = models.TextField("困难情况", max_length=2000)
    emergency = models.BooleanField("急难情形", default=False)
    source_ref = models.CharField("线索来源", max_length=100, blank=True)  # "warning:123", "rescue:45", "call:7"
    signature_file_key = models.CharField(max_length=64, blank=True)  # online: the signed 电子授权书 (core/files)
    authorised_at = models.DateTimeField("授权时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=ApplicationStatus.choices)
    submitted_at = models.DateTimeField("申请时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_date = models.DateField("办结期限", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    outcome_note = models.CharField("办理结果", max_length=500, blank=True)
    refusal_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)  # the sweep's mark: notified once

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        indexes = [
            # the officer's work list: open applications by deadline (a small part of all applications)
            models.Index(fields=["due_date", "region"], name="application_open_due", condition=OPEN_Q),
            # lists by status within a region subtree, newest first
            models.Index(fields=["status", "-submitted_at"], name="application_status"),
            models.Index(fields=["region", "-submitted_at"], name="application_region"),
            # a county's unfiltered list, newest first: read backwards, filtered by the region subtree as it goes
            models.Index(fields=["-submitted_at", "-id"], name="application_newest"),
            # the scope's prefix (region_path LIKE '…%'): counts of a township's or county's applications read
            # this index only. The pattern operator class serves LIKE whatever the database's collation.
            models.Index(fields=["region_path"], name="application_scope", opclasses=["varchar_pattern_ops"]),
            # 督办: a county's overdue open applications (few) counted on its home page without the heap
            models.Index(fields=["region_path"], name="application_overdue", opclasses=["varchar_pattern_ops"],
                         condition=OPEN_Q & Q(overdue_notified_on__isnull=False)),
            # a rare channel (rescue transfers, proactive discovery) in a small scope, newest first
            models.Index(fields=["channel", "-submitted_at", "-id"], name="application_channel"),
        ]

    def __str__(self):
        return f"{self.applicant_name}的申请（{self.query_code}）"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "待办理"
    PROPOSED = "proposed", "已初审、待审核确认"  # in-house: township's opinion, county decides
    REFERRED = "referred", "已转办"
    GRANTED = "granted", "给予救助"
    REFUSED = "refused", "不予救助"
    WITHDRAWN = "withdrawn", "已撤回"


ITEM_OPEN_STATUSES = (ItemStatus.PENDING, ItemStatus.PROPOSED, ItemStatus.REFERRED)


class ApplicationItem(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="items")
    item = models.CharField("救助事项", max_length=30, choices=ItemCode.choices)
    department = models.CharField("责任部门", max_length=30, blank=True)  # core Department code; "" = 民政
    status = models.CharField("状态", max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    due_date = models.DateField("办理期限")
    proposal = models.CharField("初审意见", max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=500, blank=True)
    refusal_reason = models.CharField("不予救助理由", max_length=500, blank=True)
    amount = models.DecimalField("救助金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "申请事项"
        constraints = [models.UniqueConstraint(fields=["application", "item"], name="application_item_once")]
        indexes = [models.Index(fields=["item", "status"], name="application_item_status")]


class RequiredMaterial(models.Model):
    """One material an item needs (from the item's terms when the application was taken): the one-time
    notice lists every line not yet received, all at once."""

    application_item = models.ForeignKey(ApplicationItem, on_delete=models.PROTECT, related_name="materials")
    name = models.CharField("材料名称", max_length=100)
    received = models.BooleanField("已收到", default=False)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = "所需材料"
        constraints = [models.UniqueConstraint(fields=["application_item", "name"], name="material_once")]


class MaterialChecklist(models.Model):
    """A one-time notice (一次性告知书) as printed: what was missing then, and by when to bring it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    number = models.CharField("告知书编号", max_length=30, unique=True)
    missing = models.JSONField("缺少的材料")  # [{"item": code, "name": material}, …] as printed
    complete_by = models.DateField("补正期限")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("告知时间", auto_now_add=True)

    class Meta:
        verbose_name = "一次性告知书"


class ReferralStatus(models.TextChoices):
    SENT = "sent", "待接收"
    ACCEPTED = "accepted", "办理中"
    RETURNED = "returned", "已退回"
    COMPLETED = "completed", "已办结"


REFERRAL_OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class ReferralResult(models.TextChoices):
    GRANTED = "granted", "给予救助"
    REFUSED = "refused", "不予救助"


class Referral(models.Model):
    application_item = models.ForeignKey(ApplicationItem, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="承办部门")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    note = models.CharField("转办说明", max_length=500, blank=True)
    due_date = models.DateField("办理期限")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("转办时间")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField("接收时间", null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_reason = models.CharField("退回理由", max_length=500, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办理结果", max_length=10, choices=ReferralResult.choices, blank=True)
    outcome = models.CharField("办理情况", max_length=500, blank=True)
    amount = models.DecimalField("救助金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "转办"
        indexes = [
            # the department's inbox: its open referrals, oldest deadline first
            models.Index(fields=["organization", "due_date"], name="referral_open_inbox",
                         condition=Q(status__in=REFERRAL_OPEN_STATUSES)),
            models.Index(fields=["organization", "status", "-sent_at"], name="referral_org_status"),
            # work lists (1M applications): the window's returned referrals to re-send, and overdue open ones
            # (both few; without these the planner walks every referral of the township)
            models.Index(fields=["application_item"], name="referral_returned", condition=Q(status="returned")),
            models.Index(fields=["due_date"], name="referral_overdue",
                         condition=Q(status__in=REFERRAL_OPEN_STATUSES, overdue_notified_on__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application_item"], condition=Q(status__in=REFERRAL_OPEN_STATUSES),
                                    name="one_open_referral_per_item"),
        ]


class AssistFirst(models.Model):
    """急难/先行救助: an officer pays small temporary assistance at once (within the region's limit); the
    paperwork (the application's materials and the county's confirmation) is completed afterwards."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assist_first")
    amount = models.DecimalField("救助金额（元）", max_digits=10, decimal_places=2)
    reason = models.CharField("急难情形", max_length=500)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("救助时间")
    paperwork_due_date = models.DateField("补齐手续期限")
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    completed_at = models.DateTimeField("手续补齐时间", null=True, blank=True)
    completion_note = models.CharField("补齐情况", max_length=500, blank=True)

    class Meta:
        verbose_name = "先行救助"
        indexes = [models.Index(fields=["paperwork_due_date"], name="assist_first_open",
                                condition=Q(completed_at__isnull=True))]


class CallOutcome(models.TextChoices):
    CONSULTATION = "consultation", "政策咨询（已答复）"
    APPLICATION = "application", "转为救助申请"
    COMPLAINT = "complaint", "投诉"
    SIGHTING = "sighting", "街面流浪乞讨人员线索"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", "办理中"
    ANSWERED = "answered", "已答复"


class HotlineCall(models.Model):
    line = models.CharField("热线号码", max_length=20)
    caller_name = models.CharField("来电人", max_length=50, blank=True)
    caller_phone = models.CharField("来电号码", max_length=20, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所涉地区")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="接听人")
    received_at = models.DateTimeField("来电时间")
    summary = models.TextField("来电内容", max_length=2000)
    outcome = models.CharField("处理方式", max_length=15, choices=CallOutcome.choices)
    answer = models.TextField("答复内容", max_length=2000, blank=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="转成的申请")
    sighting_place = models.CharField("发现地点", max_length=200, blank=True)
    complaint_status = models.CharField("投诉状态", max_length=10, choices=ComplaintStatus.choices, blank=True)
    complaint_due_date = models.DateField("投诉办理期限", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "热线来电"
        indexes = [
            models.Index(fields=["region", "-received_at"], name="hotline_region"),
            models.Index(fields=["complaint_due_date"], name="complaint_open",
                         condition=Q(complaint_status="open")),
        ]

# ---- window part (application_services.py): additions below this line ----

# ---- referrals part (referral_services.py, deadlines): additions below this line ----

# ---- hotline and portal part (hotline_services.py, portal_services.py): additions below this line ----


class PortalAttempt(models.Model):
    """What the public portal limits per client address within an hour: a progress check that did not match
    (wrong query code or wrong last four characters; portal_services.PORTAL_MAX_FAILURES), or an online
    application taken (APPLY_MAX_PER_WINDOW). The address itself is never stored: only its keyed hash
    (core.crypto.keyed_hash), one per purpose."""

    class Purpose(models.TextChoices):
        STATUS = "status", "进度查询失败"
        APPLY = "apply", "网上申请"

    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.STATUS)
    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "门户访问限制记录"
        indexes = [
            # the limit's count: one client's failures within the last hour
            models.Index(fields=["client_hash", "at"], name="portal_attempt_client"),
            # the clean-up of rows older than the window
            models.Index(fields=["at"], name="portal_attempt_at"),
        ]
