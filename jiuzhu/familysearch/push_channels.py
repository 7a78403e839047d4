"""The channels a notice is pushed through, behind one interface: `CHANNELS[channel].send(address=…, message=…)`
raises `PushFailed` (a Chinese reason, kept on the delivery) when the message did not go; anything else is a bug.

- email: Django's mail (settings.EMAIL_BACKEND: console in development, SMTP in production, locmem in tests);
- sms: core.sms.send_sms (one gateway interface for the whole project);
- webhook: an HTTP POST of the notice's public JSON to a partner platform's URL, with a timeout.

The message (`PushMessage`) carries only the notice's public fields (`public_notice`: what the portal page and
the feed show, never an ID number, an address or client record data), the public link and the one-click
unsubscribe link."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail

from jiuzhu.core.sms import SmsError, send_sms


class PushFailed(Exception):
    """The channel did not deliver; `reason` is Chinese and safe to show to station staff."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:300]


# The notice fields a subscriber may see: the portal's public snapshot. Nothing else of the notice, the rescue
# record or the client is ever put in a message.
PUBLIC_FIELDS = ("public_code", "title", "stated_name", "estimated_age", "height_cm", "ethnicity", "accent",
                 "health", "features", "clothing", "found_place", "contact_phone", "revision")


def public_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def notice_path(public_code: str) -> str:
    """The portal page of a published notice (public_urls.py of the notices part: /xunqin/n/<public_code>/)."""
    return f"/xunqin/n/{public_code}/"


def public_notice(notice) -> dict:
    """The notice as partner platforms and the feed see it: the public snapshot, labels instead of codes."""
    data = {name: getattr(notice, name) for name in PUBLIC_FIELDS}
    data.update({
        "sex": notice.get_sex_display(),
        "build": notice.get_build_display() if notice.build else "",
        "found_on": notice.found_on.isoformat(),
        "found_region": notice.region.full_name,
        "station": notice.station.name,
        "published_at": notice.published_at.isoformat() if notice.published_at else None,
        "url": public_url(notice_path(notice.public_code)),
    })
    return data


@dataclass(frozen=True)
class PushMessage:
    subject: str
    text: str  # the whole message for email; SMS sends `short`
    short: str
    payload: dict = field(default_factory=dict)  # the webhook body


def message_for(notice, *, unsubscribe_url: str) -> PushMessage:
    data = public_notice(notice)
    age = f"约{notice.estimated_age}岁" if notice.estimated_age else "年龄不详"
    who = f"{data['sex']}，{age}"
    # the drafted place is often the region's own name: say it once
    place = notice.found_place if notice.found_place.startswith(data["found_region"]) \
        else data["found_region"] + notice.found_place
    lines = [f"寻亲公告：{notice.title}", f"{who}，{notice.found_on:%Y年%m月%d日}在{place}被发现，"
             f"现由{data['station']}救助。"]
    for label, value in (("体貌特征", notice.features), ("衣着", notice.clothing), ("口音", notice.accent)):
        if value:
            lines.append(f"{label}：{value}")
    lines.append("如您认识此人，请查看公告并与救助管理站联系：" + data["url"])
    if notice.contact_phone:
        lines.append(f"联系电话：{notice.contact_phone}")
    lines += ["", "您收到这条消息，是因为订阅了这一地区的寻亲公告推送。退订（一键）：" + unsubscribe_url]
    short = (f"【寻亲公告】{who}，{notice.found_on:%m月%d日}在{data['found_region']}被发现，"
             f"如认识请查看 {data['url']} 退订 {unsubscribe_url}")
    return PushMessage(subject=f"寻亲公告：{notice.title}", text="\n".join(lines),
                       short=short, payload={"kind": "family_notice", "notice": data,
                                             "unsubscribe_url": unsubscribe_url})


class EmailChannel:
    def send(self, *, address: str, message: PushMessage) -> None:
        if not settings.PUSH_EMAIL_ENABLED:  # switched off (production without a mail server): retried, then 推送失败
            raise PushFailed("邮件推送未开通")
        try:
            sent = send_mail(message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception as exc:  # SMTP and socket errors: the reason is kept, the delivery retried
            raise PushFailed(f"邮件发送失败：{type(exc).__name__}") from exc
        if not sent:
            raise PushFailed("邮件服务器未接收")


class SmsChannel:
    def send(self, *, address: str, message: PushMessage) -> None:
        try:
            send_sms(phone=address, text=message.short)
        except SmsError as exc:
            raise PushFailed(f"短信发送失败：{exc}") from exc


class WebhookChannel:
    def send(self, *, address: str, message: PushMessage) -> None:
        if not address.startswith(("http://", "https://")):  # registration checks it; never file: or others
            raise PushFailed("接口地址不是 http(s) 网址")
        body = json.dumps(message.payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(address, data=body, method="POST", headers={  # noqa: S310 - checked above
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "jiuzhu-push/1"})
        try:
            with urllib.request.urlopen(request, timeout=settings.PUSH_WEBHOOK_TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise PushFailed(f"对方接口返回 {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PushFailed(f"无法连接对方接口：{getattr(exc, 'reason', exc)}") from exc
        if not 200 <= status < 300:
            raise PushFailed(f"对方接口返回 {status}")


CHANNELS = {"email": EmailChannel(), "sms": SmsChannel(), "webhook": WebhookChannel()}
