"""Tips on a published notice (提供线索): the public gives one (no sign-in, limited per client address), the station
that published the notice follows it up and marks it handled. Writes check, in this order, the capability
(RESCUE_CASES: the station's daily work, as for sightings), the scope (the notice's station is the actor's or
directly below it: TIP_SCOPE; 404 otherwise), the status, then write in one transaction with an audit row and an
event (FamilySearchEvent.TIP_RECEIVED / TIP_HANDLED)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jiuzhu.core.audit import audit_change
from jiuzhu.core.crypto import encrypt_text
from jiuzhu.core.errors import clean_text, invalid, refused
from jiuzhu.core.events import record_event
from jiuzhu.core.models import AuditAction
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.ratelimit import RateLimit
from jiuzhu.core.scoping import get_scoped_or_404
from jiuzhu.familysearch.events import FamilySearchEvent
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus, NoticeTip, TipStatus

TIP_SCOPE = {"region_field": "notice__station__region", "organization_field": "notice__station"}
TIP_LIMIT = RateLimit("fs-tip", 5, dt.timedelta(hours=1),
                      "同一网络一小时内提交的线索过多，请稍后再试；情况紧急请直接拨打公告上的联系电话")
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")


def published_notice(public_code: str) -> FamilyNotice:
    """A published notice by its public code; anything else (a draft, a withdrawn notice, a wrong code) is 404."""
    code = (public_code or "").strip()[:16]
    notice = FamilyNotice.objects.select_related("station", "station__region").filter(
        public_code=code, status=NoticeStatus.PUBLISHED).first()
    if notice is None:
        raise Http404("公告不存在或已撤回")
    return notice


def tip_submit_public(*, public_code: str, text: str, contact_name: str = "", contact_phone: str = "",
                      client_address: str | None) -> NoticeTip:
    """A clue from the public on a published notice. At most TIP_LIMIT tips an hour from one client address."""
    notice = published_notice(public_code)
    client = TIP_LIMIT.key(client_address)
    TIP_LIMIT.check(NoticeTip.objects, key=client)
    text = clean_text(text, "线索内容", "text", 1000, required=True)
    contact_name = clean_text(contact_name, "联系人", "contact_name", 50, join_lines=True)
    phone = re.sub(r"[\s\-()（）]", "", contact_phone or "")
    if phone and not _PHONE.fullmatch(phone):
        raise invalid("联系电话应为 11 位手机号码或带区号的固定电话", "contact_phone")
    with transaction.atomic():
        tip = NoticeTip.objects.create(
            notice=notice, text=text, contact_name=contact_name,
            contact_phone_cipher=encrypt_text(phone) if phone else "", contact_phone_last4=phone[-4:],
            client_hash=client)
        audit_change(AuditAction.CREATE, None, tip, changes={"notice": notice.public_code, "contact": bool(phone)})
        record_event(kind=FamilySearchEvent.TIP_RECEIVED, subject=tip, region=notice.station.region,
                     summary=f"收到寻亲线索：公告 {notice.public_code}", payload={"notice": notice.pk})
    return tip


def tip_handle(*, actor, tip: NoticeTip, note: str = "") -> NoticeTip:
    """已处理: the station followed the clue up (called back, checked, passed on), with what it did."""
    require(actor, Capability.RESCUE_CASES)
    note = clean_text(note, "处理情况", "note", 300)
    with transaction.atomic():
        tip = get_scoped_or_404(NoticeTip.objects.select_for_update(of=("self",)).select_related(
            "notice", "notice__station", "notice__station__region"), actor, scope=TIP_SCOPE, pk=tip.pk)
        if tip.status != TipStatus.NEW:
            raise refused(f"该线索已{tip.get_status_display()}，不能再次处理")
        tip.status, tip.handled_by, tip.handled_at, tip.handled_note = \
            TipStatus.HANDLED, actor, timezone.now(), note
        tip.save(update_fields=["status", "handled_by", "handled_at", "handled_note"])
        audit_change(AuditAction.UPDATE, actor, tip, changes={"status": "handled"})
        record_event(kind=FamilySearchEvent.TIP_HANDLED, subject=tip, actor=actor,
                     region=tip.notice.station.region, summary=f"寻亲线索已处理：公告 {tip.notice.public_code}",
                     payload={"notice": tip.notice_id})
    return tip
