"""Sending push deliveries (the task push_send_due, every minute and right after targeting): each due delivery is
claimed, sent through its channel (push_channels), its attempt logged (PushAttempt), and on failure retried with
backoff: 5 minutes, 30 minutes, 2 hours, then given up after the 4th attempt. A subscriber who unsubscribed, or a
notice withdrawn, is never sent to: their open deliveries are given up first, and each is checked again after it
is claimed."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jiuzhu.core.crypto import decrypt_text
from jiuzhu.familysearch.models import NoticeStatus
from jiuzhu.familysearch.push_channels import CHANNELS, PushFailed, message_for, public_url
from jiuzhu.familysearch.push_models import DeliveryStatus, PushAttempt, PushDelivery

log = logging.getLogger(__name__)

BACKOFF = (dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=10)  # a claimed delivery is not due again for this long (a worker died mid-send)
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
UNSUBSCRIBED = "订阅已退订"
WITHDRAWN = "公告已撤回"


def give_up_stopped() -> int:
    """Open deliveries whose subscriber is no longer live or whose notice is no longer published: given up, set-
    based (two UPDATEs)."""
    gone = PushDelivery.objects.filter(status__in=OPEN, subscriber__active=False).update(
        status=DeliveryStatus.GAVE_UP, last_error=UNSUBSCRIBED)
    return gone + PushDelivery.objects.filter(status__in=OPEN).exclude(
        notice__status=NoticeStatus.PUBLISHED).update(status=DeliveryStatus.GAVE_UP, last_error=WITHDRAWN)


def unsubscribe_url(token: str) -> str:
    return public_url(reverse("xunqin_push:unsubscribe", args=[token]))


def _claim(pk: int, due_at: dt.datetime, now: dt.datetime) -> bool:
    """One worker wins a delivery: the update matches only while it is still open and due as read."""
    return PushDelivery.objects.filter(pk=pk, status__in=OPEN, next_try_at=due_at).update(
        next_try_at=now + LEASE) == 1


def _attempt(delivery: PushDelivery, now: dt.datetime) -> str:
    subscriber, notice = delivery.subscriber, delivery.notice
    if not subscriber.active or notice.status != NoticeStatus.PUBLISHED:  # changed after the claim
        PushDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.GAVE_UP, last_error=UNSUBSCRIBED if not subscriber.active else WITHDRAWN)
        return DeliveryStatus.GAVE_UP
    number = delivery.attempts + 1
    try:
        message = message_for(notice, unsubscribe_url=unsubscribe_url(subscriber.unsubscribe_token))
        CHANNELS[subscriber.channel].send(address=decrypt_text(subscriber.address_cipher), message=message)
        error = ""
    except PushFailed as exc:
        error = exc.reason
    except Exception as exc:  # a bug must not stop the batch nor retry forever: it counts as a failed attempt
        log.exception("push delivery %s failed", delivery.pk)
        error = f"系统错误：{type(exc).__name__}"
    tried_at = timezone.now()
    if not error:
        status, fields = DeliveryStatus.SENT, {"sent_at": tried_at, "last_error": ""}
    elif number >= MAX_ATTEMPTS:
        status, fields = DeliveryStatus.GAVE_UP, {"last_error": error}
    else:
        status, fields = DeliveryStatus.FAILED, {"last_error": error, "next_try_at": now + BACKOFF[number - 1]}
    with transaction.atomic():
        PushAttempt.objects.create(delivery=delivery, number=number, tried_at=tried_at, ok=not error, error=error)
        PushDelivery.objects.filter(pk=delivery.pk).update(status=status, attempts=number, **fields)
    return status


def send_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Sends up to `limit` due deliveries, oldest first. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"stopped": give_up_stopped(), "sent": 0, "failed": 0, "gave_up": 0}
    due = list(PushDelivery.objects.filter(status__in=OPEN, next_try_at__lte=now).order_by("next_try_at", "pk")
               .values_list("pk", "next_try_at")[:limit])
    for pk, due_at in due:
        if not _claim(pk, due_at, now):
            continue  # another worker has it
        delivery = PushDelivery.objects.select_related("subscriber", "notice__region", "notice__station").get(pk=pk)
        counts[_attempt(delivery, now)] += 1
    return counts
