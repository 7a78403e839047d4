"""Reads of tips (寻亲线索) for the station whose notices they concern: scoped by the notice's station
(tip_services.TIP_SCOPE), RESCUE_CASES required; a list shown writes one audit row per tip (set-based), the
tipster's phone decrypted for the station to call back."""

from __future__ import annotations

from django.db.models import QuerySet

from jiuzhu.core.audit import audit_persons_shown
from jiuzhu.core.crypto import decrypt_text
from jiuzhu.core.permissions import Capability, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.familysearch.models import NoticeTip, TipStatus
from jiuzhu.familysearch.tip_services import TIP_SCOPE

FILTERS = {"new": "待处理", "handled": "已处理", "all": "全部"}
TIP_OBJECT_TYPE = "familysearch.noticetip"


def tips_in_scope(actor) -> QuerySet:
    require(actor, Capability.RESCUE_CASES)
    return scoped(NoticeTip.objects.select_related("notice", "handled_by"), actor, **TIP_SCOPE)


def new_tips(actor) -> QuerySet:
    """The work list's count: tips not handled yet."""
    return tips_in_scope(actor).filter(status=TipStatus.NEW)


def tip_list(*, actor, show: str = "new") -> list[NoticeTip]:
    """Tips of the actor's notices, newest first (at most 200: the station handles them as they come), each
    with `contact_phone` decrypted; audited."""
    qs = tips_in_scope(actor).order_by("-created_at", "-pk")
    if show in TipStatus.values:
        qs = qs.filter(status=show)
    tips = list(qs[:200])
    for tip in tips:
        tip.contact_phone = decrypt_text(tip.contact_phone_cipher) if tip.contact_phone_cipher else ""
    audit_persons_shown(actor=actor, persons=[t.pk for t in tips], purpose="tip_list", object_type=TIP_OBJECT_TYPE)
    return tips


def tip_in_scope(*, actor, tip_id: int) -> NoticeTip:
    return get_scoped_or_404(tips_in_scope(actor), actor, scope=TIP_SCOPE, pk=tip_id)
