"""Geo-targeted push (定向推送, issue #19): who wants published notices of a place (subscribers), and each push of a
notice revision to one subscriber (deliveries) with its attempts. Imported by models.py (Django's model module).

A subscriber's contact address (mailbox, mobile number, partner's webhook URL) is personal data: stored encrypted
(core.crypto) with a keyed hash beside it for "one active subscription per address" and the per-address rate
limit; pages show only `address_hint` (masked). Every subscriber has a point (WGS-84): typed coordinates, or the
centroid of the region chosen, so targeting is one numeric query whatever way the place was given."""

from django.conf import settings
from django.db import models

from jiuzhu.core.models import Region


class PushChannel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WEBHOOK = "webhook", "合作平台接口（Webhook）"


class SubscriberKind(models.TextChoices):
    VOLUNTEER = "volunteer", "志愿者"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    PUBLIC = "public", "热心群众"


class PushSubscriber(models.Model):
    """One subscription: a channel and address, a circle (point + radius) and who the subscriber is. Deliveries go
    only to active and confirmed subscribers (email and SMS confirm by a link or a code sent to the address; a
    webhook is registered by a station user and so confirmed by them)."""

    channel = models.CharField("推送方式", max_length=10, choices=PushChannel.choices)
    address_cipher = models.TextField()  # core.crypto.encrypt_text of the normalised address
    address_hash = models.CharField(max_length=64, db_index=True)  # keyed_hash("<channel>:<address>")
    address_hint = models.CharField("联系方式（脱敏）", max_length=80)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="关注地区")
    latitude = models.FloatField("纬度")  # WGS-84; the region's centroid when only a region was given
    longitude = models.FloatField("经度")
    radius_km = models.PositiveSmallIntegerField("推送半径（公里）")
    kind = models.CharField("身份", max_length=20, choices=SubscriberKind.choices, blank=True)
    active = models.BooleanField("有效", default=True)
    confirmed = models.BooleanField("已确认", default=False)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False)  # a webhook's registering station user
    # The pending confirmation: keyed hash of the code or link token, its expiry, and wrong tries so far.
    confirm_hash = models.CharField(max_length=64, blank=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    confirm_tries = models.PositiveSmallIntegerField(default=0)
    unsubscribe_token = models.CharField(max_length=64, unique=True)  # secrets.token_urlsafe: the one-click link
    unsubscribed_at = models.DateTimeField("退订时间", null=True, blank=True)
    client_hash = models.CharField(max_length=64, blank=True)  # keyed hash of the public form's client address
    created_at = models.DateTimeField("订阅时间", auto_now_add=True)

    class Meta:
        verbose_name = "定向推送订阅"
        verbose_name_plural = "定向推送订阅"
        constraints = [
            models.CheckConstraint(name="fs_push_radius_range",
                                   condition=models.Q(radius_km__gte=1, radius_km__lte=500)),
            models.CheckConstraint(name="fs_push_point_range",
                                   condition=models.Q(latitude__gte=-90, latitude__lte=90,
                                                      longitude__gte=-180, longitude__lte=180)),
            # one live subscription per address and channel: a new one replaces the old when it is confirmed
            models.UniqueConstraint(fields=["channel", "address_hash"], name="fs_push_one_live_per_address",
                                    condition=models.Q(active=True, confirmed=True)),
        ]
        indexes = [
            # targeting: the bounding-box prefilter over live subscribers
            models.Index(fields=["latitude", "longitude"], name="fs_push_live_point",
                         condition=models.Q(active=True, confirmed=True)),
            # the public form's rate limit per client address
            models.Index(fields=["client_hash", "created_at"], name="fs_push_client_recent"),
        ]

    def __str__(self):
        return f"推送订阅 #{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败（将重试）"
    GAVE_UP = "gave_up", "已放弃"


class PushDelivery(models.Model):
    """One push of one notice revision to one subscriber. Unique per (notice, revision, subscriber): targeting the
    same publication again writes nothing, so nobody gets the same notice twice; a monthly refresh (a new
    revision) is pushed again."""

    notice = models.ForeignKey("familysearch.FamilyNotice", on_delete=models.PROTECT, related_name="+",
                               verbose_name="寻亲公告")
    revision = models.PositiveSmallIntegerField("发布次数")
    subscriber = models.ForeignKey(PushSubscriber, on_delete=models.PROTECT, related_name="deliveries",
                                   verbose_name="订阅")
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_try_at = models.DateTimeField("下次发送时间")
    last_error = models.CharField("最近一次失败原因", max_length=300, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        constraints = [
            models.UniqueConstraint(fields=["notice", "revision", "subscriber"], name="fs_push_once_per_revision"),
        ]
        indexes = [
            # the sender: deliveries due now, oldest first (only pending and failed ones are ever due)
            models.Index(fields=["next_try_at"], name="fs_push_due",
                         condition=models.Q(status__in=["pending", "failed"])),
            # the station page: one notice's deliveries by status
            models.Index(fields=["notice", "status"], name="fs_push_notice_status"),
        ]

    def __str__(self):
        return f"推送记录 #{self.pk}"


class PushAttempt(models.Model):
    """每次发送尝试的日志: when, whether it went, and the channel's reason when not."""

    delivery = models.ForeignKey(PushDelivery, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveSmallIntegerField("第几次")
    tried_at = models.DateTimeField("尝试时间")
    ok = models.BooleanField("成功")
    error = models.CharField("失败原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "推送尝试"
        verbose_name_plural = "推送尝试"

    def __str__(self):
        return f"推送尝试 #{self.pk}"
