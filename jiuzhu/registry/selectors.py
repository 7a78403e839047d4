"""Reads of the registry. Every function takes the acting user and applies the jurisdiction scope."""

import datetime as dt
import json
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Case, F, Q, Value, When
from django.http import Http404

from jiuzhu.core.audit import audit_persons_shown, audit_read, search_hash
from jiuzhu.core.identity import mask_id_number
from jiuzhu.core.models import Event
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.scoping import get_scoped_or_404, scoped
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.registry import checks
from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, Document, Household, Person, Tier, TierDecision
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


def _region_q(region=None, region_code: str = "") -> Q:
    """A place filter: the region's subtree (a village is itself), as region_id IN (the subtree's ids), so
    the lists count from the region index without a join. A code is looked up once."""
    from jiuzhu.core.models import Region

    if region is None and region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        if region is None:
            return Q(pk__in=[])
    if region is None:
        return Q()
    return Q(region_id__in=Region.objects.filter(path__startswith=region.path).values("id"))


def _list_scope(model, actor):
    """The jurisdiction rule of core.scoping (scope_q) for the two lists, written as region_id IN (the
    regions of the actor's subtree) instead of a join on the region's path: the same rows, but SQLite and
    PostgreSQL count and page them from the (region) indexes (22 ms → 2 ms for 18,000 households)."""
    from jiuzhu.core.models import Region
    from jiuzhu.core.scoping import scope_q

    require(actor, Capability.VIEW_REGISTRY)
    rule = scope_q(actor, region_field=None)  # None: sees everything; Q(): the region rule applies; else none
    if rule is None:
        return model.objects.all()
    if rule != Q():
        return model.objects.none()
    return model.objects.filter(region_id__in=Region.objects.filter(path__startswith=actor.region.path)
                                .values("id"))


def name_prefix_q(name: str, field: str = "name") -> Q:
    """Names starting with `name`. The range lets both databases use the name index (SQLite never uses an
    index for LIKE here); startswith keeps the meaning exact."""
    return Q(**{f"{field}__gte": name, f"{field}__lt": name + "\U0010ffff", f"{field}__startswith": name})


def person_search(*, actor, region=None, region_code: str = "", name: str = "", id_hash: str = "",
                  tier: str = "", pending: str = "", disability: str = "", age_band: str = "",
                  batch: int | None = None, on: dt.date | None = None):
    """Persons of the actor's jurisdiction matching the list's filters (no ordering: see registry/lists.py).
    `tier` is the household's tier in force on `on`, `pending` the tier of its pending suggestion."""
    from jiuzhu.registry.lists import tier_filter_q

    on = on or dt.date.today()
    qs = _list_scope(Person, actor).filter(_region_q(region, region_code))
    if name:
        qs = qs.filter(name_prefix_q(name))
    if id_hash:
        qs = qs.filter(id_number_hash=id_hash)
    if tier or pending:
        qs = qs.filter(tier_filter_q(tier=tier, pending=pending, on=on, household="household_id"))
    if disability == "any":
        qs = qs.exclude(disability_type="")
    elif disability == "severe":
        qs = qs.filter(Q(disability_grade__lte=2) | Q(disability_grade=3, disability_type__in=["intellectual",
                                                                                              "mental"]))
    elif disability:
        qs = qs.filter(disability_type=disability)
    if age_band:
        qs = qs.filter(age_band_q(age_band, on))
    if batch:
        qs = qs.filter(import_batch_id=batch)
    return qs


