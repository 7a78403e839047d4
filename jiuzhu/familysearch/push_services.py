"""Writes of geo-targeted push (定向推送): public subscription with confirmation (email: a link, SMS: a 6-digit
code), one-click unsubscribe, a partner's webhook registered by a station manager, and a station's "retry now".

The public form is limited per client address and per subscribed address (keyed hashes of both are kept, never
the addresses). Codes and link tokens are kept as keyed hashes; a code expires in 10 minutes and locks after 5
wrong tries. A new subscription for an address takes over from the old one only once it is confirmed, so nobody
can move or stop someone else's subscription without the address's owner."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError, clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.ratelimit import RateLimit
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.core.sms import PHONE, SmsError, send_sms
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus
from jiuzhu.familysearch.push_channels import public_url
from jiuzhu.familysearch.push_models import DeliveryStatus, PushChannel, PushDelivery, PushSubscriber, SubscriberKind
from jiuzhu.familysearch.push_sending import MAX_ATTEMPTS, OPEN
from jiuzhu.familysearch.push_targeting import region_point

NOTICE_SCOPE = {"region_field": "station__region", "organization_field": "station"}  # as rescue's CASE_SCOPE
PUBLIC_WINDOW = dt.timedelta(hours=1)
PER_CLIENT_PER_HOUR = 5  # subscriptions filed from one client address within the window
PER_ADDRESS_PER_HOUR = 3  # codes or links sent to one mailbox or number within the window
LIMITED = "提交过于频繁，请一小时后再试"
BY_CLIENT = RateLimit("push-client", PER_CLIENT_PER_HOUR, PUBLIC_WINDOW, LIMITED)  # core.ratelimit
BY_ADDRESS = RateLimit("push-address", PER_ADDRESS_PER_HOUR, PUBLIC_WINDOW, LIMITED)
CODE_TTL = dt.timedelta(minutes=10)
LINK_TTL = dt.timedelta(hours=24)
MAX_CODE_TRIES = 5
REPLACED = "已被同一联系方式的新订阅取代"


# ---- helpers ------------------------------------------------------------------------------------------------

def address_hash(channel: str, address: str) -> str:
    return keyed_hash(f"push:{channel}:{address}")


def client_hash(client_address: str | None) -> str:
    return BY_CLIENT.key(client_address)


def _secret_hash(kind: str, secret: str) -> str:
    return keyed_hash(f"push-{kind}:{secret}")


def _normalise(channel: str, address: str) -> tuple[str, str]:
    """(address, masked hint) or a Chinese error naming the field."""
    address = (address or "").strip()
    if channel == PushChannel.EMAIL:
        address = address.lower()
        try:
            validate_email(address)
        except ValidationError:
            raise invalid("电子邮箱格式不正确", "address") from None
        name, _, domain = address.partition("@")
        return address, f"{name[:1]}***@{domain}"[:80]
    if channel == PushChannel.SMS:
        address = address.replace(" ", "").replace("-", "")
        if not PHONE.match(address):
            raise invalid("手机号码格式不正确（应为 11 位手机号）", "address")
        return address, f"{address[:3]}****{address[-4:]}"
    if channel == PushChannel.WEBHOOK:
        try:
            URLValidator(schemes=["http", "https"])(address)
        except ValidationError:
            raise invalid("接口地址应为 http:// 或 https:// 开头的网址", "address") from None
        host = address.split("//", 1)[1].split("/", 1)[0]
        return address, f"{host}（接口）"[:80]
    raise invalid("请选择推送方式", "channel")


def _number(value, label: str, field: str, lo: float, hi: float) -> float | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise invalid(f"{label}应为数字", field) from None
    if not lo <= number <= hi:
        raise invalid(f"{label}应在 {lo:g} 至 {hi:g} 之间", field)
    return number


def _place(region: Region | None, latitude, longitude, radius_km) -> tuple[float, float, int]:
    radius = _number(radius_km, "推送半径（公里）", "radius_km", 1, 500)
    if radius is None or radius != int(radius):
        raise invalid("推送半径应为 1 至 500 之间的整数公里", "radius_km")
    lat = _number(latitude, "纬度", "latitude", -90, 90)
    lon = _number(longitude, "经度", "longitude", -180, 180)
    if (lat is None) != (lon is None):
        raise invalid("请同时填写纬度和经度", "latitude" if lat is None else "longitude")
    if lat is None:
        point = region_point(region) if region is not None else None
        if region is None:
            raise invalid("请填写关注的地区，或填写经纬度", "region")
        if point is None:
            raise invalid("这个地区没有中心点坐标，请填写经纬度", "region")
        lat, lon = point
    return lat, lon, int(radius)


# ---- the public side --------------------------------------------------------------------------------------

def push_subscribe(*, channel: str, address: str, radius_km, region: Region | None = None, latitude=None,
                   longitude=None, kind: str = "", client_address: str | None = None) -> PushSubscriber:
    """The public form: an email or SMS subscription, unconfirmed until its link or code comes back. Sends the
    link (email) or the code (SMS) after the row is saved."""
    if channel not in (PushChannel.EMAIL, PushChannel.SMS):
        raise invalid("请选择电子邮件或短信", "channel")
    if channel == PushChannel.EMAIL and not settings.PUSH_EMAIL_ENABLED:
        raise invalid("暂未开通邮件订阅，请选择短信", "channel")
    address, hint = _normalise(channel, address)
    lat, lon, radius = _place(region, latitude, longitude, radius_km)
    if kind and kind not in SubscriberKind.values:
        raise invalid("请选择身份", "kind")
    by_client, by_address = client_hash(client_address), address_hash(channel, address)
    BY_CLIENT.check(PushSubscriber.objects, key=by_client)
    BY_ADDRESS.check(PushSubscriber.objects, key=by_address, key_field="address_hash")
    secret = f"{secrets.randbelow(10**6):06d}" if channel == PushChannel.SMS else secrets.token_urlsafe(24)
    ttl = CODE_TTL if channel == PushChannel.SMS else LINK_TTL
    with transaction.atomic():
        subscriber = PushSubscriber.objects.create(
            channel=channel, address_cipher=encrypt_text(address), address_hash=by_address, address_hint=hint,
            region=region, latitude=lat, longitude=lon, radius_km=radius, kind=kind,
            confirm_hash=_secret_hash(channel, secret), confirm_expires_at=timezone.now() + ttl,
            unsubscribe_token=secrets.token_urlsafe(32), client_hash=by_client)
        record_event(kind=FamilySearchEvent.PUSH_SUBSCRIBED, subject=subscriber, region=region,
                     summary=f"订阅寻亲公告推送（{subscriber.get_channel_display()}，{radius} 公里）",
                     payload={"channel": channel, "radius_km": radius})
    _send_confirmation(subscriber, address, secret)
    return subscriber


def _send_confirmation(subscriber: PushSubscriber, address: str, secret: str) -> None:
    if subscriber.channel == PushChannel.SMS:
        try:
            send_sms(phone=address, text=f"寻亲公告推送订阅验证码：{secret}，10分钟内有效。如非本人操作请忽略。")
        except SmsError as exc:
            raise DomainError(f"验证码发送失败：{exc}，请稍后重试",
                              code="send_failed", field="address") from exc
        return
    link = public_url(reverse("xunqin_push:confirm_link", args=[secret]))
    try:
        send_mail("请确认订阅寻亲公告推送",
                  f"您（或他人用您的邮箱）订阅了寻亲公告定向推送，推送半径 {subscriber.radius_km} 公里。\n"
                  f"请在 24 小时内打开下面的链接确认：\n{link}\n\n如非本人操作，请忽略本邮件，不会收到任何推送。",
                  None, [address])
    except Exception as exc:  # SMTP and socket errors: the subscriber tries again later
        raise DomainError("确认邮件发送失败，请稍后重试", code="send_failed", field="address") from exc


def _confirm(subscriber: PushSubscriber, *, actor=None) -> PushSubscriber:
    """Makes the subscription live; an older live one for the same address is replaced (its open deliveries
    given up)."""
    now = timezone.now()
    older = PushSubscriber.objects.filter(channel=subscriber.channel, address_hash=subscriber.address_hash,
                                          active=True, confirmed=True).exclude(pk=subscriber.pk)
    PushDelivery.objects.filter(subscriber__in=older, status__in=OPEN).update(
        status=DeliveryStatus.GAVE_UP, last_error=REPLACED)
    older.update(active=False, unsubscribed_at=now)
    subscriber.confirmed, subscriber.confirmed_at, subscriber.confirm_expires_at = True, now, None
    subscriber.confirmed_by = actor
    subscriber.save(update_fields=["confirmed", "confirmed_at", "confirm_expires_at", "confirmed_by"])
    record_event(kind=FamilySearchEvent.PUSH_CONFIRMED, subject=subscriber, actor=actor, region=subscriber.region,
                 summary="寻亲公告推送订阅已确认", payload={"channel": subscriber.channel})
    return subscriber


def push_confirm_code(*, subscriber_id: int, code: str) -> PushSubscriber:
    """The SMS code typed on the page (the session names the subscription)."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise invalid("请输入短信中的 6 位验证码", "code")
    with transaction.atomic():
        subscriber = (PushSubscriber.objects.select_for_update()
                      .filter(pk=subscriber_id, channel=PushChannel.SMS, active=True).first())
        if subscriber is None:
            raise invalid("订阅不存在，请重新订阅", "code")
        if subscriber.confirmed:
            return subscriber
        if subscriber.confirm_tries >= MAX_CODE_TRIES:
            raise invalid("验证码错误次数过多，请重新订阅", "code")
        if subscriber.confirm_expires_at is None or subscriber.confirm_expires_at < timezone.now():
            raise invalid("验证码已过期，请重新订阅", "code")
        if hmac.compare_digest(subscriber.confirm_hash, _secret_hash(PushChannel.SMS, code)):
            return _confirm(subscriber)
        subscriber.confirm_tries += 1
        subscriber.save(update_fields=["confirm_tries"])  # kept: the error below is raised after the commit
    left = MAX_CODE_TRIES - subscriber.confirm_tries
    raise invalid(f"验证码不正确，还可以再试 {left} 次" if left else "验证码错误次数过多，请重新订阅", "code")


