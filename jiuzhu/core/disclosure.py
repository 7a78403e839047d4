"""Answers that reveal a person is registered outside the user's jurisdiction ("已在您管辖范围以外的地区登记").

Officers need that answer (the same person must not be registered twice), but answered without limit it is
an oracle: a file of guessed ID numbers would tell which are registered in other counties. So each such
answer is audited (action `disclosure`, the number's keyed hash, never the number) and a user's distinct
numbers answered per day are capped (settings.DISCLOSURE_DAILY_LIMIT). An answer that would pass the cap is
refused as a whole; the refusal is audited (`disclosure_limit`), and the first refusal of the day also writes
an event for the auditors (DisclosureEvent.LIMIT_PASSED).

`disclose_up_to_cap` counts in the same way for pages that list persons (family search's registry candidates):
what passes the cap is withheld person by person instead of refused as a whole.

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


def disclose_up_to_cap(*, actor, keys: list[str], object_type: str, object_repr: str) -> set[str]:
    """For pages that list persons one by one (family search's registry candidates): the same daily count as
    `disclose_registered_elsewhere`, but answered per person instead of as a whole. Returns the keys the user may
    be shown: those already counted today (shown again for free) and new ones in the given order while the cap
    allows, each new one audited (action `disclosure`); the rest are withheld, the withholding audited
    (`disclosure_limit`, the first of the day also an event for the auditors). Never raises for the cap."""
    keys = list(dict.fromkeys(k for k in keys if k))
    if not keys:
        return set()
    limit = daily_limit()
    detail = with_token({})
    common = writer_fields(actor)
    user = common["actor"]
    if user is None:
        return set()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # as above: one count per user at a time
        before = answered_today(actor)
        new = [k for k in keys if k not in before]
        room = max(limit - len(before), 0)
        allowed, withheld = new[:room], new[room:]
        common["at"] = timezone.now()
        if allowed:
            AuditLog.objects.bulk_create([
                AuditLog(action=AuditAction.DISCLOSURE, object_type=object_type, object_id=k,
                         object_repr=object_repr, detail=detail, **common) for k in allowed])
        if withheld:
            first = not AuditLog.objects.filter(actor_id=user.pk, action=AuditAction.DISCLOSURE_LIMIT,
                                                at__gte=_start_of_today()).exists()
            AuditLog.objects.create(action=AuditAction.DISCLOSURE_LIMIT, detail={
                **detail, "limit": limit, "answered_today": len(before) + len(allowed), "refused": len(withheld),
                "refused_hashes": withheld[:1000], "object_type": object_type}, **common)
            if first:
                record_event(kind=DisclosureEvent.LIMIT_PASSED, subject=user, actor=user,
                             region=getattr(user, "region", None),
                             summary=f"{user.username} 今日查看的{object_repr}超过 {limit} 人，其余已不再显示",
                             payload={"limit": limit, "answered_today": len(before) + len(allowed),
                                      "refused": len(withheld)})
    return {k for k in keys if k in before} | set(allowed)
