"""政策找人: registry households (and members) in the officer's jurisdiction that qualify for an item they do
not receive. Each rule is one set-based query (EXISTS / NOT EXISTS subqueries over the registry's tables);
the rules are put together with UNION ALL, so the database counts and pages the whole list and nothing loops
over households in Python.

"In force" follows registry.selectors.tier_in_force: a household decision (person is null) confirmed or
overridden, valid_from on or before the day and valid_to open or on/after it. "Receives" is an active grant of
the item's registry category (period_end open or on/after the day).

Rules (FINDER_RULES):
- medical: 低保/特困 household without any active medical grant (医疗救助 / 参保资助);
- disability_allowance: a living member with disability grade 1–2 of a 低保/特困 household without an active
  service grant of their own (困难残疾人生活补贴、重度残疾人护理补贴);
- education: a member in school (primary to college) of a 低保/特困/低保边缘 household without an active
  education grant (the member's own or the household's);
- elderly: a living member aged ELDERLY_AGE or more of a 低保/特困 household without an active service grant
  of their own (经济困难老年人补贴)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value

from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import scope_q
from jiuzhu.registry.models import (
    AssistanceCategory,
    AssistanceGrant,
    DecisionStatus,
    GrantStatus,
    Household,
    Person,
    Schooling,
    Tier,
    TierDecision,
)

ELDERLY_AGE = 60
IN_SCHOOL = (Schooling.PRIMARY, Schooling.JUNIOR, Schooling.SENIOR, Schooling.VOCATIONAL, Schooling.COLLEGE)
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class FinderRule:
    code: str  # catalogue item code
    label: str  # what is missing, in Chinese
    reason: str


FINDER_RULES: dict[str, FinderRule] = {r.code: r for r in (
    FinderRule("medical", "医疗救助、参保资助", "低保或特困家庭，未享受医疗救助或城乡居民医保参保资助"),
    FinderRule("disability_allowance", "困难残疾人生活补贴和重度残疾人护理补贴",
               "低保或特困家庭中的一、二级残疾人，未享受残疾人补贴"),
    FinderRule("education", "教育救助", "低保、特困或低保边缘家庭中的在校学生，未享受教育救助"),
    FinderRule("elderly", "经济困难老年人补贴", f"低保或特困家庭中 {ELDERLY_AGE} 岁以上的老年人，未享受老年人补贴"),
)}


def _tier_in_force(tiers, on: dt.date, household_ref: str) -> Exists:
    return Exists(TierDecision.objects.filter(
        household_id=OuterRef(household_ref), person__isnull=True, tier__in=list(tiers),
        status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN], valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)))


def _active_grants(category: str, on: dt.date):
    return AssistanceGrant.objects.filter(category=category, status=GrantStatus.ACTIVE, period_start__lte=on)\
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=on))


def _households(actor) -> QuerySet[Household]:
    rule = scope_q(actor)
    qs = Household.objects.filter(is_active=True)
    return qs if rule is None else qs.filter(rule)


def _members(actor) -> QuerySet[Person]:
    rule = scope_q(actor, region_field="household__region")
    qs = Person.objects.filter(household__isnull=False, household__is_active=True, death_date__isnull=True)
    return qs if rule is None else qs.filter(rule)


def _rows(qs: QuerySet, code: str, *, household: str, person: str | None, region: str) -> QuerySet:
    return qs.annotate(f_household=F(household),
                       f_person=F(person) if person else Value(None, output_field=IntegerField()),
                       f_item=Value(code, output_field=CharField()), f_region=F(region))\
        .values_list("f_household", "f_person", "f_item", "f_region")


def finder_queries(actor, *, on: dt.date, region=None) -> dict[str, QuerySet]:
    """Each rule's rows as (household_id, person_id or None, item code, region_id): one query each."""
    live = (Tier.DIBAO, Tier.TEKUN)
    households = _households(actor)
    members = _members(actor)
    if region is not None:
        households = households.filter(region__path__startswith=region.path)
        members = members.filter(household__region__path__startswith=region.path)
    medical = households.filter(_tier_in_force(live, on, "pk")).exclude(
        Exists(_active_grants(AssistanceCategory.MEDICAL, on).filter(household_id=OuterRef("pk"))))
    disabled = members.filter(disability_grade__in=[1, 2]).filter(_tier_in_force(live, on, "household_id"))\
        .exclude(Exists(_active_grants(AssistanceCategory.SERVICE, on).filter(person_id=OuterRef("pk"))))
    students = members.filter(schooling__in=IN_SCHOOL)\
        .filter(_tier_in_force((*live, Tier.NEAR_DIBAO), on, "household_id"))\
        .exclude(Exists(_active_grants(AssistanceCategory.EDUCATION, on)
                        .filter(Q(person_id=OuterRef("pk"))
                                | Q(person__isnull=True, household_id=OuterRef("household_id")))))
    born_by = on - relativedelta(years=ELDERLY_AGE)
    elderly = members.filter(birth_date__lte=born_by).filter(_tier_in_force(live, on, "household_id"))\
        .exclude(Exists(_active_grants(AssistanceCategory.SERVICE, on).filter(person_id=OuterRef("pk"))))
    return {
        "medical": _rows(medical, "medical", household="pk", person=None, region="region_id"),
        "disability_allowance": _rows(disabled, "disability_allowance", household="household_id", person="pk",
                                      region="household__region_id"),
        "education": _rows(students, "education", household="household_id", person="pk",
                           region="household__region_id"),
        "elderly": _rows(elderly, "elderly", household="household_id", person="pk",
                         region="household__region_id"),
    }


CAPABILITIES = (Capability.INTAKE, Capability.VIEW_REGISTRY)  # the list is the registry's households


def may_find(actor) -> bool:
    """Asked by the menu (apps.py); finder_rows refuses the same actors, naming the missing capability."""
    return all(can(actor, capability) for capability in CAPABILITIES)


def finder_rows(actor, *, on: dt.date, item: str = "", region=None) -> QuerySet:
    """The whole list (UNION ALL of the rules, or one rule), ordered by household then item: a queryset of
    tuples (household_id, person_id, item, region_id) the database counts and pages."""
    for capability in CAPABILITIES:
        require(actor, capability)
    queries = finder_queries(actor, on=on, region=region)
    if item:
        chosen = [queries[item]]
    else:
        chosen = list(queries.values())
    combined = chosen[0].union(*chosen[1:], all=True) if len(chosen) > 1 else chosen[0]
    return combined.order_by("f_household", "f_item", "f_person")


@dataclass
class FinderLine:
    household: Household
    person: Person | None
    item: str
    rule: FinderRule

    @property
    def shown_person(self) -> Person | None:
        return self.person or self.household.head


def lines_for(rows) -> list[FinderLine]:
    """The page's rows with their households and persons: two queries for the whole page."""
    rows = list(rows)
    households = {hh.pk: hh for hh in Household.objects.filter(pk__in={r[0] for r in rows})
                  .select_related("region", "head")}
    persons = Person.objects.in_bulk({r[1] for r in rows if r[1]})
    return [FinderLine(household=households[r[0]], person=persons.get(r[1]) if r[1] else None, item=r[2],
                       rule=FINDER_RULES[r[2]]) for r in rows if r[0] in households]


def person_ids(lines: list[FinderLine]) -> list[int]:
    """The persons a page or an export shows (the member, or the household's head), for the audit."""
    return sorted({p.pk for line in lines if (p := line.shown_person) is not None})