def push_confirm_link(*, token: str) -> PushSubscriber:
    """The link in the confirmation email (POSTed from its page). Idempotent: a confirmed one stays confirmed."""
    with transaction.atomic():
        subscriber = (PushSubscriber.objects.select_for_update()
                      .filter(confirm_hash=_secret_hash(PushChannel.EMAIL, token or ""), channel=PushChannel.EMAIL,
                              active=True).first())
        if subscriber is None:
            raise Http404("链接无效")
        if subscriber.confirmed:
            return subscriber
        if subscriber.confirm_expires_at is None or subscriber.confirm_expires_at < timezone.now():
            raise refused("确认链接已过期，请重新订阅")
        return _confirm(subscriber)


def subscriber_by_unsubscribe_token(token: str) -> PushSubscriber:
    subscriber = PushSubscriber.objects.filter(unsubscribe_token=token or "-").first()
    if subscriber is None:
        raise Http404("退订链接无效")
    return subscriber


def push_unsubscribe(*, token: str) -> PushSubscriber:
    """One click: no more deliveries, the open ones given up. Idempotent: a second click changes nothing."""
    with transaction.atomic():
        subscriber = PushSubscriber.objects.select_for_update().filter(unsubscribe_token=token or "-").first()
        if subscriber is None:
            raise Http404("退订链接无效")
        if not subscriber.active:
            return subscriber
        subscriber.active, subscriber.unsubscribed_at = False, timezone.now()
        subscriber.save(update_fields=["active", "unsubscribed_at"])
        PushDelivery.objects.filter(subscriber=subscriber, status__in=OPEN).update(
            status=DeliveryStatus.GAVE_UP, last_error="订阅已退订")
        record_event(kind=FamilySearchEvent.PUSH_UNSUBSCRIBED, subject=subscriber, region=subscriber.region,
                     summary="寻亲公告推送已退订", payload={"channel": subscriber.channel})
    return subscriber


