"""Identity verification and family search (身份甄别、救助寻亲), issue #19: missing reports (寻亲登记), enrolled face
photos with their embeddings (人脸采集) and the face-search ledger (人脸比对使用台账). Glossary names; Chinese labels.
ID numbers and the reporter's phone are stored encrypted (core.crypto); photos in the encrypted file store
(core.files); face vectors are sensitive personal data (PIPL): never shown, never exported."""

from django.conf import settings
from django.db import models

from jiuzhu.core.changestamp import ChangeStamped
from jiuzhu.core.models import Organization, Region


class ReportStatus(models.TextChoices):
    OPEN = "open", "寻找中"
    FOUND = "found", "已找到"
    WITHDRAWN = "withdrawn", "已撤销"


class ReportChannel(models.TextChoices):
    PORTAL = "portal", "网上寻亲登记"
    STATION = "station", "救助管理站代为登记"
    POLICE = "police", "公安机关转来"


class PersonSex(models.TextChoices):  # the same codes as rescue's ClientSex
    MALE = "M", "男"
    FEMALE = "F", "女"
    UNKNOWN = "U", "不详"


class MissingReport(ChangeStamped):
    """A family's report of a missing relative (走失人员寻亲登记), from the portal or entered by staff. Scoped by
    `region` (the county or station region that handles it; a portal report: the last-seen or hukou county)."""

    status = models.CharField("状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    channel = models.CharField("登记渠道", max_length=10, choices=ReportChannel.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="受理地区")
    station = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="受理单位")
    # The missing person.
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1, choices=PersonSex.choices)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    height_cm = models.PositiveSmallIntegerField("身高（厘米）", null=True, blank=True)
    id_number_cipher = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    hukou_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="户籍地")
    hukou_text = models.CharField("户籍地址", max_length=200, blank=True)
    missing_date = models.DateField("走失日期")
    missing_time = models.TimeField("走失时间", null=True, blank=True)  # optional: families often know the hour
    last_seen_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                         verbose_name="最后出现地区")
    last_seen_place = models.CharField("最后出现地点", max_length=200, blank=True)
    features = models.CharField("体貌特征", max_length=500, blank=True)
    clothing = models.CharField("走失时衣着", max_length=300, blank=True)
    accent = models.CharField("口音", max_length=60, blank=True)
    health = models.CharField("健康状况（认知症、精神障碍等）", max_length=300, blank=True)
    photo_key = models.CharField(max_length=80, blank=True)  # core.files stored file
    # The reporter (寻亲人): the phone is sensitive, kept encrypted and shown masked.
    reporter_name = models.CharField("登记人姓名", max_length=50)
    reporter_relation = models.CharField("与走失人员关系", max_length=30)
    reporter_phone_cipher = models.TextField(blank=True)
    reporter_phone_last4 = models.CharField(max_length=4, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)  # a portal report has no user
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # The number the family is given (receipt, phone calls): random, never the row's id, so reports cannot be
    # walked or counted from it. Null only on reports filed before numbers existed.
    receipt_number = models.CharField("登记编号", max_length=20, unique=True, null=True, blank=True)
    # A portal report: the keyed hash of the client address (core.ratelimit), never the address.
    client_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "寻亲登记"
        verbose_name_plural = "寻亲登记"
        indexes = [
            # the staff list: a region's open reports, newest first
            models.Index(fields=["region", "status", "-created_at"], name="fs_report_region_status"),
            # the portal's rate limit: one address's reports within the last hour
            models.Index(fields=["client_hash", "created_at"], name="fs_report_client"),
        ]
        constraints = [
            models.CheckConstraint(name="fs_report_portal_or_staff",
                                   condition=models.Q(channel="portal") | models.Q(created_by__isnull=False)),
        ]

    def __str__(self):
        return f"寻亲登记 #{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or "姓名不详"

    @property
    def reporter_phone_masked(self) -> str:
        return f"*******{self.reporter_phone_last4}" if self.reporter_phone_last4 else ""


class FaceSource(models.TextChoices):
    CLIENT = "client", "受助人员入站照片"
    REPORT = "report", "寻亲登记照片"
    HISTORY = "history", "历史救助记录照片"


class FaceStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    FAILED = "failed", "采集失败（需重新拍照）"
    WITHDRAWN = "withdrawn", "已撤回"


