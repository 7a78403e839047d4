"""Reads of the registry. Every function takes the acting user and applies the jurisdiction scope."""

import datetime as dt
import json

from dateutil.relativedelta import relativedelta
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404

from jiuzhu.core.audit import audit_persons_shown, audit_read, search_hash
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Event
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.registry import checks
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, Household, Person
from jiuzhu.registry.standards import category_matrix


def may_see_full_id(actor) -> bool:
    return can(actor, Capability.VIEW_FULL_ID)


def display_id_number(actor, person: Person) -> str:
    number = person.id_number
    return number if may_see_full_id(actor) else mask_id_number(number)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birth_label(actor) -> str:
    """The column heading beside the ID number: a masked number is never shown next to the birth date."""
    return "出生日期" if may_see_full_id(actor) else "年龄"


def display_birth(actor, person: Person, on: dt.date | None = None) -> str:
    """The birth date for those who see the full number; otherwise the age, because the mask hides exactly
    the eight birth-date digits and the two together rebuild the number."""
    if may_see_full_id(actor):
        return person.birth_date.isoformat()
    return f"{age_on(person.birth_date, on or dt.date.today())}岁"


def with_identity_shown(actor, persons):
    """Sets `shown_id` and `shown_birth` on each person for display; returns them as a list."""
    persons = list(persons)
    for p in persons:
        p.shown_id = display_id_number(actor, p)
        p.shown_birth = display_birth(actor, p)
    return persons


def persons_in_scope(actor):
    require(actor, Capability.VIEW_REGISTRY)
    return scoped(Person.objects.all(), actor)


def households_in_scope(actor):
    require(actor, Capability.VIEW_REGISTRY)
    return scoped(Household.objects.all(), actor)


def query_hash(search: dict) -> str:
    """A search's filters as a keyed hash for the audit row (an ID number is already a hash here)."""
    if not search:
        return ""
    return search_hash(json.dumps(search, sort_keys=True, default=str, ensure_ascii=False))


def heads_of(households):
    """The heads of a household list, as persons (what a household list or export shows of people)."""
    return Person.objects.filter(pk__in=households.filter(head__isnull=False).values("head_id"))


def audit_shown(actor, persons, *, purpose: str, query_hash: str = "") -> int:
    """Every person a page, list, API answer or export shows is audited, set-based."""
    return audit_persons_shown(actor=actor, persons=persons, purpose=purpose, query_hash=query_hash)


def person_get(*, actor, person_id: int, purpose: str = "page") -> Person:
    """One person's record; the read is audited. Out of scope: 404."""
    require(actor, Capability.VIEW_REGISTRY)
    person = get_scoped_or_404(
        Person.objects.select_related("household", "region", "hukou_region", "residence_region"),
        actor, pk=person_id)
    audit_read(actor, person, person_id=person.pk, detail={"purpose": purpose})
    return person


def household_get(*, actor, household_id: int, purpose: str = "page") -> Household:
    """One household; the read is audited for the household and for every member it shows."""
    require(actor, Capability.VIEW_REGISTRY)
    household = get_scoped_or_404(Household.objects.select_related("region", "head"), actor, pk=household_id)
    audit_read(actor, household, person_id=household.head_id, detail={"purpose": purpose})
    audit_shown(actor, household.members.exclude(pk=household.head_id), purpose=purpose)
    household._read_by = actor.pk
    return household


def household_members(*, actor, household: Household):
    """Members of a household already read through household_get (which audited them)."""
    _household_in_scope(actor, household)
    head_first = Case(When(relation="head", then=Value(0)), default=Value(1))
    return household.members.select_related("hukou_region").order_by(head_first, "birth_date")


def age_band_q(band: str, on: dt.date) -> Q:
    """Age bands used in lists: 0-15, 16-59, 60-79, 80+."""
    bands = {"0-15": (0, 15), "16-59": (16, 59), "60-79": (60, 79), "80+": (80, 200)}
    low, high = bands[band]
    youngest = on - relativedelta(years=low)  # 29 February safe
    oldest = on - relativedelta(years=high + 1)
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


def _household_in_scope(actor, household: Household) -> None:
    """For reads of a household's parts: the household itself must be one the actor may open. A household
    read through household_get for this actor is known to be in scope; any other costs one query."""
    require(actor, Capability.VIEW_REGISTRY)
    if getattr(household, "_read_by", None) == actor.pk:
        return
    if not households_in_scope(actor).filter(pk=household.pk).exists():
        raise Http404("记录不存在或不在您的管辖范围内")


def assistance_chain(*, actor, household: Household):
    """Every event of the household in time order: the 一户一条救助链. One indexed query."""
    _household_in_scope(actor, household)
    return Event.objects.filter(household_id=household.pk).select_related("actor", "organization")\
        .order_by("occurred_at", "id")


def decisions_for(*, actor, household: Household):
    _household_in_scope(actor, household)
    return household.tier_decisions.select_related("person", "decided_by").order_by("-created_at", "person_id")


def tier_in_force(*, actor, household: Household, on: dt.date | None = None):
    """The confirmed or overridden household decision valid on `on` (today by default)."""
    _household_in_scope(actor, household)
    on = on or dt.date.today()
    return household.tier_decisions.filter(
        person__isnull=True, status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN],
        valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).order_by("-decided_at").first()


def grants_for(*, actor, household: Household):
    _household_in_scope(actor, household)
    return household.grants.select_related("person", "granting_organization").order_by("-period_start", "-pk")


def grants_in_scope(actor):
    require(actor, Capability.VIEW_REGISTRY)
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