def household_search(*, actor, region=None, region_code: str = "", tier: str = "", pending: str = "",
                     category: str = "", address: str = "", batch: int | None = None, on: dt.date | None = None):
    """Households of the actor's jurisdiction matching the list's filters, each once (semi-joins, never a
    join that multiplies rows, so no DISTINCT); no ordering and no figures: see registry/lists.py."""
    from jiuzhu.registry.lists import tier_filter_q

    on = on or dt.date.today()
    qs = _list_scope(Household, actor).filter(_region_q(region, region_code))
    if tier or pending:
        qs = qs.filter(tier_filter_q(tier=tier, pending=pending, on=on))
    if category:
        qs = qs.filter(pk__in=AssistanceGrant.objects.filter(category=category, status="active")
                       .values("household_id"))
    if address:
        qs = qs.filter(address__contains=address)
    if batch:
        qs = qs.filter(import_batch_id=batch)
    return qs


def import_batch_get(*, actor, batch_id):
    """An import batch of the actor's jurisdiction (the list's 本批导入 filter); another county's: 404."""
    from jiuzhu.registry.models import ImportBatch

    require(actor, Capability.VIEW_REGISTRY)
    try:
        batch_id = int(batch_id)
    except (TypeError, ValueError):
        raise Http404("导入批次不存在或不在您的管辖范围内") from None
    return get_scoped_or_404(ImportBatch.objects.all(), actor, pk=batch_id)


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
    return household.tier_decisions.select_related("person", "decided_by", "basis").order_by("-created_at", "person_id")


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


def assistance_report(*, actor, on: dt.date | None = None, region=None) -> list[dict]:
    """Duplicate and excessive assistance across the actor's jurisdiction (or the part of it in `region`, a
    Region from the region picker): one query per check."""
    on = on or dt.date.today()
    grants = grants_in_scope(actor)
    if region is not None:
        grants = grants.filter(household__region__path__startswith=region.path)
    matrix = category_matrix(actor.region, on) if actor.region_id else {}
    found = checks.findings(grants, matrix)
    ids = sorted({i for values in found.values() for i in values})
    by_id = {g.pk: g for g in grants.filter(pk__in=ids).select_related("household__region", "person",
                                                                      "granting_organization")}
    return [{"check": name, "message": checks.CHECKS[name], "grant": by_id[i]}
            for name, values in found.items() for i in values if i in by_id]


def means_items(*, actor, household: Household) -> dict:
    """The household's means test as the page shows it: every entry, voided ones included (struck through,
    with who, when and why), and the totals of the entries in force only, added up from the entries read
    for the page (one query per kind of entry, no aggregate query)."""
    from django.db.models import F

    _household_in_scope(actor, household)
    live_first = F("voided_at").asc(nulls_first=True)  # entries in force first, voided ones below
    incomes = list(household.incomes.select_related("person", "voided_by")
                   .order_by(live_first, "-period_end", "-pk"))
    assets = list(household.assets.select_related("person", "voided_by")
                  .order_by(live_first, "-recorded_on", "-pk"))
    expenses = list(household.expenses.select_related("person", "voided_by")
                    .order_by(live_first, "-period_end", "-pk"))
    totals = {
        "income": sum((r.amount for r in incomes if r.voided_at is None), 0),
        "asset": sum((r.value for r in assets if r.voided_at is None and r.disposed_on is None), 0),
        "expense": sum((r.amount for r in expenses if r.voided_at is None), 0),
    }
    return {"incomes": incomes, "assets": assets, "expenses": expenses, "means_totals": totals}


def print_decision_get(*, actor, decision_id: int, purpose: str):
    """A tier decision for a printed form (审批表, 告知书). Its household is read through household_get: the
    capability, the jurisdiction (404 outside, nothing audited) and the audit of the household and of every
    member the form shows, with the form as the purpose."""
    from jiuzhu.registry.models import TierDecision

    decision = TierDecision.objects.select_related("person", "decided_by", "basis").filter(pk=decision_id).first()
    if decision is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    decision.household = household_get(actor=actor, household_id=decision.household_id, purpose=purpose)
    return decision