# ---- the station side -------------------------------------------------------------------------------------

def push_webhook_register(*, actor, url: str, radius_km, region: Region | None = None, latitude=None,
                          longitude=None) -> PushSubscriber:
    """A partner platform's webhook, registered (and so confirmed) by a station manager: a public form never
    makes the server POST to an address someone typed."""
    require(actor, Capability.APPROVE_RESCUE)
    address, hint = _normalise(PushChannel.WEBHOOK, url)
    lat, lon, radius = _place(region, latitude, longitude, radius_km)
    with transaction.atomic():
        subscriber = PushSubscriber.objects.create(
            channel=PushChannel.WEBHOOK, address_cipher=encrypt_text(address),
            address_hash=address_hash(PushChannel.WEBHOOK, address), address_hint=hint, region=region, latitude=lat,
            longitude=lon, radius_km=radius, unsubscribe_token=secrets.token_urlsafe(32))
        record_event(kind=FamilySearchEvent.PUSH_SUBSCRIBED, subject=subscriber, actor=actor, region=region,
                     summary=f"登记合作平台推送接口 {hint}",
                     payload={"channel": PushChannel.WEBHOOK, "radius_km": radius})
        audit_change(AuditAction.CREATE, actor, subscriber, changes={"channel": "webhook", "address": hint})
        return _confirm(subscriber, actor=actor)