class FacePhoto(models.Model):
    """One enrolled photo of one subject (a rescue record or a missing report) and its face embedding: 128
    float32 numbers, little-endian (faces.vector_bytes). The same photo (same SHA-256) of the same subject is
    enrolled once. A photo in which no single face was found is kept as FAILED with the reason, so the station
    sees what to retake; it is never in the index."""

    source = models.CharField("照片来源", max_length=10, choices=FaceSource.choices)
    case = models.ForeignKey("rescue.RescueCase", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="救助记录")
    report = models.ForeignKey(MissingReport, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="face_photos", verbose_name="寻亲登记")
    status = models.CharField("状态", max_length=10, choices=FaceStatus.choices, default=FaceStatus.ACTIVE)
    photo_key = models.CharField(max_length=80)  # core.files stored file (the client's photo_key when enrolled
    # from an admission: the same file, not a copy)
    sha256 = models.CharField(max_length=64)
    embedding = models.BinaryField(null=True, blank=True)  # 512 bytes; null when FAILED
    box = models.JSONField("人脸位置", default=list, blank=True)  # [top, right, bottom, left] in the photo's pixels
    failure = models.CharField("失败原因", max_length=200, blank=True)
    note = models.CharField("来源说明", max_length=300, blank=True)  # provenance: who took it, when, where
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    enrolled_at = models.DateTimeField("采集时间", auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)  # the index is rebuilt when the enrolled set changes

    class Meta:
        verbose_name = "人脸照片"
        verbose_name_plural = "人脸照片"
        constraints = [
            models.CheckConstraint(name="fs_face_one_subject",
                                   condition=(models.Q(case__isnull=False, report__isnull=True)
                                              | models.Q(case__isnull=True, report__isnull=False))),
            models.CheckConstraint(name="fs_face_active_has_vector",
                                   condition=~models.Q(status="active") | models.Q(embedding__isnull=False)),
            # re-enrolling the same photo of the same subject is a no-op (services look it up first)
            models.UniqueConstraint(fields=["case", "sha256"], name="fs_face_case_photo_once",
                                    condition=models.Q(case__isnull=False)),
            models.UniqueConstraint(fields=["report", "sha256"], name="fs_face_report_photo_once",
                                    condition=models.Q(report__isnull=False)),
        ]
        indexes = [
            # the index build: all active embeddings in one query
            models.Index(fields=["status"], name="fs_face_status"),
        ]

    def __str__(self):
        return f"人脸照片 #{self.pk}"


class FaceSearchLog(models.Model):
    """人脸比对使用台账: every face search, by whom, from which record, with what result (stations keep it for
    accountability). Candidates are kept as (kind, id, distance) only."""

    searched_at = models.DateTimeField("比对时间", auto_now_add=True)
    day = models.DateField("比对日期")
    case = models.ForeignKey("rescue.RescueCase", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="救助记录")
    report = models.ForeignKey(MissingReport, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="寻亲登记")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="操作人员")  # None: the automatic run at admission
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="使用单位")
    # A public photo search (网上以图寻亲) is logged in the region of the station whose notice it showed first;
    # one that showed nothing has no region (seen by national-level accounts only).
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="地区")
    purpose = models.CharField("比对事由", max_length=100)
    photos = models.PositiveSmallIntegerField("比对照片数", default=0)
    candidates = models.PositiveSmallIntegerField("候选人数", default=0)
    best_distance = models.FloatField("最小距离", null=True, blank=True)
    result = models.JSONField("比对结果", default=list)  # [{"kind": "case"|"report", "id": …, "distance": …}]
    # A public photo search: the keyed hash of the client address (core.ratelimit); the photo is not kept.
    client_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "人脸比对使用台账"
        verbose_name_plural = "人脸比对使用台账"
        indexes = [
            # the ledger page: a region's searches by day, newest first
            models.Index(fields=["region", "-day"], name="fs_search_region_day"),
            # the portal's rate limit: one address's photo searches within the last hour
            models.Index(fields=["client_hash", "searched_at"], name="fs_search_client"),
        ]
        constraints = [
            # one subject searched (a record or a report), or none: a public photo search, by nobody signed in
            models.CheckConstraint(name="fs_search_one_subject",
                                   condition=(models.Q(case__isnull=False, report__isnull=True)
                                              | models.Q(case__isnull=True, report__isnull=False)
                                              | models.Q(case__isnull=True, report__isnull=True,
                                                         operator__isnull=True, client_hash__gt=""))),
        ]

    def __str__(self):
        return f"人脸比对记录 #{self.pk}"


# ---- Identification profile, match candidates, notifications (issue #19: review) --------------------------

class Build(models.TextChoices):
    THIN = "thin", "偏瘦"
    MEDIUM = "medium", "中等"
    STOUT = "stout", "偏胖"
    STRONG = "strong", "健壮"