def means_in_force(*, actor, household: Household) -> dict:
    """The means-test entries a printed form lists: voided ones left out."""
    _household_in_scope(actor, household)
    live = {"voided_at__isnull": True}
    return {"incomes": household.incomes.filter(**live).select_related("person").order_by("period_start", "pk"),
            "assets": household.assets.filter(**live).select_related("person").order_by("recorded_on", "pk"),
            "expenses": household.expenses.filter(**live).select_related("person").order_by("period_start", "pk")}


def grant_for_decision(*, actor, decision):
    """The grant a decision led to: the one linked to it, else the household's (or the single-person member's)
    basic-living or destitute-support grant starting on or after the decision's start."""
    household = decision.household
    _household_in_scope(actor, household)
    linked = household.grants.filter(tier_decision=decision).order_by("period_start", "pk").first()
    if linked:
        return linked
    category = "destitute_support" if decision.tier == "tekun" else "basic_living"
    grants = household.grants.filter(category=category, person_id=decision.person_id)
    if decision.valid_from:
        grants = grants.filter(period_start__gte=decision.valid_from)
    return grants.order_by("period_start", "pk").first()


# ---- The approver's queue (queue_views.py) --------------------------------------------------------

# What the assessment writes as reasons (assessment.ASSESS_SQL), as kinds an approver can filter by: each kind
# is a LIKE pattern matched against each reason of a decision, and its Chinese label.
QUEUE_REASONS: dict[str, tuple[str, str]] = {
    "below_standard": ("人均月收入低于低保标准", "人均月收入 % 元，低于低保标准%"),
    "not_below_standard": ("人均月收入不低于低保标准", "人均月收入 % 元，不低于低保标准%"),
    "tekun": ("全部成员无劳动能力且无法定义务人（特困条件）", "全部成员无劳动能力%"),
    "below_near_line": ("人均月收入低于低保边缘标准", "人均月收入低于低保标准的%"),
    "deposit_over": ("人均存款超过上限", "人均存款 %，超过上限%"),
    "vehicle": ("有机动车辆", "有机动车辆%"),
    "housing_over": ("房产超过上限", "有房产%超过上限%"),
    "business": ("有工商登记", "有工商登记%"),
    "rigid_expense": ("有刚性支出", "计算期内刚性支出%"),
    "below_disposable": ("人均月收入低于上年度人均可支配收入月均数", "人均月收入低于上年度人均可支配收入%"),
    "relapse_watch": ("已纳入防止返贫监测", "已纳入防止返贫监测%"),
    "hardship_member": ("家庭有重度残疾或重病成员", "家庭有重度残疾或重病成员%"),
    "no_members": ("家庭无在世成员", "家庭无在世成员%"),
    "single_person": ("单人户（重度残疾或重病成员单独纳入）", "单人户：%"),
}
QUEUE_PAGE_SIZE = 50
QUEUE_COUNT_CAP = 10_000  # the count shown stops here ("10,000 条以上"): no COUNT(*) over a province
QUEUE_COUNT_CAP_JSON = 1_000  # …and here when filtering by reason or 数据有变化 (each row's JSON is read)
QUEUE_REASON_SAMPLE = 5_000  # the reasons offered are those present among this many pending decisions
QUEUE_REASON_CACHE_SECONDS = 300


