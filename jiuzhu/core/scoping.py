"""The one jurisdiction rule every selector applies.

A user acts for one organisation within one region subtree. They see records whose region lies in
their subtree; a department clerk sees only what was sent to their department. Records out of scope
are answered with 404 (never 403), so their existence does not leak.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from jiuzhu.core.models import OrganizationKind, Role


def is_department_actor(actor) -> bool:
    org = actor.organization
    return bool(org and org.kind == OrganizationKind.DEPARTMENT) or (
        actor.has_role(Role.DEPARTMENT_CLERK) and not actor.is_superuser
    )


def scope_q(actor, *, region_field: str | None = "region", department_field: str | None = None,
            organization_field: str | None = None, region_path_field: str | None = None) -> Q | None:
    """The filter for `actor`, or None when the actor sees everything (superuser).

    region_field: path to a Region FK on the model ("household__region").
    department_field: path to the Organization a record was sent to; without it, departments see nothing.
    organization_field: path to an owning Organization; when given, records must belong to the
        actor's organisation or one below it (stations, windows), in addition to the region rule.
    region_path_field: a copy of the region's path kept on the record itself (regions never move), used
        instead of region_field. For tables of millions: the planner estimates a prefix on the record's own
        column from its statistics, while through the join to Region it guesses one region, then reads and
        sorts a whole township instead of walking the newest-first index.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Q(pk__in=[])
    if actor.is_superuser:
        return None
    if is_department_actor(actor):
        if department_field is None or actor.organization_id is None:
            return Q(pk__in=[])
        return Q(**{department_field: actor.organization_id})
    if actor.region_id is None:
        return Q(pk__in=[])
    if region_path_field:
        q = Q(**{f"{region_path_field}__startswith": actor.region.path})
    else:
        q = Q(**{f"{region_field}__path__startswith": actor.region.path}) if region_field else Q()
    if organization_field:
        org = actor.organization
        if org is None:
            return Q(pk__in=[])
        q &= Q(**{organization_field: org.pk}) | Q(**{f"{organization_field}__parent": org.pk})
    return q


def scoped(queryset: QuerySet, actor, **fields) -> QuerySet:
    q = scope_q(actor, **fields)
    return queryset if q is None else queryset.filter(q)


def get_scoped_or_404(queryset: QuerySet, actor, *, scope: dict | None = None, **lookup):
    try:
        return scoped(queryset, actor, **(scope or {})).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("记录不存在或不在您的管辖范围内") from None


def region_in_scope(actor, region) -> bool:
    """For writes: may this actor put a record in `region`?"""
    if actor.is_superuser:
        return True
    if is_department_actor(actor) or actor.region_id is None or region is None:
        return False
    return region.path.startswith(actor.region.path)
