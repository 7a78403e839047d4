"""Answers that reveal a person is registered outside the user's jurisdiction ("已在您管辖范围以外的地区登记").

Officers need that answer (the same person must not be registered twice), but answered without limit it is
an oracle: a file of guessed ID numbers would tell which are registered in other counties. So each such
answer is audited (action `disclosure`, the number's keyed hash, never the number) and a user's distinct
numbers answered per day are capped (settings.DISCLOSURE_DAILY_LIMIT). An answer that would pass the cap is
refused as a whole; the refusal is audited (`disclosure_limit`), and the first refusal of the day also writes
an event for the auditors (DisclosureEvent.LIMIT_PASSED).

Call `disclose_registered_elsewhere` BEFORE showing the answer, outside any transaction that a refusal
would roll back (it raises DomainError with code "disclosure_limit")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.core.audit import with_token, writer_fields
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction, AuditLog, User

OBJECT_TYPE = "core.id_number_hash"


class DisclosureEvent:
    LIMIT_PASSED = "core.disclosure_limit_passed"


def daily_limit() -> int:
    return int(getattr(settings, "DISCLOSURE_DAILY_LIMIT", 20))


def _start_of_today() -> dt.datetime:
    now = timezone.localtime()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def answered_today(actor) -> set[str]:
    """Hashes of the numbers this user was told today are registered elsewhere."""
    return set(AuditLog.objects.filter(actor_id=actor.pk, action=AuditAction.DISCLOSURE, at__gte=_start_of_today())
               .values_list("object_id", flat=True))


def disclose_registered_elsewhere(*, actor, id_hashes: list[str]) -> None:
    """Audits the answer for each hash (one INSERT for all), or refuses it when the user's distinct numbers
    answered today would pass the daily limit. A number answered again the same day does not count twice."""
    hashes = list(dict.fromkeys(h for h in id_hashes if h))
    if not hashes:
        return
    limit = daily_limit()
    detail = with_token({})
    common = writer_fields(actor)
    user = common["actor"]
    with transaction.atomic():
        if user is not None:
            # Two answers for the same user at once are counted one after the other (PostgreSQL row lock;
            # SQLite writes one transaction at a time anyway).
            User.objects.select_for_update().filter(pk=user.pk).first()
        before = answered_today(actor) if user is not None else set()
        new = [h for h in hashes if h not in before]
        refused = len(before) + len(new) > limit
        common["at"] = timezone.now()
        if refused:
            first = not AuditLog.objects.filter(actor_id=getattr(user, "pk", None), action=AuditAction.DISCLOSURE_LIMIT,
                                                at__gte=_start_of_today()).exists()
            AuditLog.objects.create(action=AuditAction.DISCLOSURE_LIMIT, detail={
                **detail, "limit": limit, "answered_today": len(before), "refused": len(new),
                "refused_hashes": new[:1000]}, **common)
            if first and user is not None:
                record_event(kind=DisclosureEvent.LIMIT_PASSED, subject=user, actor=user,
                             region=getattr(user, "region", None),
                             summary=f"{user.username} 今日查询到的管辖范围以外已登记人员超过 {limit} 人，已停止提示",
                             payload={"limit": limit, "answered_today": len(before), "refused": len(new)})
        else:
            AuditLog.objects.bulk_create([
                AuditLog(action=AuditAction.DISCLOSURE, object_type=OBJECT_TYPE, object_id=h,
                         object_repr="身份证号码（密钥哈希）", detail=detail, **common)
                for h in hashes])
    if refused:
        raise DomainError(
            f"今日已提示 {len(before)} 名人员已在您管辖范围以外登记，本次还涉及 {len(new)} 人，"
            f"超过每日 {limit} 人的上限。"
            "为防止借导入或登记查询他人的登记情况，今日不再提示，本次未导入、未登记任何数据；已通知审计人员。"
            "如确需办理，请联系上级民政部门核实", code="disclosure_limit")