class ClientProfile(ChangeStamped):
    """甄别信息: what the station learns about an unidentified client beyond the admission record, one per rescue
    record (rescue stays untouched: the profile lives here, above it). The accent or the client's own words about
    home are read into a region (cpca, matching/regions.py); the found date and place default to the record's
    admission and station, or to the sighting it came from."""

    case = models.OneToOneField("rescue.RescueCase", on_delete=models.PROTECT, related_name="+",
                                verbose_name="救助记录")
    height_cm = models.PositiveSmallIntegerField("身高（厘米）", null=True, blank=True)
    build = models.CharField("体型", max_length=10, choices=Build.choices, blank=True)
    accent = models.CharField("口音", max_length=60, blank=True)
    accent_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="口音或自述籍贯所指地区")
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    features = models.CharField("体貌特征", max_length=500, blank=True)
    clothing = models.CharField("衣着", max_length=300, blank=True)
    health = models.CharField("健康与精神状况", max_length=300, blank=True)
    found_on = models.DateField("发现日期")
    found_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="发现地区")
    found_place = models.CharField("发现地点", max_length=200, blank=True)
    stated_name = models.CharField("自述姓名或称呼", max_length=50, blank=True)
    stated_home = models.CharField("自述家乡", max_length=200, blank=True)
    narrative = models.TextField("自述线索（问话记录）", max_length=2000, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "甄别信息"
        verbose_name_plural = "甄别信息"

    def __str__(self):
        return f"甄别信息 #{self.pk}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已排除"
    SUPERSEDED = "superseded", "已失效（另一候选已确认）"


class MatchCandidate(models.Model):
    """One candidate pair for a reviewer: a rescue record (the client) and either a missing report, an earlier
    rescue record of the same person (a repeat client), a person of the low-income registry, or a person of a
    source declared through core (the at-risk registry). Written by the matching runs (review_services), once per
    pair; a rejected pair is never written again nor ranked (the library's exclude_pairs)."""

    case = models.ForeignKey("rescue.RescueCase", on_delete=models.PROTECT, related_name="+",
                             verbose_name="救助记录")
    report = models.ForeignKey(MissingReport, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="寻亲登记")
    other_case = models.ForeignKey("rescue.RescueCase", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="历史救助记录")
    registry_person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="低收入人口库人员")
    # a person of a source declared through core.candidate_sources by an app this one may not import (follow-up's
    # at-risk registry: "followup.at_risk"), by the source's name and its row id
    source = models.CharField("其他来源", max_length=40, blank=True)
    source_id = models.PositiveIntegerField("其他来源编号", null=True, blank=True)
    score = models.FloatField("综合得分")
    attribute_score = models.FloatField("姓名与体貌得分", null=True, blank=True)  # None: excluded or not compared
    face_distance = models.FloatField("人脸距离", null=True, blank=True)  # None: one side has no face
    explanation = models.JSONField("比对依据", default=list)  # [{"evidence", "level", "label", "weight"}]
    by_attributes = models.BooleanField("姓名与体貌比对得出", default=False)
    by_face = models.BooleanField("人脸比对得出", default=False)
    status = models.CharField("状态", max_length=10, choices=CandidateStatus.choices,
                              default=CandidateStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, verbose_name="核实人")
    decided_at = models.DateTimeField("核实时间", null=True, blank=True)
    reason = models.CharField("核实说明", max_length=300, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "比对候选"
        verbose_name_plural = "比对候选"
        constraints = [
            models.CheckConstraint(name="fs_candidate_one_other_side",
                                   condition=(models.Q(report__isnull=False, other_case__isnull=True,
                                                       registry_person__isnull=True, source_id__isnull=True)
                                              | models.Q(report__isnull=True, other_case__isnull=False,
                                                         registry_person__isnull=True, source_id__isnull=True)
                                              | models.Q(report__isnull=True, other_case__isnull=True,
                                                         registry_person__isnull=False, source_id__isnull=True)
                                              | models.Q(report__isnull=True, other_case__isnull=True,
                                                         registry_person__isnull=True, source_id__isnull=False))),
            models.CheckConstraint(name="fs_candidate_source_named",
                                   condition=models.Q(source_id__isnull=True, source="")
                                   | (models.Q(source_id__isnull=False) & ~models.Q(source=""))),
            # NULLs are distinct: each constraint binds only the pairs of its kind
            models.UniqueConstraint(fields=["case", "report"], name="fs_candidate_case_report_once"),
            models.UniqueConstraint(fields=["case", "other_case"], name="fs_candidate_case_case_once"),
            models.UniqueConstraint(fields=["case", "registry_person"], name="fs_candidate_case_person_once"),
            models.UniqueConstraint(fields=["case", "source", "source_id"], name="fs_candidate_case_source_once"),
            models.CheckConstraint(name="fs_candidate_rejected_has_reason",
                                   condition=~models.Q(status="rejected") | ~models.Q(reason="")),
        ]
        indexes = [
            models.Index(fields=["report", "status"], name="fs_candidate_report_status"),
        ]

    def __str__(self):
        return f"比对候选 #{self.pk}"

    @property
    def kind(self) -> str:
        if self.report_id:
            return "report"
        return "person" if self.registry_person_id else "source" if self.source_id else "case"


class FamilyNotification(models.Model):
    """通知家属: what was told to a missing report's contact when a match was confirmed, and by which channel. No
    SMS gateway exists yet: notify.send_family_notice records the text for the station to phone or text by
    hand; a gateway will send through the same function."""

    candidate = models.ForeignKey(MatchCandidate, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="比对候选")
    report = models.ForeignKey(MissingReport, on_delete=models.PROTECT, related_name="+", verbose_name="寻亲登记")
    channel = models.CharField("通知方式", max_length=20, default="电话/短信")
    phone_last4 = models.CharField(max_length=4, blank=True)  # the number itself stays on the report, encrypted
    text = models.CharField("通知内容", max_length=500)
    delivered = models.BooleanField("已由网关发送", default=False)  # False: to be phoned or texted by the station
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    sent_at = models.DateTimeField("通知时间", auto_now_add=True)

    class Meta:
        verbose_name = "家属通知"
        verbose_name_plural = "家属通知"

    def __str__(self):
        return f"家属通知 #{self.pk}"


# ---- Family-search notices (寻亲公告), issue #19: notices, feed, portal, push -------------------------------

class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "待审核发布"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class FamilyNotice(models.Model):
    """寻亲公告 of one unidentified client: drafted at admission, due within 24 hours (the campaign's rule), published
    when a station manager approves, refreshed monthly while the client stays, withdrawn when the client is
    identified or leaves. The public fields are a snapshot the station edits in the draft (what the national
    寻亲网 shows): never an ID number, never an exact address. `public_code` is the only identifier the public
    sees (random, not the row's id, so notices cannot be walked)."""

    case = models.OneToOneField("rescue.RescueCase", on_delete=models.PROTECT, related_name="+",
                                verbose_name="救助记录")
    station = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="救助管理站")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="发现地区")
    public_code = models.CharField("公告编号", max_length=16, unique=True)
    status = models.CharField("状态", max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    due_at = models.DateTimeField("发布期限")  # admitted_at + 24 hours
    # the public snapshot
    title = models.CharField("标题", max_length=100)
    photo_key = models.CharField(max_length=80, blank=True)  # core.files: the photo shown with the notice
    stated_name = models.CharField("自述姓名或称呼", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1, choices=PersonSex.choices)
    estimated_age = models.PositiveSmallIntegerField("估计年龄", null=True, blank=True)
    height_cm = models.PositiveSmallIntegerField("身高（厘米）", null=True, blank=True)
    build = models.CharField("体型", max_length=10, choices=Build.choices, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    accent = models.CharField("口音", max_length=60, blank=True)
    health = models.CharField("健康与精神状况", max_length=300, blank=True)
    features = models.CharField("体貌特征", max_length=500, blank=True)
    clothing = models.CharField("衣着", max_length=300, blank=True)
    found_on = models.DateField("发现日期")
    found_place = models.CharField("发现地点", max_length=200, blank=True)  # a street or landmark, not an address
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)  # the station's, never a person's
    # the life of the notice
    revision = models.PositiveSmallIntegerField("发布次数", default=0)  # 1 at first publication, +1 per refresh
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False)
    refresh_due_on = models.DateField("下次更新日期", null=True, blank=True)  # published_on + 1 month
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "寻亲公告"
        verbose_name_plural = "寻亲公告"
        indexes = [
            models.Index(fields=["status", "found_on"], name="fs_notice_public"),
            models.Index(fields=["station", "status", "due_at"], name="fs_notice_station"),
        ]

    def __str__(self):
        return f"寻亲公告 {self.public_code}"