def _reason_match(pattern: str):
    """A decision one of whose reasons matches `pattern` (each reason on its own, never across two)."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        sql = ("EXISTS (SELECT 1 FROM jsonb_array_elements_text(registry_tierdecision.reasons) AS r(v) "
               "WHERE r.v LIKE %s)")
    else:
        sql = "EXISTS (SELECT 1 FROM json_each(registry_tierdecision.reasons) AS r WHERE r.value LIKE %s)"
    return RawSQL(sql, [pattern], output_field=BooleanField())  # noqa: S611 - constant SQL, pattern a parameter


def in_household_regions(qs, regions):
    """Rows of `qs` (a model with a `household` key: decisions, grants) whose household lies in one of `regions`,
    asked of each row on its own (a correlated subquery PostgreSQL cannot flatten into a join): a capped or paged
    walk of the row's own index then stops after a page, instead of the planner starting from the regions'
    households and joining or sorting them all."""
    from django.db import connections
    from django.db.models import BooleanField, OuterRef, Subquery
    from django.db.models.expressions import RawSQL

    # The region ids as a list, not a subquery: `IN (SELECT …)` would be flattened into a join again.
    region_ids = list(regions.values_list("pk", flat=True))
    if connections[qs.db].vendor == "postgresql":  # one array parameter, however many villages
        # The model's own table name, never user input.
        sql = f"(SELECT h.region_id FROM registry_household h WHERE h.id = {qs.model._meta.db_table}.household_id)"  # noqa: S608
        in_regions = RawSQL(sql + " = ANY(%s)", [region_ids], output_field=BooleanField())  # noqa: S611
        return qs.alias(in_regions=in_regions).filter(in_regions=True)
    household_region = Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("region_id")[:1])
    return qs.alias(household_region=household_region).filter(household_region__in=region_ids)


def in_jurisdiction(qs, actor):
    """`qs` (decisions, grants) within the actor's jurisdiction, per row as `in_household_regions` asks: the
    superuser's everything, and the nothing of an inactive, region-less or department actor, come from `scoped`."""
    from jiuzhu.core.scoping import is_department_actor

    if actor.is_superuser or not actor.is_active or not actor.region_id or is_department_actor(actor):
        return scoped(qs, actor, region_field="household__region")
    return in_household_regions(qs, regions_in_scope(actor=actor))


def queue_pending(actor, *, township=None):
    """Decisions awaiting approval (待审批) in the approver's jurisdiction (and in `township`, a Region in it)."""
    require(actor, Capability.DECIDE_TIERS)
    qs = TierDecision.objects.filter(status=DecisionStatus.RECOMMENDED)
    if township is not None:
        return in_household_regions(qs, regions_in_scope(actor=actor).filter(path__startswith=township.path))
    return in_jurisdiction(qs, actor)


def queue_townships(actor):
    """The townships (乡镇、街道) of the approver's jurisdiction, for the queue's filter."""
    require(actor, Capability.DECIDE_TIERS)
    return regions_in_scope(actor=actor, level="township").order_by("code")


def queue_search(*, actor, township: str = "", tier: str = "", reason: str = "", changed: bool = False):
    """The queue filtered by township code, recommended tier, reason kind (QUEUE_REASONS) and 数据有变化
    (the assessment wrote `facts["changes"]`: what changed since the decision in force)."""
    region = None
    if township:
        region = queue_townships(actor).filter(code=township).first()
        if region is None:
            return queue_pending(actor).none()
    qs = queue_pending(actor, township=region)
    if tier:
        qs = qs.filter(recommended_tier=tier)
    if reason in QUEUE_REASONS:
        qs = qs.alias(has_reason=_reason_match(QUEUE_REASONS[reason][1])).filter(has_reason=True)
    if changed:
        qs = qs.filter(facts__has_key="changes").exclude(facts__changes=[])
    return qs


