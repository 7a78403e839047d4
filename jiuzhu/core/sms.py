"""Text messages (短信) through one interface, so services never know which gateway is behind it.

No SMS gateway is contracted yet. The backend is a setting (`SMS_BACKEND`, env `JIUZHU_SMS_BACKEND`): a dotted
path to a class with `send(phone: str, text: str) -> None` that raises `SmsError` when the gateway refuses. The
default, `OutboxBackend`, keeps the messages in memory (`outbox`, newest last) and logs that a message was
queued without the number or text, so tests and the demo can read what would have been sent, and production
plugs a real gateway in by setting one variable. Callers decide what a failure means (a verification code says
"请稍后重试", a push delivery is retried).

Verification codes (短信验证码) for public forms live here too: code_send, code_check, code_use over
core.models.PhoneCode (below)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from jiuzhu.core.crypto import keyed_hash
from jiuzhu.core.errors import invalid
from jiuzhu.core.ratelimit import RateLimit

if TYPE_CHECKING:
    from jiuzhu.core.models import PhoneCode

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


# ---- Verification codes (短信验证码) ----------------------------------------------------------------------
# A public form that takes a phone number first sends a code to it (code_send), then checks the code the person
# typed (code_check) and marks it used in the form's own transaction (code_use), so a form refused for another
# reason leaves the code valid for the corrected form. Limits per client address and per number (core.ratelimit;
# the limit names and the code hash's salt are those family search used, so codes sent before the move still
# count and still check).

CODE_TTL = dt.timedelta(minutes=10)
CODE_LIMIT = RateLimit("fs-code", 5, dt.timedelta(hours=1), "同一网络一小时内获取验证码的次数过多，请稍后再试")
# Keyed by the number (PhoneCode.phone_hash is this limit's key of the number): a stranger's phone is not flooded.
PHONE_LIMIT = RateLimit("fs-code-phone", 3, dt.timedelta(minutes=10), "该手机号码获取验证码过于频繁，请 10 分钟后再试")
NO_CODE = "请先获取验证码"
CODE_EXPIRED = "验证码已过期，请重新获取"
CODE_LOCKED = "验证码输入错误次数过多，已失效，请重新获取"
CODE_USED = "该验证码已使用，请重新获取"


def now() -> dt.datetime:
    return timezone.now()


def mobile_number(phone: str, field: str = "phone") -> str:
    """A mainland mobile number as typed (spaces and dashes dropped), else a Chinese error naming the field."""
    number = re.sub(r"[\s\-]", "", phone or "")
    if not number:
        raise invalid("请填写手机号码", field)
    if not PHONE.match(number):
        raise invalid("手机号码应为 11 位数字，以 1 开头", field)
    return number


def _code_hash(phone: str, code: str) -> str:
    return keyed_hash(f"fs-code:{phone}:{code}")


def code_send(*, phone: str, client_address: str | None, purpose: str, form_label: str,
              field: str = "phone") -> PhoneCode:
    """Sends a new 6-digit code to the mobile number for one purpose (the text names `form_label`, e.g. 寻亲登记).
    The newest code of a number is the one that counts; at most CODE_LIMIT codes an hour from one address and
    PHONE_LIMIT to one number. A gateway refusal stores nothing."""
    from django.db import transaction

    from jiuzhu.core.models import PhoneCode

    phone = mobile_number(phone, field)
    client = CODE_LIMIT.key(client_address)
    phone_hash = PHONE_LIMIT.key(phone)
    at = now()
    CODE_LIMIT.check(PhoneCode.objects, key=client, now=at)
    PHONE_LIMIT.check(PhoneCode.objects.filter(purpose=purpose), key=phone_hash, key_field="phone_hash", now=at)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    with transaction.atomic():
        row = PhoneCode.objects.create(purpose=purpose, phone_hash=phone_hash, code_hash=_code_hash(phone, code),
                                       client_hash=client, expires_at=at + CODE_TTL)
        try:
            send_sms(phone=phone, text=f"您的{form_label}验证码为 {code}，{CODE_TTL.seconds // 60} 分钟内有效。"
                                       "如非本人操作，请忽略本短信。")
        except SmsError as exc:  # the row goes with the transaction: a code never sent does not count
            raise invalid(f"验证码短信未能发出（{exc}），请稍后重试", field) from None
    return row


def code_check(*, phone: str, code: str, purpose: str, field: str = "phone") -> PhoneCode:
    """The number's newest code if `code` is it, not expired, not locked, not used. A wrong code counts one
    failure at once (its own statement, committed whatever the caller does next); the fifth locks it."""
    from django.db.models import F

    from jiuzhu.core.models import PhoneCode

    phone = mobile_number(phone, field)
    row = PhoneCode.objects.filter(purpose=purpose, phone_hash=PHONE_LIMIT.key(phone)) \
        .order_by("-created_at", "-pk").first()
    if row is None:
        raise invalid(NO_CODE, "code")
    if row.used_at is not None:
        raise invalid(CODE_USED, "code")
    if row.expires_at <= now():
        raise invalid(CODE_EXPIRED, "code")
    if row.failures >= PhoneCode.MAX_FAILURES:
        raise invalid(CODE_LOCKED, "code")
    given = re.sub(r"\s", "", code or "")
    if not given:
        raise invalid("请填写短信验证码", "code")
    if re.fullmatch(r"\d{6}", given) and hmac.compare_digest(row.code_hash, _code_hash(phone, given)):
        return row
    counted = PhoneCode.objects.filter(pk=row.pk, failures__lt=PhoneCode.MAX_FAILURES) \
        .update(failures=F("failures") + 1)
    left = PhoneCode.MAX_FAILURES - row.failures - 1
    if not counted or left <= 0:
        raise invalid(CODE_LOCKED, "code")
    raise invalid(f"验证码不正确，还可以再试 {left} 次", "code")


def code_use(row, at: dt.datetime | None = None) -> None:
    """Marks the code used, in the caller's transaction; refused if another request used it meanwhile."""
    from jiuzhu.core.models import PhoneCode

    at = at or now()
    if not PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True, failures__lt=PhoneCode.MAX_FAILURES,
                                    expires_at__gt=at).update(used_at=at):
        raise invalid(CODE_USED, "code")
