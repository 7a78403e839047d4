"""The household and person lists: columns, sorting, paging and the figures per row, cheaply.

A list page touches only its own rows. The page's ids come from the scoped, filtered, ordered query with
LIMIT/OFFSET on the id alone (no join for columns, no GROUP BY, no DISTINCT); a page past the middle reads
the reversed order from the far end, so the last page costs what the first does. The columns of the rows
shown (members, tier in force, pending suggestion, per-capita income, monthly grant) are correlated
subqueries evaluated for those rows only; the export uses the same annotations over its whole set, in SQL.

Sorting is by whitelisted keys only (`HOUSEHOLD_SORTS`, `PERSON_SORTS`): an unknown key falls back to
the default order, so a request can never order by an arbitrary column."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, Lookup

from jiuzhu.registry.models import AssistanceGrant, DecisionStatus, Person, TierDecision

PER_PAGE = 20

# key -> (Chinese column, ordering). The reversed key ("-key") sorts the other way; the last field is
# always the primary key so that the order is total and pages never overlap.
# Only orders an index can serve are offered (measured at 100,000 persons: 户主 or 姓名 order sorted the
# whole county in 200–350 ms, so they are not sortable; filter by name instead).
HOUSEHOLD_SORTS = {
    "id": ("户号", ("pk",)),
    "region": ("所在村（社区）", ("region__code", "pk")),
}
HOUSEHOLD_DEFAULT_SORT = "-id"  # newest first: an import's households are on top
PERSON_SORTS = {
    "household": ("户号", ("household_id", "pk")),
    "region": ("所在地", ("region__code", "household_id", "pk")),
}
PERSON_DEFAULT_SORT = "household"


def sort_fields(sorts: dict, key: str, default: str) -> tuple[str, tuple[str, ...]]:
    """(the effective key, its ordering). Keys outside the whitelist give the default."""
    name = (key or "").lstrip("-")
    if name not in sorts:
        key, name = default, default.lstrip("-")
    fields = sorts[name][1]
    if key.startswith("-"):
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return key, fields


# ---- Figures of a household, as subqueries (the page's rows or an export's) ----------------------

def in_force_q(on: dt.date, prefix: str = "") -> Q:
    """A household decision in force on `on`: confirmed or overridden, valid that day."""
    return Q(**{f"{prefix}person__isnull": True,
                f"{prefix}status__in": [DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN],
                f"{prefix}valid_from__lte": on}) & (Q(**{f"{prefix}valid_to__isnull": True})
                                                     | Q(**{f"{prefix}valid_to__gte": on}))


def pending_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}person__isnull": True, f"{prefix}status": DecisionStatus.RECOMMENDED})


def household_columns(qs: QuerySet, on: dt.date, household: str = "pk") -> QuerySet:
    """Annotates each row with the figures the lists and exports show. `household` is the path to the
    household's id on the rows' model ("pk" for households, "household_id" for persons)."""
    outer = OuterRef(household)
    decisions = TierDecision.objects.filter(household_id=outer)
    in_force = decisions.filter(in_force_q(on)).order_by("-decided_at", "-pk")
    pending = decisions.filter(pending_q()).order_by("-created_at", "-pk")
    members = (Person.objects.filter(household_id=outer).order_by().values("household_id")
               .annotate(n=Count("pk")).values("n"))
    monthly = (AssistanceGrant.objects.filter(household_id=outer, status="active", monthly_amount__isnull=False)
               .order_by().values("household_id").annotate(s=Sum("monthly_amount")).values("s"))
    money = DecimalField(max_digits=12, decimal_places=2)
    return qs.annotate(
        tier_code=Subquery(in_force.values("tier")[:1]),
        tier_income=Subquery(in_force.values("per_capita_income")[:1], output_field=money),
        pending_code=Subquery(pending.values("recommended_tier")[:1]),
        pending_income=Subquery(pending.values("per_capita_income")[:1], output_field=money),
        member_total=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        monthly_total=Subquery(monthly, output_field=money),
    ).annotate(per_capita_income=Coalesce(F("tier_income"), F("pending_income")))


_PAGE_COLUMNS: dict = {}


def page_columns(model, on: dt.date, household: str = "pk") -> QuerySet:
    """household_columns over all rows of `model`, built once per day and server process: a page filters it
    to its ids (`.filter(pk__in=ids)` clones it). Resolving the six subqueries is most of the CPU a list page
    spends on its rows' figures; the SQL is the same as building them for each page."""
    key = (model, on, household)
    base = _PAGE_COLUMNS.get(key)
    if base is None:
        if len(_PAGE_COLUMNS) > 8:  # yesterday's
            _PAGE_COLUMNS.clear()
        base = _PAGE_COLUMNS[key] = household_columns(model.objects.all(), on, household=household)
    return base


