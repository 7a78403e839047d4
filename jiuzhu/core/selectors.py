"""Reads of core data, each scoped to the acting user."""

import datetime as dt

from django.db.models import Q

from jiuzhu.core.models import AuditAction, AuditLog, Region
from jiuzhu.core.permissions import Capability, require


def audit_search(*, actor, username: str = "", action: str = "", object_type: str = "",
                 person_id: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Auditors search the audit log of users of organisations in their region subtree."""
    require(actor, Capability.VIEW_AUDIT_LOG)
    qs = AuditLog.objects.all()
    if not actor.is_superuser:
        qs = qs.filter(Q(organization__region__path__startswith=actor.region.path)
                       | Q(actor__region__path__startswith=actor.region.path))
    if username:
        qs = qs.filter(username=username)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.select_related("actor", "organization")


def regions_in_scope(*, actor, level: str | None = None, parent_code: str | None = None):
    if actor.is_superuser:
        qs = Region.objects.all()
    elif actor.region_id:
        qs = Region.objects.filter(path__startswith=actor.region.path)
    else:
        qs = Region.objects.none()
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    return qs


def organizations_in_scope(*, actor):
    """Organisations whose region lies in the actor's subtree (for administrators' pickers)."""
    from jiuzhu.core.models import Organization

    if actor.is_superuser:
        return Organization.objects.select_related("region")
    if actor.region_id is None:
        return Organization.objects.none()
    return Organization.objects.filter(region__path__startswith=actor.region.path).select_related("region")


def api_tokens_in_scope(*, actor):
    """Department-system tokens of organisations in the administrator's jurisdiction (never the raw token)."""
    from jiuzhu.core.models import ApiToken

    require(actor, Capability.ADMINISTER)
    return ApiToken.objects.filter(organization__in=organizations_in_scope(actor=actor))\
        .select_related("organization", "created_by").order_by("-created_at")


def disclosure_alerts(*, actor, days: int = 30):
    """Users of the auditor's jurisdiction refused further "registered elsewhere" answers (core/disclosure.py):
    a possible probe for who is registered where. Newest first."""
    since = dt.date.today() - dt.timedelta(days=days)
    return audit_search(actor=actor, action=AuditAction.DISCLOSURE_LIMIT, date_from=since)
