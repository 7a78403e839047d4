"""Reads of the funds app. A roll is seen by users of its county (the county's offices and its townships' windows);
its lines by users whose jurisdiction holds the line's township (a township sees only its own lines). Out of
scope is 404."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.scoping import get_scoped_or_404, is_department_actor, scope_q, scoped
from jiuzhu.funds.models import (
    CheckHit,
    InstitutionAccount,
    PaymentLine,
    PaymentRoll,
    RollStatus,
    RollTownship,
    TownshipStatus,
)


def actor_county(actor) -> Region | None:
    """The county the actor works in (their own region or the county above it), None above county level."""
    if actor.region_id is None:
        return None
    region = actor.region
    if region.level == RegionLevel.COUNTY:
        return region
    codes = [c for c in region.path.strip("/").split("/") if c]
    return Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).first()


def _roll_q(actor) -> Q | None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Q(pk__in=[])
    if actor.is_superuser:
        return None
    if is_department_actor(actor) or actor.region_id is None:
        return Q(pk__in=[])
    county = actor_county(actor)
    q = Q(county__path__startswith=actor.region.path)
    return q | Q(county=county) if county else q


def rolls(actor) -> QuerySet[PaymentRoll]:
    q = _roll_q(actor)
    qs = PaymentRoll.objects.select_related("county")
    return qs if q is None else qs.filter(q)


def roll_get(actor, pk: int) -> PaymentRoll:
    roll = rolls(actor).filter(pk=pk).first()
    if roll is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return roll


def lines(actor, roll: PaymentRoll) -> QuerySet[PaymentLine]:
    """The roll's lines within the actor's jurisdiction (a township: its own)."""
    return scoped(PaymentLine.objects.filter(roll=roll), actor, region_field="township")


def line_get(actor, pk: int) -> PaymentLine:
    return get_scoped_or_404(PaymentLine.objects.select_related("roll", "payee"), actor,
                             scope={"region_field": "township"}, pk=pk)


def townships(actor, roll: PaymentRoll) -> QuerySet[RollTownship]:
    return scoped(roll.townships.select_related("township").order_by("township__code"), actor,
                  region_field="township")


def hits(actor, roll: PaymentRoll) -> QuerySet[CheckHit]:
    return scoped(CheckHit.objects.filter(roll=roll), actor, region_field="line__township")


def rolls_waiting(actor) -> QuerySet[PaymentRoll]:
    """Rolls waiting for a step the actor may take: their township's part (a window), the county's steps."""
    from jiuzhu.core.permissions import Capability, can

    mine = rolls(actor)
    q = Q(pk__in=[])
    if can(actor, Capability.PREPARE_PAYMENTS):
        parts = scope_q(actor, region_field="township")
        waiting = RollTownship.objects.filter(status__in=[TownshipStatus.PENDING, TownshipStatus.SUBMITTED,
                                                          TownshipStatus.RETURNED], roll__status=RollStatus.TOWNSHIP)
        if parts is not None:
            waiting = waiting.filter(parts)
        q |= Q(pk__in=waiting.values("roll_id"))
        if actor.region_id and actor.region.level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
            q |= Q(status=RollStatus.COUNTY_HANDLING)
    if can(actor, Capability.REVIEW_PAYMENTS):
        q |= Q(status=RollStatus.COUNTY_REVIEW)
    return mine.filter(q)


def institution_accounts(actor) -> QuerySet[InstitutionAccount]:
    """供养机构 accounts of the counties in the actor's jurisdiction (a township's window: none)."""
    return scoped(InstitutionAccount.objects.select_related("county"), actor, region_field="county")


def institutions_without_account(actor) -> list[str]:
    """Names of the institutions where 集中供养 persons of the actor's county live and that have no account yet
    (their lines would go unpaid): one DISTINCT query."""
    from jiuzhu.registry.models import DestituteSupport

    county = actor_county(actor)
    if county is None:
        return []
    named = InstitutionAccount.objects.filter(county=county).values("institution")
    return list(scoped(DestituteSupport.objects.filter(support_mode="centralized", person__region__path__startswith=
                                                       county.path), actor, region_field="person__region")
                .exclude(institution="").exclude(institution__in=named).order_by("institution")
                .values_list("institution", flat=True).distinct()[:50])