def queue_page(qs, *, after: int | None = None, before: int | None = None, last: bool = False,
               size: int = QUEUE_PAGE_SIZE) -> dict:
    """One page of the queue, oldest first, by keyset (id) rather than OFFSET: the first, next, previous and
    last pages cost the same on a million rows. `count` only when the page holds everything (else None). Items are
    dicts (no model instances: a page of 50 renders in a few milliseconds), with `tier_label`, `reason_labels`
    (QUEUE_REASONS kinds) and `changes` (facts["changes"])."""
    rows = qs.values("pk", "household_id", "person_id", "recommended_tier", "per_capita_income", "dibao_standard",
                     "assessed_on", "reasons", "facts", person_name=F("person__name"),
                     head_id=F("household__head_id"), head_name=F("household__head__name"),
                     region_name=F("household__region__name"))
    if after is not None:
        items = list(rows.filter(pk__gt=after).order_by("pk")[:size + 1])
        has_prev, has_next = True, len(items) > size
        items = items[:size]
    elif before is not None:
        items = list(rows.filter(pk__lt=before).order_by("-pk")[:size + 1])
        has_prev, has_next = len(items) > size, True
        items = items[:size][::-1]
    elif last:
        items = list(rows.order_by("-pk")[:size])[::-1]
        has_next = False
        has_prev = bool(items) and qs.filter(pk__lt=items[0]["pk"]).exists()
    else:
        items = list(rows.order_by("pk")[:size + 1])
        has_prev, has_next = False, len(items) > size
        items = items[:size]
    labels = dict(Tier.choices)
    for d in items:
        d["tier_label"] = labels.get(d["recommended_tier"], "")
        d["reason_labels"] = queue_reason_labels(d["reasons"])
        d["changes"] = (d["facts"].get("changes") or []) if isinstance(d["facts"], dict) else []
    # The count is free when everything fits on this page; otherwise queue_count answers it apart (the page
    # asks for it after loading), so the page itself never waits for a COUNT over the jurisdiction.
    count = len(items) if not (has_prev or has_next) else None
    return {"items": items, "has_prev": has_prev, "has_next": has_next, "count": count, "count_capped": False,
            "first_id": items[0]["pk"] if items else None, "last_id": items[-1]["pk"] if items else None}


def queue_count(qs, *, cap: int | None = None) -> tuple[int, bool]:
    """How many decisions the (filtered) queue holds, counted up to `cap` (QUEUE_COUNT_CAP): (count, capped).
    Filters on reasons or changes read each decision's JSON, so the queue page asks those with a smaller cap."""
    cap = cap or QUEUE_COUNT_CAP
    count = qs.all()[:cap + 1].count()
    return min(count, cap), count > cap


def queue_reasons_present(actor) -> list[tuple[str, str]]:
    """The reason kinds present among the pending decisions of the jurisdiction (the oldest
    QUEUE_REASON_SAMPLE of them), as (key, Chinese label); kept for a few minutes per jurisdiction. One pass:
    each reason of each sampled decision is read once and named by the first kind it matches."""
    from django.core.cache import cache
    from django.db import connections

    pending = queue_pending(actor)
    key = f"registry:queue_reasons:{actor.region.path if actor.region_id else actor.pk}:{actor.is_superuser}"
    present = cache.get(key)
    if present is None:
        sample = pending.order_by("pk").values_list("reasons")[:QUEUE_REASON_SAMPLE]
        sample_sql, sample_params = sample.query.sql_with_params()
        connection = connections[sample.db]
        each = ("jsonb_array_elements_text(s.reasons) AS r(value)" if connection.vendor == "postgresql"
                else "json_each(s.reasons) AS r")
        kinds = " ".join("WHEN r.value LIKE %s THEN %s" for _ in QUEUE_REASONS)
        sql = (f"SELECT DISTINCT CASE {kinds} END FROM ({sample_sql}) s, {each}")  # noqa: S608 - constant parts
        params = [x for name, (_label, pattern) in QUEUE_REASONS.items() for x in (pattern, name)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *sample_params])
            found = {row[0] for row in cursor.fetchall()}
        present = [name for name in QUEUE_REASONS if name in found]
        cache.set(key, present, QUEUE_REASON_CACHE_SECONDS)
    return [(name, QUEUE_REASONS[name][0]) for name in present]


def queue_reason_labels(reasons: list) -> list[str]:
    """The reason kinds a decision's reasons fall under (for the list's 理由 column)."""
    from fnmatch import fnmatchcase

    reasons = [str(r) for r in reasons or []]
    return [label for label, pattern in QUEUE_REASONS.values()
            if any(fnmatchcase(r, pattern.replace("%", "*")) for r in reasons)]


