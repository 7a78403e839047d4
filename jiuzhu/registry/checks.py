"""Duplicate and excessive assistance (重复救助 / 过度救助).

Each check is a queryset filter over grants, so the same rule runs when a grant is saved (restricted
to that grant) and as a report over a whole jurisdiction (set-based, one query per check). A person in
two households or two regions cannot be stored at all (the ID-number hash is unique; imports and
registration report it), so the grant checks below are what remains to watch."""

import datetime as dt

from django.db.models import DateField, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from jiuzhu.registry.models import AssistanceCategory, AssistanceGrant, DecisionStatus, GrantStatus, Tier, TierDecision

FAR_FUTURE = dt.date(9999, 12, 31)
IN_FORCE = [DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN]

CHECKS = {
    "duplicate": "重复救助：同一对象同一类别救助期间重叠",
    "after_death": "救助对象已死亡，救助仍在发放",
    "tier_excess": "过度救助：认定层级不享受该类别救助",
    "amount_excess": "过度救助：基本生活救助金额超过按低保标准计算的上限",
    "no_tier": "无有效层级认定却在发放救助",
}


def _end(ref=None):
    field = F("period_end") if ref is None else OuterRef("period_end")
    return Coalesce(field, Value(FAR_FUTURE, output_field=DateField()))


def _decision_in_force(field: str):
    """Subquery: `field` of the decision in force for the grant's person (单人户) or else its household."""
    person = TierDecision.objects.filter(person_id=OuterRef("person_id"), status__in=IN_FORCE)\
        .order_by("-decided_at").values(field)[:1]
    household = TierDecision.objects.filter(household_id=OuterRef("household_id"), person__isnull=True,
                                            status__in=IN_FORCE).order_by("-decided_at").values(field)[:1]
    return Coalesce(Subquery(person), Subquery(household))


def with_tier(grants):
    return grants.annotate(tier_in_force=_decision_in_force("tier"),
                           standard_in_force=_decision_in_force("dibao_standard"),
                           members_in_force=_decision_in_force("members"))


def duplicate(grants):
    twin = AssistanceGrant.objects.filter(status=GrantStatus.ACTIVE).annotate(end=_end()).filter(
        category=OuterRef("category"), period_start__lte=_end(ref=True), end__gte=OuterRef("period_start"),
    ).exclude(pk=OuterRef("pk")).filter(
        Q(person__isnull=False, person_id=OuterRef("person_id"))
        | Q(person__isnull=True, household_id=OuterRef("household_id")))
    return grants.filter(Exists(twin))


def after_death(grants):
    return grants.filter(person__death_date__isnull=False).filter(
        Q(period_end__isnull=True) | Q(period_end__gt=F("person__death_date")))


def tier_excess(grants, matrix: dict[str, list[str]]):
    """Categories the tier in force does not open, per the region's matrix."""
    q = Q()
    for tier in Tier.values:
        closed = [c for c in AssistanceCategory.values if c not in matrix.get(tier, [])]
        q |= Q(tier_in_force=tier, category__in=closed)
    return with_tier(grants).filter(q)


def amount_excess(grants):
    """低保 pays the gap to the standard; a basic-living grant above standard × persons is too much."""
    ceiling = ExpressionWrapper(F("standard_in_force") * F("members_in_force"),
                                output_field=DecimalField(max_digits=12, decimal_places=2))
    return with_tier(grants).filter(category=AssistanceCategory.BASIC_LIVING, monthly_amount__isnull=False)\
        .annotate(ceiling=ceiling).filter(monthly_amount__gt=F("ceiling"))


def no_tier(grants):
    """Tier-based categories paid with no tier decision in force (charity and disaster may go to anyone)."""
    return with_tier(grants).filter(tier_in_force__isnull=True).exclude(
        category__in=[AssistanceCategory.DISASTER, AssistanceCategory.TEMPORARY, AssistanceCategory.CHARITY])


def findings(grants, matrix: dict[str, list[str]]) -> dict[str, list[int]]:
    """check -> ids of active grants in `grants` that it flags."""
    active = grants.filter(status=GrantStatus.ACTIVE)
    return {
        "duplicate": list(duplicate(active).values_list("pk", flat=True)),
        "after_death": list(after_death(active).values_list("pk", flat=True)),
        "tier_excess": list(tier_excess(active, matrix).values_list("pk", flat=True)),
        "amount_excess": list(amount_excess(active).values_list("pk", flat=True)),
        "no_tier": list(no_tier(active).values_list("pk", flat=True)),
    }
