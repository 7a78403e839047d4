"""Reads of the registry. Every function takes the acting user and applies the jurisdiction scope."""

import datetime as dt

from django.db.models import Case, Count, Q, Value, When

from jiuzhu.core.audit import audit_read
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Event, Role
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.registry import checks
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, Household, Person
from jiuzhu.registry.standards import category_matrix

# Roles that may see a full ID number; everyone else sees it masked.
FULL_ID_ROLES = (Role.ASSISTANCE_OFFICER, Role.APPROVER, Role.WINDOW_OFFICER)


def may_see_full_id(actor) -> bool:
    return actor.is_superuser or actor.has_role(*FULL_ID_ROLES)


def display_id_number(actor, person: Person) -> str:
    number = person.id_number
    return number if may_see_full_id(actor) else mask_id_number(number)


def persons_in_scope(actor):
    return scoped(Person.objects.all(), actor)


def households_in_scope(actor):
    return scoped(Household.objects.all(), actor)


def person_get(*, actor, person_id: int, purpose: str = "page") -> Person:
    """One person's record; the read is audited. Out of scope: 404."""
    person = get_scoped_or_404(
        Person.objects.select_related("household", "region", "hukou_region", "residence_region"),
        actor, pk=person_id)
    audit_read(actor, person, person_id=person.pk, detail={"purpose": purpose})
    return person


def household_get(*, actor, household_id: int, purpose: str = "page") -> Household:
    household = get_scoped_or_404(Household.objects.select_related("region", "head"), actor, pk=household_id)
    audit_read(actor, household, person_id=household.head_id, detail={"purpose": purpose})
    return household


def household_members(household: Household):
    head_first = Case(When(relation="head", then=Value(0)), default=Value(1))
    return household.members.select_related("hukou_region").order_by(head_first, "birth_date")


def age_band_q(band: str, on: dt.date) -> Q:
    """Age bands used in lists: 0-15, 16-59, 60-79, 80+."""
    bands = {"0-15": (0, 15), "16-59": (16, 59), "60-79": (60, 79), "80+": (80, 200)}
    low, high = bands[band]
    youngest = on.replace(year=on.year - low)
    oldest = on.replace(year=on.year - high - 1)
    return Q(birth_date__lte=youngest, birth_date__gt=oldest)


def person_search(*, actor, region_code: str = "", name: str = "", id_hash: str = "", tier: str = "",
                  disability: str = "", age_band: str = "", on: dt.date | None = None):
    on = on or dt.date.today()
    qs = persons_in_scope(actor).select_related("region", "household")
    if region_code:
        qs = qs.filter(region__path__contains=f"/{region_code}/")
    if name:
        qs = qs.filter(name__startswith=name)
    if id_hash:
        qs = qs.filter(id_number_hash=id_hash)
    if tier:
        qs = qs.filter(household__tier_decisions__tier=tier,
                       household__tier_decisions__status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN])
    if disability == "any":
        qs = qs.exclude(disability_type="")
    elif disability == "severe":
        qs = qs.filter(Q(disability_grade__lte=2) | Q(disability_grade=3, disability_type__in=["intellectual",
                                                                                              "mental"]))
    elif disability:
        qs = qs.filter(disability_type=disability)
    if age_band:
        qs = qs.filter(age_band_q(age_band, on))
    if tier:
        qs = qs.distinct()  # a household may carry several decisions in force over time
    return qs.order_by("region__code", "household_id", "pk")


def household_search(*, actor, region_code: str = "", tier: str = "", category: str = "", address: str = ""):
    qs = households_in_scope(actor).select_related("region", "head").annotate(member_count=Count("members"))
    if region_code:
        qs = qs.filter(region__path__contains=f"/{region_code}/")
    if tier:
        qs = qs.filter(tier_decisions__tier=tier,
                       tier_decisions__status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN])
    if category:
        qs = qs.filter(grants__category=category, grants__status="active")
    if address:
        qs = qs.filter(address__contains=address)
    return qs.distinct().order_by("region__code", "pk")


def assistance_chain(*, actor, household: Household):
    """Every event of the household in time order: the 一户一条救助链. One indexed query."""
    return Event.objects.filter(household_id=household.pk).select_related("actor", "organization")\
        .order_by("occurred_at", "id")


def decisions_for(household: Household):
    return household.tier_decisions.select_related("person", "decided_by").order_by("-created_at", "person_id")


def tier_in_force(household: Household, on: dt.date | None = None):
    """The confirmed or overridden household decision valid on `on` (today by default)."""
    on = on or dt.date.today()
    return household.tier_decisions.filter(
        person__isnull=True, status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN],
        valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).order_by("-decided_at").first()


def grants_for(household: Household):
    return household.grants.select_related("person", "granting_organization").order_by("-period_start", "-pk")


def grants_in_scope(actor):
    return scoped(AssistanceGrant.objects.all(), actor, region_field="household__region")


def assistance_report(*, actor, on: dt.date | None = None) -> list[dict]:
    """Duplicate and excessive assistance across the actor's jurisdiction: one query per check."""
    on = on or dt.date.today()
    grants = grants_in_scope(actor)
    matrix = category_matrix(actor.region, on) if actor.region_id else {}
    found = checks.findings(grants, matrix)
    ids = sorted({i for values in found.values() for i in values})
    by_id = {g.pk: g for g in grants.filter(pk__in=ids).select_related("household__region", "person",
                                                                      "granting_organization")}
    return [{"check": name, "message": checks.CHECKS[name], "grant": by_id[i]}
            for name, values in found.items() for i in values if i in by_id]