def queue_recently_decided(actor, *, limit: int = 10) -> list[dict]:
    """The actor's own latest confirmations and overrides still in force, for undo (撤销) from the queue."""
    require(actor, Capability.DECIDE_TIERS)
    qs = TierDecision.objects.filter(decided_by=actor, status__in=[DecisionStatus.CONFIRMED,
                                                                   DecisionStatus.OVERRIDDEN])
    rows = list(scoped(qs, actor, region_field="household__region").order_by("-decided_at", "-pk").values(
        "pk", "household_id", "person_id", "tier", "status", "decided_at", person_name=F("person__name"),
        head_id=F("household__head_id"), head_name=F("household__head__name"))[:limit])
    labels, statuses = dict(Tier.choices), dict(DecisionStatus.choices)
    for d in rows:
        d["tier_label"], d["status_label"] = labels.get(d["tier"], ""), statuses.get(d["status"], "")
    return rows


def queue_decision_get(*, actor, decision_id: int):
    """One decision with its household, for the decision page. Out of scope: 404."""
    require(actor, Capability.DECIDE_TIERS)
    return get_scoped_or_404(
        TierDecision.objects.select_related("household__region", "household__head", "person", "decided_by", "basis"),
        actor, scope={"region_field": "household__region"}, pk=decision_id)


def queue_evidence(*, actor, decision) -> dict:
    """What the approver sees beside a decision: members (masked per role, each audited as shown), the
    means-test entries in force (voided ones left out), documents if any, and the decision in force."""
    household = decision.household
    head_first = Case(When(relation="head", then=Value(0)), default=Value(1))
    members = with_identity_shown(actor, household.members.order_by(head_first, "birth_date", "pk"))
    audit_shown(actor, [m.pk for m in members], purpose="tier_decision")
    live = {"voided_at__isnull": True}
    documents = Document.objects.filter(household=household, voided_at__isnull=True).order_by("-uploaded_at", "-pk")
    in_force = TierDecision.objects.filter(household=household, person=decision.person,
                                           status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN])\
        .exclude(pk=decision.pk).select_related("decided_by").order_by("-decided_at").first()
    return {
        "members": members,
        "incomes": household.incomes.filter(**live).select_related("person").order_by("-period_end", "-pk"),
        "assets": household.assets.filter(**live).select_related("person").order_by("-recorded_on", "-pk"),
        "expenses": household.expenses.filter(**live).select_related("person").order_by("-period_end", "-pk"),
        "documents": documents,
        "in_force": in_force,
        "has_grants": AssistanceGrant.objects.filter(tier_decision=decision).exists(),
    }


# ---- Documents (材料) ----------------------------------------------------------------------------

def documents_for(*, actor, household: Household):
    """The household's documents, newest first, voided ones included (marked): for its page."""
    _household_in_scope(actor, household)
    return Document.objects.filter(household=household).select_related("uploaded_by", "voided_by", "decision")\
        .order_by("-uploaded_at", "-pk")


def document_get(*, actor, document_id: int, purpose: str = "document"):
    """One document (for download or to void it). Out of scope: 404. Opening it is a read of the household's
    person records: audited for the head, with the document named."""
    require(actor, Capability.VIEW_REGISTRY)
    document = get_scoped_or_404(Document.objects.select_related("household__region", "household__head"), actor,
                                 scope={"region_field": "household__region"}, pk=document_id)
    audit_read(actor, document, person_id=document.household.head_id,
               detail={"purpose": purpose, "household": document.household_id, "sha256": document.sha256})
    return document


# ---- The low-income registry look-up for rescue stations (LOOKUP_REGISTRY) --------------------------------

@dataclass(frozen=True)
class LowIncomeAnswer:
    """The whole answer a rescue station gets (ROLES.md): whether the client is in the low-income registry,
    and if so the tier in force and the home region. Never a name, a household or a number."""
    found: bool
    tier: str = ""  # Tier value, "" when found without a decision in force
    home_region: object = None  # Region: the person's hukou region, or the registry's region
    ambiguous: bool = False  # name + birth date matched more than one person: ask for the ID number

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label if self.tier else ""