# ---- The public portal's forms (issue #19: missing-report form, photo search, tips) ------------------------

class TipStatus(models.TextChoices):
    NEW = "new", "待处理"
    HANDLED = "handled", "已处理"


class NoticeTip(models.Model):
    """提供线索: what a member of the public tells the station about a published notice (I know this person, I
    saw them at …), with an optional name and phone to call back. The phone is kept encrypted and shown only on
    the station's tip list (audited). Scoped by the notice's station."""

    notice = models.ForeignKey(FamilyNotice, on_delete=models.PROTECT, related_name="tips",
                               verbose_name="寻亲公告")
    text = models.TextField("线索内容", max_length=1000)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone_cipher = models.TextField(blank=True)
    contact_phone_last4 = models.CharField(max_length=4, blank=True)
    status = models.CharField("状态", max_length=10, choices=TipStatus.choices, default=TipStatus.NEW)
    client_hash = models.CharField(max_length=64)  # core.ratelimit
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False, verbose_name="处理人")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_note = models.CharField("处理情况", max_length=300, blank=True)

    class Meta:
        verbose_name = "寻亲线索"
        verbose_name_plural = "寻亲线索"
        indexes = [
            # the station's list and its work-list count: new tips of a notice, newest first
            models.Index(fields=["notice", "status", "-created_at"], name="fs_tip_notice_status"),
            # the portal's rate limit
            models.Index(fields=["client_hash", "created_at"], name="fs_tip_client"),
        ]
        constraints = [
            models.CheckConstraint(name="fs_tip_handled_has_when",
                                   condition=~models.Q(status="handled") | models.Q(handled_at__isnull=False)),
        ]

    def __str__(self):
        return f"寻亲线索 #{self.pk}"
