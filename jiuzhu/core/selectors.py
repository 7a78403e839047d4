"""Reads of core data, each scoped to the acting user."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from jiuzhu.core.audit import person_set_rows_q
from jiuzhu.core.models import AuditAction, AuditLog, Region
from jiuzhu.core.permissions import Capability, require


def audit_search(*, actor, username: str = "", action: str = "", object_type: str = "",
                 person_id: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                 id_number: str = "", person_name: str = ""):
    """Auditors search the audit log of users of organisations in their region subtree. `id_number` (matched
    by its keyed hash) and `person_name` (persons of that name in the auditor's jurisdiction) find who
    viewed or changed a person (his own rows, and the bulk rows whose list of persons holds him: a bank file);
    the answer holds audit rows only, never the person's record."""
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
        qs = qs.filter(Q(person_id=person_id) | person_set_rows_q([person_id]))
    # Whole local days as a range on `at` (indexed), not a date function of every row.
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if id_number or person_name:
        qs = qs.filter(_audited_persons_q(actor, id_number=id_number, person_name=person_name))
    return qs.select_related("actor", "organization")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _audited_persons_q(actor, *, id_number: str, person_name: str) -> Q:
    """Audit rows about the persons the apps' PERSON_FINDERS (audit_hooks.py) find by ID hash and/or name."""
    from jiuzhu.core.audit import search_hash
    from jiuzhu.core.discovery import app_modules

    q = Q(pk__in=[])
    for _, module in app_modules("audit_hooks"):
        for finder in getattr(module, "PERSON_FINDERS", []):
            persons = None
            if id_number:
                persons = finder.by_id_hash(search_hash(id_number))
            if person_name:
                named = finder.by_name(person_name, None if actor.is_superuser else actor.region)
                persons = named if persons is None else persons.filter(pk__in=named)
            # a row about him, or a bulk row whose list of persons holds him (audit.audit_person_set)
            q |= Q(person_id__in=persons) | person_set_rows_q(persons)
    return q


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
    since = timezone.localdate() - dt.timedelta(days=days)
    return audit_search(actor=actor, action=AuditAction.DISCLOSURE_LIMIT, date_from=since)