def low_income_lookup(*, actor, id_number: str = "", name: str = "", birth_date: dt.date | None = None,
                      purpose: str = "rescue_lookup") -> LowIncomeAnswer:
    """Is a client in the low-income registry, anywhere? By exact ID number (the keyed hash) or by name and
    birth date. Not scoped to the actor's region (a station's clients come from everywhere), so the answer is
    only tier and home region; each found person is audited (a READ row naming the purpose) and counted by
    core/disclosure as a "registered elsewhere" answer (daily cap; raises DomainError "disclosure_limit").
    `id_number` must already be canonical (identity.parse_id_number)."""
    from jiuzhu.core.crypto import keyed_hash
    from jiuzhu.core.disclosure import disclose_registered_elsewhere

    require(actor, Capability.LOOKUP_REGISTRY)
    if id_number:
        persons = list(Person.objects.filter(id_number_hash=keyed_hash(id_number))
                       .select_related("hukou_region", "region")[:2])
    elif name and birth_date:
        persons = list(Person.objects.filter(name=name.strip(), birth_date=birth_date)
                       .select_related("hukou_region", "region")[:2])
    else:
        return LowIncomeAnswer(found=False)
    if not persons:
        audit_read(actor, None, detail={"purpose": purpose, "result": "not_found"})
        return LowIncomeAnswer(found=False)
    if len(persons) > 1:
        audit_read(actor, None, detail={"purpose": purpose, "result": "ambiguous"})
        return LowIncomeAnswer(found=False, ambiguous=True)
    person = persons[0]
    disclose_registered_elsewhere(actor=actor, id_hashes=[person.id_number_hash])
    audit_read(actor, person, person_id=person.pk, detail={"purpose": purpose})
    on = dt.date.today()
    decision = None
    if person.household_id:
        decision = TierDecision.objects.filter(
            household_id=person.household_id, status__in=[DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN],
            valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))\
            .order_by("-decided_at").only("tier").first()
    return LowIncomeAnswer(found=True, tier=decision.tier if decision else "",
                           home_region=person.hukou_region or person.region)


# ---- Family search's candidates (issue #19) -----------------------------------------------------------------

MATCHING_ROWS_CAP = 2000  # a surname-only reading of a common surname must not read a province's registry


def persons_for_matching(*, actor, full_keys: list[str], surname_keys: list[str], given_keys: list[str],
                         sex: str, born_from: int | None, born_to: int | None) -> list[dict]:
    """Living registry persons who could be an unidentified rescue client, for family search's ranking: blocked
    in SQL by the sound keys of the names the client gave (the core's name_sound_key: a full name equal, a surname
    as the key's first syllable, a given name as its last ones), sex (the same or any when unknown) and birth
    years. Not scoped to the actor's region (a station's clients come from everywhere): the actor must hold
    LOOKUP_REGISTRY, the rows are the matching columns only (no ID number, no address, no tier), and the caller
    audits every person it shows as a candidate. At most MATCHING_ROWS_CAP rows."""
    require(actor, Capability.LOOKUP_REGISTRY)
    names = Q(pk__in=[])
    if full_keys:
        names |= Q(name_sound_key__in=full_keys)
    for key in surname_keys:
        names |= Q(name_sound_key__startswith=f"{key} ")
    for key in given_keys:
        names |= Q(name_sound_key__endswith=f" {key}")
    qs = Person.objects.filter(names, death_date__isnull=True)
    if sex in ("M", "F"):
        qs = qs.filter(sex=sex)
    if born_from is not None and born_to is not None:
        qs = qs.filter(birth_date__gte=dt.date(born_from, 1, 1), birth_date__lte=dt.date(born_to, 12, 31))
    return list(qs.order_by("pk").values("pk", "name", "sex", "birth_date", "hukou_region__code",
                                         "region__code")[:MATCHING_ROWS_CAP])