def _household_level(q: Q) -> Q:
    """`q` with "a household decision" (person IS NULL) written as COALESCE(person_id, 0) = 0: the same rows,
    but SQLite cannot answer it from the person index, whose statistics count the NULLs as one value of ~65
    rows; it then walks the (tier, status, household) index as meant instead of every household decision
    (246 ms → 10 ms for a county's 认定层级 filter at 100,000 persons)."""
    whole = Exact(Coalesce("person_id", Value(0)), 0)
    children = [c for c in q.children if c != ("person__isnull", True)]
    return Q(whole, *children, _connector=q.connector, _negated=q.negated)


class _LiteralIn(Lookup):
    """`col IN ('a', 'b')` with the values written into the SQL (constants of the code, checked to be plain
    words), not bound: SQLite uses a partial index only when the query carries the index's own WHERE term with
    literals. Resolves its column like any lookup, so it is right inside a subquery's aliases too."""

    lookup_name = "literal_in"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", value)

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        if not all(str(v).isidentifier() and str(v).isascii() for v in self.rhs):
            raise ValueError("literal_in takes plain words only")
        return f"{lhs} IN ({', '.join(repr(str(v)) for v in self.rhs)})", params


def in_force_status() -> _LiteralIn:
    """status IN ('confirmed', 'overridden'), the condition of the partial index tier_force_list (0013)."""
    return _LiteralIn(F("status"), [DecisionStatus.CONFIRMED.value, DecisionStatus.OVERRIDDEN.value])


def tier_filter_q(*, tier: str = "", pending: str = "", on: dt.date, household: str = "pk",
                  correlated: bool = False) -> Q:
    """认定层级 (the tier in force) and 待审批建议 (a pending suggestion's tier) as filters. Each is a
    semi-join on the decisions' (tier, status) index, never a join that multiplies rows. `correlated`: asked of
    each row instead (EXISTS on the household's decisions), for a page read by walking its order's index
    (_walk_in_order): SQLite would otherwise first collect every decision of that tier (30,000 at 1M persons)."""
    from django.db.models import Exists

    def semi(decisions: QuerySet) -> Q:
        if correlated:
            return Q(Exists(decisions.filter(household_id=OuterRef(household))))
        return Q(**{f"{household}__in": decisions.values("household_id")})

    q = Q()
    if tier:
        # in_force_status(): the partial index tier_force_list's own condition, with literals.
        q &= semi(TierDecision.objects.filter(_household_level(in_force_q(on)), in_force_status(), tier=tier))
    if pending:
        q &= semi(TierDecision.objects.filter(_household_level(pending_q()), recommended_tier=pending))
    return q


# ---- Paging: the page's ids only, from whichever end is nearer ------------------------------------

@dataclass
class ListPaginator:
    count: int
    per_page: int = PER_PAGE
    tallied: bool = False  # the count is a sum of the jurisdiction's per-region tally (region_tally_count)

    @property
    def counted_lately(self) -> bool:
        """A long list's count, or one summed from the per-region tally, may be up to a minute old
        (list_count, region_tally_count): the page says so."""
        return self.tallied or self.count >= COUNT_CACHED_FROM

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))


class ListPage:
    """What templates/pagination.html and the list templates read (the shape of a Django Page)."""

    def __init__(self, rows: list, number: int, paginator: ListPaginator):
        self.object_list, self.number, self.paginator = rows, number, paginator

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @cached_property
    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0


def page_number(value, num_pages: int) -> int:
    """The page asked for: a number, or "last"; anything else is the first page, past the end the last."""
    if value == "last":
        return num_pages
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)