# ---- Geo-targeted push (定向推送) of published notices: push_models.py, kept apart so this file stays readable --
from jiuzhu.familysearch.push_models import (  # noqa: E402,F401 - Django finds models through this module
    PushAttempt,
    PushDelivery,
    PushSubscriber,
)

# ---- DNA referral (DNA 比对), issue #19 ------------------------------------------------------------------

DNA_DUE_WORKING_DAYS = 7  # the 2015 意见 and the campaign (seed 003): reported to police within 7 working days


class DnaStatus(models.TextChoices):
    REQUESTED = "requested", "已报请公安机关采血"
    COLLECTED = "collected", "已采血送检"
    RESULT = "result", "已反馈比对结果"


class DnaResult(models.TextChoices):
    PENDING = "pending", "待反馈"
    MATCHED = "matched", "比中"
    NO_MATCH = "no_match", "未比中"


class DnaReferral(models.Model):
    """DNA 比对: an unidentified client reported to the police for a blood sample, the collection (the police
    enter it in the 全国打拐DNA信息库, within a month of the report), and the comparison result they return.
    `due_on` is 7 working days after admission (core.workdays): the report and the collection should be done by
    then. Status moves requested → collected → result, never back; a result "no match" may be followed by a new
    referral (a resample), so a case may have several, at most one open."""

    case = models.ForeignKey("rescue.RescueCase", on_delete=models.PROTECT, related_name="+",
                             verbose_name="救助记录")
    status = models.CharField("状态", max_length=10, choices=DnaStatus.choices, default=DnaStatus.REQUESTED)
    requested_on = models.DateField("报请日期")
    due_on = models.DateField("采血送检期限")
    police_unit = models.CharField("公安机关（派出所）或采血单位", max_length=100)
    collected_on = models.DateField("采血日期", null=True, blank=True)
    sample_number = models.CharField("样本编号", max_length=40, blank=True)
    result = models.CharField("比对结果", max_length=10, choices=DnaResult.choices, default=DnaResult.PENDING)
    result_on = models.DateField("结果反馈日期", null=True, blank=True)
    matched_name = models.CharField("比中人员姓名", max_length=50, blank=True)  # entered by staff from the
    # police's answer; the identity itself is confirmed on the rescue record (身份查明) with the ID number
    note = models.CharField("备注", max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     db_index=False, verbose_name="报请人")
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False, verbose_name="采血登记人")
    result_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", db_index=False, verbose_name="结果登记人")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "DNA 比对"
        verbose_name_plural = "DNA 比对"
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status__in=["requested", "collected"]),
                                    name="fs_dna_one_open"),
            models.CheckConstraint(name="fs_dna_collected_has_sample",
                                   condition=models.Q(status="requested") | (models.Q(collected_on__isnull=False)
                                                                             & ~models.Q(sample_number=""))),
            models.CheckConstraint(name="fs_dna_result_decided",
                                   condition=~models.Q(status="result") | ~models.Q(result="pending")),
            models.CheckConstraint(name="fs_dna_matched_has_name",
                                   condition=~models.Q(result="matched") | ~models.Q(matched_name="")),
        ]
        indexes = [
            # the work list: open referrals past their deadline
            models.Index(fields=["status", "due_on"], name="fs_dna_status_due"),
        ]

    def __str__(self):
        return f"DNA 比对 #{self.pk}"
