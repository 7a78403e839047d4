"""Reads of geo-targeted push for the station's pages: each of the station's notices with its deliveries counted by
status, and one notice's deliveries by revision with the failures (masked contact, attempts, reason). Subscribers'
addresses are never read here: only the masked hint."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from jiuzhu.core.audit import audit_read
from jiuzhu.core.permissions import Capability, can
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.familysearch.models import FamilyNotice, NoticeStatus
from jiuzhu.familysearch.push_models import DeliveryStatus, PushDelivery
from jiuzhu.familysearch.push_sending import MAX_ATTEMPTS
from jiuzhu.familysearch.push_services import NOTICE_SCOPE, require_push_page

FAILURES_SHOWN = 200


def _counts(queryset, *group) -> list[dict]:
    return list(queryset.values(*group).annotate(
        total=Count("pk"), **{s.value: Count("pk", filter=Q(status=s.value)) for s in DeliveryStatus}
    ).order_by(*group))


def push_overview(*, actor) -> list[dict]:
    """The station's notices that were pushed, newest first, each with {total, pending, sent, failed, gave_up}."""
    require_push_page(actor)
    notices = scoped(FamilyNotice.objects.all(), actor, **NOTICE_SCOPE)
    counts = {row["notice"]: row for row in _counts(PushDelivery.objects.filter(notice__in=notices), "notice")}
    rows = notices.filter(pk__in=list(counts)).select_related("station").order_by("-published_at", "-pk")
    return [{**counts[n.pk], "notice": n} for n in rows]


def notice_push(*, actor, notice_id: int) -> dict:
    """One notice's push: counts per revision and the failed or given-up deliveries (newest attempts first)."""
    require_push_page(actor)
    notice = get_scoped_or_404(FamilyNotice.objects.select_related("station", "region"), actor, scope=NOTICE_SCOPE,
                               pk=notice_id)
    audit_read(actor, notice, detail={"purpose": "push_deliveries"})
    deliveries = PushDelivery.objects.filter(notice=notice)
    failures = (deliveries.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP])
                .select_related("subscriber").order_by("-revision", "status", "next_try_at")[:FAILURES_SHOWN])
    return {"notice": notice, "revisions": _counts(deliveries, "revision")[::-1], "failures": list(failures),
            "retryable": notice.status == NoticeStatus.PUBLISHED and deliveries.filter(
                Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.GAVE_UP, attempts__gte=MAX_ATTEMPTS,
                                                   subscriber__active=True)).exists()}


def notices_with_failed_pushes(actor):
    """Published notices of the station with a delivery that failed every attempt (推送失败; not those stopped by an
    unsubscription or a withdrawal), for the work list. A queryset of notices, in scope; none without the page."""
    if not (can(actor, Capability.APPROVE_RESCUE) or can(actor, Capability.RESCUE_CASES)):
        return FamilyNotice.objects.none()
    failed = PushDelivery.objects.filter(notice=OuterRef("pk"), status=DeliveryStatus.GAVE_UP,
                                         attempts__gte=MAX_ATTEMPTS, subscriber__active=True)
    return scoped(FamilyNotice.objects.filter(status=NoticeStatus.PUBLISHED), actor, **NOTICE_SCOPE) \
        .filter(Exists(failed))