def page_ids(qs: QuerySet, ordering: tuple[str, ...], *, number: int, count: int,
             per_page: int = PER_PAGE, walk: bool | None = None) -> list[int]:
    """The ids of one page, in order. Past the middle the query runs in the reversed order from the end
    (OFFSET count-top), so no page scans more than half the list. `walk`: read by walking the order's index
    on SQLite (None: from WALK_FROM rows)."""
    bottom = (number - 1) * per_page
    top = min(bottom + per_page, count)
    if top <= bottom:
        return []
    walk = count >= WALK_FROM if walk is None else walk
    ids = qs.order_by(*ordering).values_list("pk", flat=True)
    if bottom > count / 2:
        reverse = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in ordering)
        tail = _walk_in_order(qs.order_by(*reverse).values_list("pk", flat=True)[count - top:count - bottom],
                              walk)
        return tail[::-1]
    return _walk_in_order(ids[bottom:top], walk)


WALK_FROM = 2000  # rows in the list from which SQLite reads the ordering's index instead of sorting
WALK_ROWS = 50_000  # at most this many rows of the table walked for a page of a tier-filtered list (SQLite)


def tier_walk(model, search: dict, *, number: int, count: int, per_page: int = PER_PAGE) -> bool:
    """Whether SQLite should read a 认定层级/待审批建议-filtered page by walking its order's index, asking each
    row for its decision (tier_filter_q(correlated=True)): when the rows walked to reach the page (the table's
    rows per listed row, times the rows before the page from the nearer end) stay under WALK_ROWS. A township's
    pending 低保 (1,300 of 367,000 households) is 6,000 rows walked, 2 ms, instead of collecting 30,000 decisions
    (100 ms); a rare tier is left to the planner."""
    from django.db import connections

    if connections[model.objects.db].vendor != "sqlite" or not (search.get("tier") or search.get("pending")):
        return False
    if count <= 0:
        return False
    rows = newest_ids(model)[0] or 0
    before = min((number - 1) * per_page, max(0, count - number * per_page))
    return rows * (before + per_page) / count <= WALK_ROWS


def walk_search(search, lr_search: dict, *, on: dt.date, household: str = "pk") -> QuerySet:
    """The list's query with its tier filters asked of each row (see tier_walk)."""
    rest = {k: v for k, v in lr_search.items() if k not in ("tier", "pending")}
    return search(**rest).filter(tier_filter_q(tier=lr_search.get("tier", ""), pending=lr_search.get("pending", ""),
                                               on=on, household=household, correlated=True))