def subscriber_confirm_by_staff(*, actor, subscriber: PushSubscriber, note: str) -> PushSubscriber:
    """A station manager confirms an email or SMS subscription in their jurisdiction (the subscriber's address
    checked another way, e.g. by phone; the demo's example addresses), instead of the link or code: audited with
    the note saying how, and the confirmation records the manager. Idempotent: a confirmed one stays as it is."""
    require(actor, Capability.APPROVE_RESCUE)
    note = clean_text(note, "核实方式", "note", 200, required=True, join_lines=True)
    with transaction.atomic():
        subscriber = get_scoped_or_404(PushSubscriber.objects.select_for_update(of=("self",)), actor,
                                       scope={"region_field": "region"}, pk=subscriber.pk)
        if subscriber.channel not in (PushChannel.EMAIL, PushChannel.SMS):
            raise refused("合作平台接口在登记时已确认")
        if not subscriber.active:
            raise refused("该订阅已退订或已被新的订阅取代")
        if subscriber.confirmed:
            return subscriber
        audit_change(AuditAction.UPDATE, actor, subscriber,
                     changes={"confirmed": True, "confirmed_by": "staff", "note": note})
        return _confirm(subscriber, actor=actor)


def require_push_page(actor) -> None:
    """The station's push pages and retry: a station worker (RESCUE_CASES) or manager (APPROVE_RESCUE)."""
    if not (can(actor, Capability.APPROVE_RESCUE) or can(actor, Capability.RESCUE_CASES)):
        raise PermissionDenied(f"您没有“{Capability.RESCUE_CASES.label}”的权限")


def push_retry_now(*, actor, notice_id: int) -> int:
    """重新推送: the notice's failed deliveries are due now; those given up after every attempt get one more try.
    Deliveries stopped by an unsubscription are never retried. Returns how many."""
    require_push_page(actor)
    with transaction.atomic():
        notice = get_scoped_or_404(FamilyNotice.objects.select_for_update(), actor, scope=NOTICE_SCOPE, pk=notice_id)
        if notice.status != NoticeStatus.PUBLISHED:
            raise refused("公告不在发布状态，不再推送")
        now = timezone.now()
        retried = PushDelivery.objects.filter(notice=notice, status=DeliveryStatus.FAILED).update(next_try_at=now)
        retried += PushDelivery.objects.filter(notice=notice, status=DeliveryStatus.GAVE_UP,
                                               attempts__gte=MAX_ATTEMPTS, subscriber__active=True).update(
            status=DeliveryStatus.FAILED, next_try_at=now)
        if not retried:
            raise refused("没有需要重新推送的记录")
        record_event(kind=FamilySearchEvent.PUSH_RETRIED, subject=notice, actor=actor, region=notice.region,
                     summary=f"寻亲公告{notice.public_code}：重新推送 {retried} 条", payload={"deliveries": retried})
        audit_change(AuditAction.UPDATE, actor, notice, changes={"push_retry": retried})
        from jiuzhu.familysearch.tasks import push_send_due

        transaction.on_commit(lambda: push_send_due.enqueue())
    return retried
