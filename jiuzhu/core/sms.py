"""Text messages (短信) through one interface, so services never know which gateway is behind it.

No SMS gateway is contracted yet. The backend is a setting (`SMS_BACKEND`, env `JIUZHU_SMS_BACKEND`): a dotted
path to a class with `send(phone: str, text: str) -> None` that raises `SmsError` when the gateway refuses. The
default, `OutboxBackend`, keeps the messages in memory (`outbox`, newest last) and logs that a message was
queued without the number or text, so tests and the demo can read what would have been sent, and production
plugs a real gateway in by setting one variable. Callers decide what a failure means (a verification code says
"请稍后重试", a push delivery is retried)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
PHONE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers: the only ones a gateway texts


class SmsError(Exception):
    """The gateway refused or could not be reached; the message is Chinese and safe to show."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class OutboxBackend:
    """Keeps messages for reading back (tests, the demo). Bounded: an old message drops out after 1,000."""

    outbox: list[SmsMessage] = []

    def send(self, phone: str, text: str) -> None:
        type(self).outbox.append(SmsMessage(phone=phone, text=text))
        del type(self).outbox[:-1000]
        log.info("短信已放入发件箱（未接短信网关），尾号 %s", phone[-4:])


@lru_cache(maxsize=4)
def _backend(path: str):
    return import_string(path)()


def send_sms(*, phone: str, text: str) -> None:
    """Sends one text message; raises SmsError with a Chinese message when the number is not a mobile number
    or the gateway refuses."""
    if not PHONE.match(phone or ""):
        raise SmsError("手机号码格式不正确")
    _backend(getattr(settings, "SMS_BACKEND", "jiuzhu.core.sms.OutboxBackend")).send(phone, text[:300])


def last_message_to(phone: str) -> SmsMessage | None:
    """The newest message the outbox holds for a number (tests and the demo's code display)."""
    for message in reversed(OutboxBackend.outbox):
        if message.phone == phone:
            return message
    return None
