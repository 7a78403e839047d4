"""The public portal (not signed in): an online application with its signed authorisation (电子授权书), and the
applicant's progress check with the query code and the last four characters of the ID number.

- `online_apply` checks the applicant's name and ID number (check digit), then the signature: a PNG data URL
  drawn on the page's canvas, at most SIGNATURE_MAX_BYTES, checked to be a PNG by its bytes and kept through
  core/files (encrypted); then application_create(actor=None, channel=ONLINE, signature_file_key, authorised_at).
  If taking the application fails, the kept signature is removed again.
- `status_check` reveals nothing unless both the code and the four characters match, with the same message for
  either mistake; failed checks are counted per client address (its keyed hash, never the address) in
  PortalAttempt, in the database so every server process sees them: PORTAL_MAX_FAILURES within
  PORTAL_WINDOW, then a refusal in Chinese until the oldest failure leaves the window.
- `status_view` is what the applicant sees: each step in plain Chinese, from the application's own rows
  (items, one-time notices, referrals, decisions); no ID number, no name, nobody else's data."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import re
import struct
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from jiuzhu.core import files
from jiuzhu.core.crypto import decrypt_text, keyed_hash
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.intake.catalog import ITEM_BY_CODE
from jiuzhu.intake.models import (
    Application,
    ApplicationStatus,
    Channel,
    ItemStatus,
    PortalAttempt,
    Referral,
    ReferralResult,
    ReferralStatus,
)
from jiuzhu.intake.services import application_create, clean_id_number, invalid

SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PORTAL_MAX_FAILURES = 10
PORTAL_WINDOW = dt.timedelta(hours=1)
APPLY_MAX_PER_WINDOW = 5  # online applications from one client address within PORTAL_WINDOW
QUERY_CODE_RE = re.compile(r"\d{6,12}")
MAX_REGION_OPTIONS = 600

AUTHORISATION_TITLE = "家庭经济状况核对授权书"
AUTHORISATION_TEXT = (
    "本人自愿申请社会救助，并授权民政部门及其委托的居民家庭经济状况核对机构，"
    "向公安、人力资源社会保障、住房城乡建设、自然资源、市场监管、税务、医疗保障、金融机构等单位"
    "查询、核对本人及共同生活家庭成员的户籍、收入、财产和支出等信息，核对结果仅用于社会救助的审核确认。"
    "本人承诺所填信息真实、完整，如有隐瞒或虚报，愿意承担相应责任。"
)

NO_MATCH = "查询码或身份证号码后四位不正确，请核对后重新输入"
APPLY_LIMITED = "同一网络一小时内提交的申请过多，请稍后再试，或到乡镇（街道）窗口申请"
RATE_LIMITED = "查询失败次数过多，请一小时后再试；如需帮助，请拨打救助热线或到乡镇（街道）窗口咨询"


def cn_date(day: dt.date) -> str:
    """2027年1月10日: a date as a plain Chinese sentence writes it."""
    return f"{day.year}年{day.month}月{day.day}日"


# ---- Regions for a visitor (no jurisdiction: every township that has a service area) -------------------

def portal_townships() -> list[Region]:
    """Townships (streets) a visitor may choose, with their county for the option label."""
    townships = list(Region.objects.filter(level=RegionLevel.TOWNSHIP).select_related("parent")
                     .order_by("code")[:MAX_REGION_OPTIONS])
    for t in townships:
        t.option_label = f"{t.parent.name} {t.name}" if t.parent_id else t.name
    return townships


def portal_villages(township_code: str) -> list[Region]:
    if not township_code:
        return []
    return list(Region.objects.filter(level=RegionLevel.VILLAGE, parent__code=township_code,
                                      parent__level=RegionLevel.TOWNSHIP).order_by("code")[:MAX_REGION_OPTIONS])


def portal_region(township_code: str, village_code: str) -> Region | None:
    """The village chosen (when it lies in the chosen township), else the township; None when neither."""
    township = Region.objects.filter(level=RegionLevel.TOWNSHIP, code=(township_code or "").strip()).first()
    if township is None:
        return None
    village = Region.objects.filter(level=RegionLevel.VILLAGE, code=(village_code or "").strip(),
                                    parent=township).first()
    return village or township


# ---- The signed authorisation ----------------------------------------------------------------------------

def signature_png(data_url: str) -> bytes:
    """The PNG bytes of the canvas's data URL, or a Chinese error on the signature field."""
    text = (data_url or "").strip()
    if not text:
        raise invalid("请在授权书下方的签名框内手写签名后再提交", "signature")
    if len(text) > len(SIGNATURE_PREFIX) + (SIGNATURE_MAX_BYTES * 4 // 3) + 8:
        raise invalid(f"签名图片超过 {SIGNATURE_MAX_BYTES // 1024} KB，请清除后重新签名", "signature")
    if not text.startswith(SIGNATURE_PREFIX):
        raise invalid("签名格式不正确，请清除后重新签名", "signature")
    try:
        data = base64.b64decode(text[len(SIGNATURE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise invalid("签名格式不正确，请清除后重新签名", "signature") from None
    if len(data) > SIGNATURE_MAX_BYTES:
        raise invalid(f"签名图片超过 {SIGNATURE_MAX_BYTES // 1024} KB，请清除后重新签名", "signature")
    if not data.startswith(PNG_MAGIC) or len(data) < 33 or data[12:16] != b"IHDR":
        raise invalid("签名不是 PNG 图片，请清除后重新签名", "signature")
    width, height = struct.unpack(">II", data[16:24])
    if not (50 <= width <= 4000 and 30 <= height <= 4000):
        raise invalid("签名图片尺寸不正确，请清除后重新签名", "signature")
    return data


def online_apply(*, region: Region | None, applicant_name: str, applicant_id_number: str, applicant_phone: str,
                 address: str, items: list[str], circumstances: str, signature: str,
                 agreed: bool, client_address: str | None = None) -> Application:
    """An application from the public portal: waits for a window to accept it (status SUBMITTED). At most
    APPLY_MAX_PER_WINDOW applications an hour from one client address (PortalAttempt rows of purpose APPLY)."""
    client = client_key(client_address)
    now = timezone.now()
    if _failures(client, now, PortalAttempt.Purpose.APPLY).count() >= APPLY_MAX_PER_WINDOW:
        raise DomainError(APPLY_LIMITED, code="rate_limited")
    if not (applicant_name or "").strip():
        raise invalid("请填写申请人姓名", "applicant_name")
    clean_id_number(applicant_id_number)
    if not agreed:
        raise invalid("请阅读并同意家庭经济状况核对授权书", "agreed")
    png = signature_png(signature)
    key = files.stored_file_save(data=png)
    try:
        with transaction.atomic():
            application = application_create(
                actor=None, channel=Channel.ONLINE, region=region, applicant_name=applicant_name,
                applicant_id_number=applicant_id_number, items=items, circumstances=circumstances,
                applicant_phone=applicant_phone, address=address, signature_file_key=key,
                authorised_at=timezone.now())
            PortalAttempt.objects.create(purpose=PortalAttempt.Purpose.APPLY, client_hash=client, at=now)
            return application
    except BaseException:
        files.stored_file_delete(key)
        raise


# ---- The progress check -------------------------------------------------------------------------------------

def client_key(address: str | None) -> str:
    return keyed_hash(f"portal:{address or '-'}")


def _failures(client: str, now: dt.datetime, purpose: str = PortalAttempt.Purpose.STATUS):
    return PortalAttempt.objects.filter(purpose=purpose, client_hash=client, at__gt=now - PORTAL_WINDOW)


def status_check(*, client_address: str | None, query_code: str, id_last4: str) -> Application:
    """The application whose code and ID number's last four characters both match; else DomainError with
    one message for either mistake (code "not_found"), or the refusal once the address failed too often
    (code "rate_limited"). A failure is recorded before anything is compared, so parallel guesses count too."""
    now = timezone.now()
    client = client_key(client_address)
    if _failures(client, now).count() >= PORTAL_MAX_FAILURES:
        raise DomainError(RATE_LIMITED, code="rate_limited")
    attempt = PortalAttempt.objects.create(purpose=PortalAttempt.Purpose.STATUS, client_hash=client, at=now)
    if _failures(client, now).filter(pk__lte=attempt.pk).count() > PORTAL_MAX_FAILURES:
        attempt.delete()
        raise DomainError(RATE_LIMITED, code="rate_limited")
    code = re.sub(r"\s", "", query_code or "")
    digits = re.sub(r"\s", "", id_last4 or "").upper()
    application = None
    if QUERY_CODE_RE.fullmatch(code) and re.fullmatch(r"\d{3}[\dX]", digits):
        application = Application.objects.filter(query_code=code).first()
    expected = decrypt_text(application.applicant_id_cipher)[-4:].upper() if application else "----"
    if application is None or not hmac.compare_digest(expected, digits):
        PortalAttempt.objects.filter(at__lt=now - PORTAL_WINDOW).delete()  # the window's old rows
        raise DomainError(NO_MATCH, code="not_found")
    attempt.delete()  # a match is not a failure
    return application


@dataclass
class Step:
    at: dt.datetime | dt.date | None
    text: str


@dataclass
class ItemProgress:
    name: str
    status: str
    steps: list[Step] = field(default_factory=list)


@dataclass
class StatusView:
    query_code: str
    status: str
    submitted_at: dt.datetime
    due_date: dt.date | None
    due_label: str  # 受理期限 while waiting for a window, then 办理期限
    steps: list[Step]
    items: list[ItemProgress]
    open: bool


def _referral_steps(referral: Referral) -> list[Step]:
    org = referral.organization.name
    steps = [Step(referral.sent_at, f"转交{org}办理，办理期限 {cn_date(referral.due_date)}")]
    if referral.accepted_at:
        steps.append(Step(referral.accepted_at, f"{org}已接收，正在办理"))
    if referral.status == ReferralStatus.RETURNED and referral.returned_at:
        steps.append(Step(referral.returned_at, f"{org}退回窗口重新处理" +
                          (f"，理由：{referral.return_reason}" if referral.return_reason else "")))
    if referral.status == ReferralStatus.COMPLETED and referral.completed_at:
        result = ""
        if referral.result == ReferralResult.GRANTED:
            result = "，给予救助" + (f" {referral.amount} 元" if referral.amount is not None else "")
        elif referral.result == ReferralResult.REFUSED:
            result = "，不予救助" + (f"，理由：{referral.outcome}" if referral.outcome else "")
        steps.append(Step(referral.completed_at, f"{org}已办结{result}"))
    return steps


def status_view(application: Application) -> StatusView:
    """Each step in plain Chinese, from the application's rows (no person data)."""
    a = application
    steps = [Step(a.submitted_at, f"已收到您的申请（{Channel(a.channel).label}）")]
    if a.accepted_at and a.channel not in (Channel.WINDOW, Channel.HOTLINE):
        steps.append(Step(a.accepted_at, "乡镇（街道）窗口已受理您的申请"))
    elif a.accepted_at:
        steps.append(Step(a.accepted_at, "窗口已受理"))
    for notice in a.notices.order_by("issued_at", "pk"):
        names = "、".join(dict.fromkeys(m.get("name", "") for m in notice.missing if m.get("name"))) or "无"
        steps.append(Step(notice.issued_at, f"已出具一次性告知书（{notice.number}），请于 "
                                            f"{cn_date(notice.complete_by)} 前补齐：{names}"))
    if a.status == ApplicationStatus.NOT_ACCEPTED:
        steps.append(Step(a.closed_at, "不予受理" + (f"，理由：{a.refusal_reason}" if a.refusal_reason else "")))
    elif a.status == ApplicationStatus.WITHDRAWN:
        steps.append(Step(a.closed_at, "申请已撤回"))
    elif a.status == ApplicationStatus.COMPLETED:
        steps.append(Step(a.closed_at, "已办结" + (f"：{a.outcome_note}" if a.outcome_note else "")))

    items = []
    referrals: dict[int, list[Referral]] = {}
    for r in Referral.objects.filter(application_item__application=a).select_related("organization")\
            .order_by("sent_at", "pk"):
        referrals.setdefault(r.application_item_id, []).append(r)
    for item in a.items.order_by("pk"):
        progress = ItemProgress(name=ITEM_BY_CODE[item.item].name if item.item in ITEM_BY_CODE else item.item,
                                status=ItemStatus(item.status).label)
        for r in referrals.get(item.pk, []):
            progress.steps += _referral_steps(r)
        if item.status == ItemStatus.PROPOSED:
            progress.steps.append(Step(item.proposed_at, "乡镇（街道）已提出初审意见，等待县级审核确认"))
        elif item.status == ItemStatus.GRANTED:
            progress.steps.append(Step(item.decided_at, "给予救助" +
                                       (f"，金额 {item.amount} 元" if item.amount is not None else "")
                                       + (f"（{item.outcome}）" if item.outcome else "")))
        elif item.status == ItemStatus.REFUSED:
            progress.steps.append(Step(item.decided_at, "不予救助，理由：" + (item.refusal_reason or "见书面通知")))
        elif item.status == ItemStatus.WITHDRAWN:
            progress.steps.append(Step(item.decided_at, "已撤回"))
        elif not progress.steps and a.status == ApplicationStatus.SUBMITTED:
            progress.steps.append(Step(None, "等待乡镇（街道）窗口受理"))
        elif not progress.steps and item.status == ItemStatus.PENDING:
            progress.steps.append(Step(None, f"正在办理，办理期限 {cn_date(item.due_date)}"))
        items.append(progress)
    return StatusView(query_code=a.query_code, status=ApplicationStatus(a.status).label, submitted_at=a.submitted_at,
                      due_date=a.due_date,
                      due_label="受理期限" if a.status == ApplicationStatus.SUBMITTED else "办理期限",
                      steps=steps, items=items,
                      open=a.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.MATERIALS_PENDING,
                                        ApplicationStatus.IN_PROGRESS))