def _walk_in_order(ids: QuerySet, walk: bool) -> list[int]:
    """The ids of one page. On SQLite a long list's page is read by walking the index of its order (the
    primary key, the household id, the region's code) and skipping rows outside the place asked for, instead
    of collecting every row of the place and sorting them: the planner, seeing `region_id IN (…)`, prefers
    the region index and then sorts a whole township's persons (~50,000 at 1,000,000 persons) for 20 rows.
    SQLite's unary `+` before the column (the documented way, a no-op on the value) keeps that term off the
    region index. Short lists, and PostgreSQL (whose planner weighs LIMIT itself), are left to the planner."""
    from django.db import connections

    connection = connections[ids.db]
    if connection.vendor != "sqlite" or not walk:
        return list(ids)
    sql, params = ids.query.sql_with_params()
    table = connection.ops.quote_name(ids.model._meta.db_table)
    sql = sql.replace(f'{table}."region_id" IN (', f'+{table}."region_id" IN (')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def in_order(rows, ids: list[int]) -> list:
    by_id = {r.pk: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


# ---- A list request: the filter form, the region picker, the batch, the sort ---------------------

@dataclass
class ListRequest:
    form: object
    picker: object
    batch: object | None
    search: dict  # arguments for selectors.household_search / person_search
    shown: dict  # the filters in Chinese, for the page and the export's audit row (an ID number masked)
    sort: str
    ordering: tuple
    blocked: bool  # a filter could not be understood (a place name matching nothing): list nothing

    @property
    def query_hash_source(self) -> dict:
        return {k: (v.pk if hasattr(v, "pk") else v) for k, v in self.search.items()}


def list_request(actor, data, form_class, *, sorts: dict, default_sort: str) -> ListRequest:
    """Reads a list page's (or its export's) query string. An import batch out of the jurisdiction is 404."""
    from jiuzhu.core.crypto import keyed_hash
    from jiuzhu.core.identity import IdNumberError, mask_id_number, normalize_id_number
    from jiuzhu.core.region_picker import pick_region
    from jiuzhu.registry.selectors import import_batch_get

    form = form_class(data or None)
    cleaned = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    shown = {}
    for name, value in cleaned.items():
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        shown[field.label] = mask_id_number(value) if name == "id_number" else choices.get(value, value)
    number = cleaned.pop("id_number", "")
    if number:
        try:
            cleaned["id_hash"] = keyed_hash(normalize_id_number(number))
        except IdNumberError as exc:
            form.add_error("id_number", exc.message)
            cleaned["id_hash"] = "invalid"  # an invalid number finds no one
    picker = pick_region(actor, data)
    if picker.region is not None:
        cleaned["region"] = picker.region
        shown["地区"] = picker.label
    batch = None
    if data.get("batch"):
        batch = import_batch_get(actor=actor, batch_id=data.get("batch"))
        cleaned["batch"] = batch.pk
        shown["本批导入"] = batch_label(batch)
    sort, ordering = sort_fields(sorts, data.get("sort", ""), default_sort)
    return ListRequest(form=form, picker=picker, batch=batch, search=cleaned, shown=shown, sort=sort,
                       ordering=ordering, blocked=bool(picker.error))


def batch_label(batch) -> str:
    from django.utils import timezone

    return f"{batch.filename} {timezone.localtime(batch.created_at):%Y-%m-%d %H:%M}"


def sort_links(sorts: dict, current: str, data) -> dict:
    """For each sortable column: the query string that sorts by it (the other way if it is the current
    sort) and its arrow. Other parameters are kept; the page goes back to 1."""
    params = data.copy()
    params.pop("page", None)
    links = {}
    for key, (label, _fields) in sorts.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        params["sort"] = f"-{key}" if active and not descending else key
        links[key] = {"label": label, "query": params.urlencode(),
                      "arrow": ("↓" if descending else "↑") if active else "",
                      "aria": ("descending" if descending else "ascending") if active else "none"}
    return links


# ---- The two list pages' content --------------------------------------------------------------

def _labels(rows) -> None:
    from jiuzhu.registry.models import Tier

    for r in rows:
        r.tier_label = Tier(r.tier_code).label if r.tier_code else ""
        r.pending_label = Tier(r.pending_code).label if r.pending_code else ""


def household_page(actor, data, *, on: dt.date | None = None) -> tuple[ListRequest, ListPage]:
    """The household list: the filtered ids of one page, then the figures of those rows only."""
    from jiuzhu.registry import selectors
    from jiuzhu.registry.forms import HouseholdFilterForm
    from jiuzhu.registry.models import Household

    on = on or dt.date.today()
    lr = list_request(actor, data, HouseholdFilterForm, sorts=HOUSEHOLD_SORTS, default_sort=HOUSEHOLD_DEFAULT_SORT)
    qs = selectors.household_search(actor=actor, on=on, **lr.search)
    if lr.blocked:
        qs = qs.none()
    search = lambda **rest: selectors.household_search(actor=actor, on=on, **rest)  # noqa: E731
    number, paginator, ids = _page_of(lr, qs, Household, search, data, on=on)
    rows = in_order(page_columns(Household, on).filter(pk__in=ids).select_related("region", "head"), ids)
    _labels(rows)
    return lr, ListPage(rows, number, paginator)


def _page_of(lr: ListRequest, qs: QuerySet, model, search, data, *, on: dt.date,
             household: str = "pk") -> tuple[int, ListPaginator, list[int]]:
    """The page number asked for, the paginator and the ids of that page; a 认定层级/待审批建议-filtered page
    is read by walking its order on SQLite when that walks few rows (tier_walk)."""
    paginator = _paginator(lr, qs, model, search)
    number = page_number(data.get("page"), paginator.num_pages)
    if not lr.blocked and tier_walk(model, lr.search, number=number, count=paginator.count):
        qs, walk = walk_search(search, lr.search, on=on, household=household), True
    else:
        walk = None
    return number, paginator, page_ids(qs, lr.ordering, number=number, count=paginator.count, walk=walk)


def person_page(actor, data, *, on: dt.date | None = None) -> tuple[ListRequest, ListPage]:
    from jiuzhu.registry import selectors
    from jiuzhu.registry.forms import PersonFilterForm

    on = on or dt.date.today()
    lr = list_request(actor, data, PersonFilterForm, sorts=PERSON_SORTS, default_sort=PERSON_DEFAULT_SORT)
    qs = selectors.person_search(actor=actor, on=on, **lr.search)
    if lr.blocked:
        qs = qs.none()
    search = lambda **rest: selectors.person_search(actor=actor, on=on, **rest)  # noqa: E731
    number, paginator, ids = _page_of(lr, qs, Person, search, data, on=on, household="household_id")
    rows = in_order(page_columns(Person, on, household="household_id").filter(pk__in=ids)
                    .select_related("region", "household"), ids)
    _labels(rows)
    return lr, ListPage(rows, number, paginator)


COUNT_SECONDS = 60


def newest_ids(model) -> tuple:
    """(the newest id of `model`, the newest decision id) in one query: what a remembered count is keyed on."""
    newest_decision = TierDecision.objects.order_by("-pk").values("pk")[:1]
    row = model.objects.order_by("-pk").values_list("pk", Subquery(newest_decision)).first()
    return tuple(row) if row else (None, None)


def _remembered_key(prefix: str, qs: QuerySet, model) -> str:
    """The cache key of a count remembered for a minute: the query's SQL and parameters (the jurisdiction and
    every filter) and the newest ids (newest_ids), so a new row counts at once."""
    import hashlib

    sql, params = qs.query.sql_with_params()
    return prefix + hashlib.sha256(repr((sql, params, newest_ids(model))).encode()).hexdigest()


COUNT_CACHED_FROM = 5000


def list_count(qs: QuerySet, model) -> int:
    """The number of rows of a filtered list, remembered for a minute per query (the SQL and its parameters
    carry the jurisdiction and every filter) and per newest row id of the model and of the decisions, so a
    registration, an import or a new suggestion counts at once; only a status change (a confirmation) may
    show in the count up to a minute late. Many officers paging one county's list count it once a minute
    per server process instead of once per page."""
    from django.core.cache import cache

    if qs.query.is_empty():
        return 0
    key = _remembered_key("list-count:", qs.values("pk"), model)
    count = cache.get(key)
    if count is None:
        count = qs.count()
        if count >= COUNT_CACHED_FROM:  # a short list is counted exactly each time (cheap anyway)
            cache.set(key, count, COUNT_SECONDS)
    return count


TALLIED_FILTERS = {"region", "tier", "pending"}  # the filters officers click again and again


def _paginator(lr: ListRequest, qs: QuerySet, model, search) -> ListPaginator:
    """The list's paginator. A list filtered by place, 认定层级 and 待审批建议 only (or not at all) takes its
    count from the per-region tally of the same filters without the place when that is long; any other filter
    counts its own query (list_count)."""
    if not qs.query.is_empty() and set(lr.search) <= TALLIED_FILTERS:
        rest = {k: v for k, v in lr.search.items() if k != "region"}
        count = region_tally_count(search(**rest), model, lr.search.get("region"))
        if count is not None:
            return ListPaginator(count=count, tallied=True)
    return ListPaginator(count=list_count(qs, model))


def region_tally_count(qs: QuerySet, model, region=None) -> int | None:
    """The number of rows of `qs` (a list's query without its place filter) in `region`'s subtree (all of them
    when None), summed from one tally of `qs` per region (`GROUP BY region_id`, from the region index),
    remembered for a minute per server process and per newest row id of the model and of the decisions (a
    registration, an import or a new suggestion counts at once; a confirmation or a move between villages may
    show up to a minute late, and the page says so). Officers filtering by any township or village of a county
    then count the county once a minute instead of counting each township (50,000 persons, or its pending
    suggestions among 18,000 households) on their first page. None when `qs` holds fewer than
    COUNT_CACHED_FROM rows: such a list is counted exactly (list_count)."""
    from django.core.cache import cache

    from jiuzhu.core.models import Region

    tally_qs = qs.order_by().values("region_id").annotate(n=Count("pk"))
    key = _remembered_key("region-tally:", tally_qs, model)
    tally = cache.get(key)
    if tally is None:
        by_region = {row["region_id"]: row["n"] for row in tally_qs}
        paths = dict(Region.objects.filter(pk__in=list(by_region)).values_list("pk", "path"))
        tally = [(paths[pk], n) for pk, n in by_region.items()]  # one row per village (or place) with rows
        cache.set(key, tally, COUNT_SECONDS)
    if sum(n for _path, n in tally) < COUNT_CACHED_FROM:
        return None
    if region is None:
        return sum(n for _path, n in tally)
    return sum(n for path, n in tally if path.startswith(region.path))
