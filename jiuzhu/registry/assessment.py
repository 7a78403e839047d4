"""Tier assessment (分层认定), set-based.

The registry rows in scope are read once, integer-coded, straight into Arrow (SQLite: one cursor per table;
PostgreSQL: COPY … TO STDOUT; a region's run reads the tables at once on other connections, all of one state:
core.arrow_sql.one_state), one DuckDB statement works out every household's figures, tier, Chinese
reasons and the periods each figure covers, DuckDB compares the results with the decisions already there,
and only what is new is written back (SQLite: one executemany; PostgreSQL: COPY … FROM STDIN), all in one
transaction. One household (an officer's 评估 button) and a province's annual review take the same path,
so they cannot disagree. Rules: DOMAIN.md §1.2 (民发〔2021〕57号 低保, 民发〔2021〕43号 特困, 2024
低收入人口认定 notice); every number comes from the region's standards in force on the date.

What a run writes, per household (and 单人户 member):
- voided means-test rows (`voided_at IS NOT NULL`) never count;
- `facts["coverage"]`: per kind (income, expense, asset) the months its records cover, in Chinese
  ("2026-09 至 2026-11（评估期 2025-12 至 2026-11 中的 3 个月）"); `facts["window"]`, `window_months`,
  `income_months`, `expense_months` the same as figures; `facts["warnings"]`: Chinese, when the income record
  does not cover the window (or lies outside it);
- a household with a decision in force on the date (confirmed or overridden, valid_from ≤ on ≤ valid_to)
  gets no new suggestion from a batch run unless its data changed after that decision was made; when it
  did, the suggestion's `facts["changes"]` says what changed (Chinese, one line per change, dated);
- a suggestion with the same inputs as the household's pending one (or its decision in force) is not
  written again (`run_key` hashes the date, every figure and the basis);
- what the decisions of a region and hukou type share is written once (registry.AssessmentBasis, keyed by its
  content: standards with their setting rows, the window, the texts of a window fully covered / not at all, assets
  as of the date) and each decision points to it (`basis_id`); a decision's `facts` keep its own figures, months
  covered, the coverage texts of a partly covered kind, warnings and changes. Readers use
  `TierDecision.all_facts` (household page, queue, print, API). At 1,000,000 households the rows written shrink
  from ~585 to ~150 bytes of facts each;
- the basis also holds a household's usual figures (`figures`: no deposits, vehicles, houses or rigid expense,
  income over the whole window), so a row's facts keep only what differs (often just income and pci_tekun), and
  the first reason (members and window) is made when read (`TierDecision.all_reasons`)."""

# ruff: noqa: S608 - the SQL here is built from constants, int ids, ISO dates and a region path checked to be digits
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import queue
import tempfile
import threading
import time
from decimal import Decimal

import duckdb
import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone
from pyarrow import csv as pa_csv

from jiuzhu.core.arrow_sql import one_state, query_arrow
from jiuzhu.core.bulk_indexes import analyze, highest_id, indexes_rebuilt
from jiuzhu.core.changestamp import CHANGE_LAG
from jiuzhu.core.events import record_events_by_query
from jiuzhu.core.models import Region, RegionSetting
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import (
    AssessmentBasis,
    AssetKind,
    DecisionStatus,
    DisabilityType,
    ExpenseKind,
    IncomeKind,
    Tier,
    TierDecision,
)
from jiuzhu.registry.standards import STANDARDS, Standards

# Income kinds not counted when testing 特困's 无生活来源 (民发〔2021〕43号).
TEKUN_EXEMPT_INCOME = ("basic_pension",)
_DISABILITY_CODES = ["", *DisabilityType.values]  # 0: none
_ASSET_CODES = ["", *AssetKind.values]


# ---- Reading the registry: integer-coded columns, no Python object per value ----------------------------

def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _day(col: str) -> str:
    """A DATE as days since 1970-01-01 (NULL stays NULL). SQLite hands over its ISO text, which Arrow parses as a
    date (column type DAY; `_read` makes it days): julianday() per value was a tenth of a person read."""
    return f"({col} - DATE '1970-01-01')" if _postgres() else col


def _day_number(col: str) -> str:
    """A DATE as days since 1970-01-01 worked out by the database."""
    return f"({col} - DATE '1970-01-01')" if _postgres() else f"CAST(julianday({col}) - 2440587.5 AS INTEGER)"


def _epoch(col: str) -> str:
    """A timestamp as seconds since 1970-01-01 UTC."""
    return f"CAST(extract(epoch FROM {col}) AS BIGINT)" if _postgres() else f"CAST(strftime('%s', {col}) AS INTEGER)"


def _int(col: str) -> str:
    return f"CAST({col} AS INTEGER)"


def _real(col: str) -> str:
    return f"CAST({col} AS DOUBLE PRECISION)" if _postgres() else f"CAST({col} AS REAL)"


def _code(col: str, values: list[str]) -> str:
    return "CASE " + col + " " + " ".join(f"WHEN '{v}' THEN {n}" for n, v in enumerate(values) if v) + " ELSE 0 END"


def _run_key_int(col: str) -> str:
    """run_key is the decimal text of a 52-bit hash (exact in a float64); older hex keys read as NULL. Digits only
    is tested by ltrim on PostgreSQL, not a regular expression (PostgreSQL's `~` was 1 s of the decisions' 1.4 s at
    300,000); on SQLite by the text's round trip through an integer (a third less of the decisions' read than
    ltrim: 0.33 s of CPU at 300,000, was 0.49)."""
    if not _postgres():
        return f"CASE WHEN length({col}) <= 16 AND CAST(CAST({col} AS INTEGER) AS TEXT) = {col} " \
               f"THEN CAST({col} AS INTEGER) END"
    return (f"CASE WHEN length({col}) BETWEEN 1 AND 16 AND ltrim({col}, '0123456789') = '' "
            f"THEN CAST({col} AS BIGINT) END")


I64, F64, STR = pa.int64(), pa.float64(), pa.string()
DAY = pa.date32()  # a `_day` column as read: days since 1970 once `_read` has it


def _read(sql: str, columns: dict[str, pa.DataType]) -> pa.Table:
    """The rows of `sql` as Arrow, DAY columns as int64 days since 1970 (PostgreSQL already sends the number)."""
    if _postgres():
        columns = {name: I64 if kind == DAY else kind for name, kind in columns.items()}
        return query_arrow(sql, columns) if STR in columns.values() else _postgres_numbers(sql, columns)
    table = query_arrow(sql, columns)
    for j, (name, kind) in enumerate(columns.items()):
        if kind == DAY:
            table = table.set_column(j, name, table.column(j).cast(pa.int32()).cast(I64))
    return table


def _postgres_numbers(sql: str, columns: dict[str, pa.DataType]) -> pa.Table:
    """PostgreSQL: rows of numbers as CSV lines joined by the server into a few large texts. COPY hands them over
    one row per call (2.7 million Python calls for the members of 1,000,000 households: twice the wall time)."""
    names = [f"c{j}" for j in range(len(columns))]
    line = " || ',' || ".join(f"coalesce(CAST({name} AS TEXT), '')" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg({line}, E'\\n') FROM ({sql}) AS q ({', '.join(names)}) "
                       f"GROUP BY c0 / 65536")
        text = "\n".join(part for part, in cursor.fetchall()).encode()
    if not text:
        return pa.table({name: pa.array([], type=kind) for name, kind in columns.items()})
    return pa_csv.read_csv(io.BytesIO(text), read_options=pa_csv.ReadOptions(column_names=list(columns)),
                           convert_options=pa_csv.ConvertOptions(column_types=columns))


def _within(ids: str, scan: bool):
    """`col IN (ids)`. With `scan`, written `+col` so that SQLite reads the table through instead of looking
    each household up in the index (a region's run covers most of the table; the rows come in table order)."""
    return lambda col: f"{'+' if scan else ''}{col} IN ({ids})"


def _loads(ids: str, on: dt.date, scan: bool = False, whole: bool = False, stale: list[int] | None = None,
           bases: list[int] = ()) -> dict[str, tuple[str, dict[str, pa.DataType]]]:
    """The queries of a run. `whole`: the scope is every household there is, so only the households are read
    through it; the other tables are read whole (their rows of a household not read meet nothing in DuckDB: every
    statement starts from `hh_raw`). PostgreSQL's semi-join with the scope was most of a 1,000,000-household read.
    `stale`: on a re-run, the only households whose members and means test are read (see `_stale`); the
    households, decisions and changes are read for the whole scope. `bases`: see `_candidate_columns`."""
    within = _within(ids, scan)
    whole_side = (lambda col: "TRUE") if whole else within
    # The stale ids written out once (up to half a region's households), named by each read of members and means test.
    side = whole_side if stale is None else (lambda col, listed=_id_list(stale): f"{col} IN ({listed})")
    on_sql = f"DATE '{on.isoformat()}'" if _postgres() else f"'{on.isoformat()}'"
    in_force = (f"d.status IN ('confirmed', 'overridden') AND (d.valid_from IS NULL OR d.valid_from <= {on_sql}) "
                f"AND (d.valid_to IS NULL OR d.valid_to >= {on_sql})")
    return {
        "hh_raw": (f"SELECT h.id, h.region_id, CASE WHEN h.hukou_type = 'urban' THEN 1 ELSE 0 END, "
                   f"{_int('h.relapse_watch')} FROM registry_household h WHERE h.is_active AND {whole_side('h.id')}",
                   {"household_id": I64, "region_id": I64, "urban": I64, "relapse_watch": I64}),
        "pp_raw": (f"SELECT p.id, p.household_id, {_day('p.birth_date')}, "
                   f"{_code('p.disability_type', _DISABILITY_CODES)}, p.disability_grade, "
                   f"CASE WHEN p.serious_illness <> '' THEN 1 ELSE 0 END, {_int('p.supporter_able')}, "
                   f"{_day('p.death_date')} FROM registry_person p WHERE {side('p.household_id')}",
                   {"person_id": I64, "household_id": I64, "birth_day": DAY, "disability": I64,
                    "disability_grade": I64, "ill": I64, "supporter_able": I64, "death_day": DAY}),
        "ill": (f"SELECT p.id, p.serious_illness FROM registry_person p WHERE NOT (p.serious_illness = '') "
                f"AND {side('p.household_id')}", {"person_id": I64, "serious_illness": STR}),
        "inc_raw": ("SELECT i.household_id, CASE WHEN i.kind IN ("
                    + ", ".join(f"'{k}'" for k in TEKUN_EXEMPT_INCOME) + f") THEN 1 ELSE 0 END, "
                    f"{_real('i.amount')}, {_day('i.period_start')}, {_day('i.period_end')} "
                    f"FROM registry_incomeitem i WHERE i.voided_at IS NULL AND {side('i.household_id')}",
                    {"household_id": I64, "exempt": I64, "amount": F64, "start_day": DAY, "end_day": DAY}),
        "ast_raw": (f"SELECT a.household_id, {_code('a.kind', _ASSET_CODES)}, {_real('a.value')}, "
                    f"{_day('a.recorded_on')}, {_day('a.disposed_on')} FROM registry_asset a "
                    f"WHERE a.voided_at IS NULL AND {side('a.household_id')}",
                    {"household_id": I64, "kind": I64, "value": F64, "recorded_day": DAY, "disposed_day": DAY}),
        "exp_raw": (f"SELECT e.household_id, {_real('e.amount')}, {_day('e.period_start')}, {_day('e.period_end')} "
                    f"FROM registry_expense e WHERE e.voided_at IS NULL AND {side('e.household_id')}",
                    {"household_id": I64, "amount": F64, "start_day": DAY, "end_day": DAY}),
        # The decisions a new suggestion is compared with: pending (1) and confirmed or overridden (2).
        "dec": (f"SELECT d.id, d.household_id, coalesce(d.person_id, 0), "
                f"CASE WHEN d.status = 'recommended' THEN 1 ELSE 2 END, {_run_key_int('d.run_key')}, "
                f"CASE WHEN {in_force} THEN 1 ELSE 0 END, d.input_key, {_candidate_columns(list(bases))} "
                f"FROM registry_tierdecision d "
                f"WHERE d.status IN ('recommended', 'confirmed', 'overridden') AND {whole_side('d.household_id')}",
                {"decision_id": I64, "household_id": I64, "person_id": I64, "status": I64, "run_key": I64,
                 "in_force": I64, "input_key": I64, "made": I64, "tier": I64, "short": I64}),
        "chg": (_changes_sql(ids, in_force, scan, whole),
                {"household_id": I64, "what": I64, "at": I64, "amount": F64, "label": STR}),
    }


def _changes_sql(ids: str, in_force: str, scan: bool = False, whole: bool = False) -> str:
    """What changed in a household after its decision in force was made: one row per change, read only for
    households with such a decision (what: 1 income recorded, 2 income voided, 3 expense recorded, 4 expense
    voided, 5 asset recorded, 6 asset disposed, 7 asset voided, 8 member joined, 9 member left, 10 person
    updated, 11 household updated). `at` is seconds since 1970 (UTC); a date-only change is at 00:00 UTC."""
    dated = (lambda col: f"{_day_number(col)} * 86400")  # noqa: E731
    parts = [
        ("registry_incomeitem", "x.recorded_at", 1, _epoch("x.recorded_at"), _real("x.amount"), "x.kind"),
        ("registry_incomeitem", "x.voided_at", 2, _epoch("x.voided_at"), _real("x.amount"), "x.kind"),
        ("registry_expense", "x.recorded_at", 3, _epoch("x.recorded_at"), _real("x.amount"), "x.kind"),
        ("registry_expense", "x.voided_at", 4, _epoch("x.voided_at"), _real("x.amount"), "x.kind"),
        ("registry_asset", "x.recorded_on", 5, dated("x.recorded_on"), _real("x.value"), "x.kind"),
        ("registry_asset", "x.disposed_on", 6, dated("x.disposed_on"), _real("x.value"), "x.kind"),
        ("registry_asset", "x.voided_at", 7, _epoch("x.voided_at"), _real("x.value"), "x.kind"),
    ]
    sql = [f"SELECT f.household_id, {what}, {at}, {amount}, {label} FROM f JOIN {table} x "
           f"ON x.household_id = f.household_id WHERE {col} > f.decided_at"
           for table, col, what, at, amount, label in parts]
    sql += [
        f"SELECT f.household_id, 8, {_epoch('m.joined_at')}, NULL, p.name FROM f JOIN registry_householdmembership m "
        "ON m.household_id = f.household_id JOIN registry_person p ON p.id = m.person_id "
        "WHERE m.joined_at > f.decided_at",
        f"SELECT f.household_id, 9, {_epoch('m.left_at')}, NULL, p.name FROM f JOIN registry_householdmembership m "
        "ON m.household_id = f.household_id JOIN registry_person p ON p.id = m.person_id "
        "WHERE m.left_at > f.decided_at",
        f"SELECT f.household_id, 10, {_epoch('p.updated_at')}, NULL, p.name FROM f JOIN registry_person p "
        "ON p.household_id = f.household_id WHERE p.updated_at > f.decided_at",
        f"SELECT f.household_id, 11, {_epoch('h.updated_at')}, NULL, '' FROM f JOIN registry_household h "
        "ON h.id = f.household_id WHERE h.updated_at > f.decided_at",
    ]
    return (f"WITH f AS (SELECT d.household_id, max(coalesce(d.decided_at, d.created_at)) AS decided_at "
            f"FROM registry_tierdecision d WHERE {in_force} "
            f"AND {'TRUE' if whole else _within(ids, scan)('d.household_id')} "
            "GROUP BY d.household_id) " + " UNION ALL ".join(sql))


def _duck_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


# DuckDB views turning the integer codes back into the registry's values, so the rules read naturally.
VIEWS_SQL = f"""
CREATE VIEW hh AS SELECT household_id, region_id, CASE WHEN urban = 1 THEN 'urban' ELSE 'rural' END AS hukou_type,
  relapse_watch = 1 AS relapse_watch FROM hh_raw;
CREATE VIEW pp AS SELECT p.person_id, p.household_id, DATE '1970-01-01' + CAST(p.birth_day AS INTEGER) AS birth_date,
  {_duck_list(_DISABILITY_CODES)}[p.disability + 1] AS disability_type, p.disability_grade,
  coalesce(ill.serious_illness, '') AS serious_illness, p.supporter_able = 1 AS supporter_able,
  DATE '1970-01-01' + CAST(p.death_day AS INTEGER) AS death_date
  FROM pp_raw p LEFT JOIN ill USING (person_id);
CREATE VIEW inc AS SELECT household_id, exempt = 1 AS exempt, amount,
  DATE '1970-01-01' + CAST(start_day AS INTEGER) AS period_start,
  DATE '1970-01-01' + CAST(end_day AS INTEGER) AS period_end FROM inc_raw;
CREATE VIEW ast AS SELECT household_id, {_duck_list(_ASSET_CODES)}[kind + 1] AS kind, value,
  DATE '1970-01-01' + CAST(recorded_day AS INTEGER) AS recorded_on,
  DATE '1970-01-01' + CAST(disposed_day AS INTEGER) AS disposed_on FROM ast_raw;
CREATE VIEW exp AS SELECT household_id, amount, DATE '1970-01-01' + CAST(start_day AS INTEGER) AS period_start,
  DATE '1970-01-01' + CAST(end_day AS INTEGER) AS period_end FROM exp_raw
"""


# The whole rule set. $on is the assessment date; std holds one row of standards per region.
ASSESS_SQL = r"""
-- A sum in yuan, "12.50" or "12": '.00' can only be the end of a two-decimal text (its one point). A DECIMAL cast,
-- not format('{:.2f}'): the same text (1,047,312 decisions compared), in half the time.
CREATE MACRO yuan(x) AS replace(CAST(CAST(round(x, 2) AS DECIMAL(18, 2)) AS VARCHAR), '.00', '');
-- Month k of a window starting on ws runs from ws + k months to the day before ws + (k + 1) months; it is
-- named by the year and month it starts in ("2025-12").
CREATE MACRO month_label(ws, k) AS strftime(ws + to_months(CAST(k AS INTEGER)), '%Y-%m');
CREATE MACRO month_span(ws, a, b) AS CASE WHEN a = b THEN month_label(ws, a)
  ELSE month_label(ws, a) || ' 至 ' || month_label(ws, b) END;
-- The months of a window (n months from ws) a set of periods covers, as bits: bit k is month k.
CREATE MACRO month_bits(ws, s, e) AS CASE WHEN s <= e THEN
  ((CAST(1 AS BIGINT) << (date_sub('month', ws, e) - date_sub('month', ws, s) + 1)) - 1)
    << date_sub('month', ws, s) ELSE 0 END;
-- Covered months as Chinese runs: "2025-12 至 2026-02、2026-09 至 2026-11".
CREATE MACRO covered_text(bits, n, ws) AS CASE
  WHEN bits = 0 THEN ''
  WHEN bits = (CAST(1 AS BIGINT) << n) - 1 THEN month_span(ws, 0, n - 1)
  ELSE array_to_string(list_transform(
    list_filter(range(n), lambda k: (bits >> k) & 1 = 1 AND (k = 0 OR (bits >> (k - 1)) & 1 = 0)),
    lambda a: month_span(ws, a, list_min(list_filter(range(n),
      lambda b: b >= a AND (bits >> b) & 1 = 1 AND (bits >> (b + 1)) & 1 = 0)))), '、') END;
CREATE MACRO covered_phrase(bits, n, ws, window_text) AS CASE
  WHEN bits = 0 THEN format('无记录（评估期 {}）', window_text)
  WHEN bit_count(bits) = n THEN format('{}（评估期全部 {} 个月）', window_text, n)
  ELSE format('{}（评估期 {} 中的 {} 个月）', covered_text(bits, n, ws), window_text, bit_count(bits)) END;
CREATE TABLE h AS
  SELECT hh.household_id, hh.hukou_type, hh.relapse_watch, s.*,
         CASE WHEN hh.hukou_type = 'urban' THEN s.dibao_standard_urban ELSE s.dibao_standard_rural END AS standard,
         CAST($on - to_months(CAST(s.income_window_months AS INTEGER)) + INTERVAL 1 DAY AS DATE) AS wstart,
         CAST(s.income_window_months AS INTEGER) AS n
  FROM hh JOIN std s USING (region_id) ANTI JOIN fresh USING (household_id);
CREATE TABLE mt AS
WITH m AS (
  SELECT p.*, h.tekun_age, h.tekun_minor_age,
         year($on) - year(p.birth_date)
           - CASE WHEN strftime($on, '%m%d') < strftime(p.birth_date, '%m%d') THEN 1 ELSE 0 END AS age
  FROM pp p JOIN h USING (household_id)
  WHERE p.death_date IS NULL OR p.death_date > $on
)
  SELECT m.*,
         (m.disability_grade <= 2 OR (m.disability_grade = 3 AND m.disability_type IN ('intellectual', 'mental')))
           IS TRUE AS severe_disability,
         (m.age >= m.tekun_age OR m.age < m.tekun_minor_age
           OR (m.disability_type IN ('intellectual', 'mental') AND m.disability_grade <= 3)
           OR (m.disability_type = 'physical' AND m.disability_grade <= 2)
           OR (m.disability_type = 'visual' AND m.disability_grade = 1)) IS TRUE AS no_work_ability
  FROM m;
-- Figures and tier of every household (cheap); the texts below only for those not skipped.
CREATE TABLE c AS
WITH mc AS (
  SELECT household_id, count(*) AS members,
         bool_and(no_work_ability AND NOT supporter_able) AS all_tekun_persons,
         bool_or(severe_disability OR serious_illness <> '') AS has_hardship_member
  FROM mt GROUP BY household_id
),
i AS (
  SELECT inc.household_id,
         sum(inc.amount * greatest(0, date_diff('day', greatest(inc.period_start, h.wstart),
                                                least(inc.period_end, $on)) + 1)
             / (date_diff('day', inc.period_start, inc.period_end) + 1)) AS income,
         sum(CASE WHEN inc.exempt THEN 0 ELSE
             inc.amount * greatest(0, date_diff('day', greatest(inc.period_start, h.wstart),
                                               least(inc.period_end, $on)) + 1)
             / (date_diff('day', inc.period_start, inc.period_end) + 1) END) AS counted_for_tekun,
         bit_or(month_bits(h.wstart, greatest(inc.period_start, h.wstart), least(inc.period_end, $on)))
           AS income_bits,
         count(*) FILTER (WHERE inc.period_end < h.wstart OR inc.period_start > $on) AS income_outside
  FROM inc JOIN h USING (household_id)
  WHERE inc.period_end >= inc.period_start
  GROUP BY inc.household_id
),
e AS (
  SELECT exp.household_id,
         sum(exp.amount * greatest(0, date_diff('day', greatest(exp.period_start, h.wstart),
                                               least(exp.period_end, $on)) + 1)
             / (date_diff('day', exp.period_start, exp.period_end) + 1)) AS rigid,
         bit_or(month_bits(h.wstart, greatest(exp.period_start, h.wstart), least(exp.period_end, $on)))
           AS expense_bits
  FROM exp JOIN h USING (household_id)
  WHERE exp.period_end >= exp.period_start
  GROUP BY exp.household_id
),
a AS (
  SELECT household_id,
         sum(CASE WHEN kind = 'deposit' THEN value ELSE 0 END) AS deposits,
         sum(CASE WHEN kind = 'vehicle' THEN value ELSE 0 END) AS vehicle_value,
         count(*) FILTER (WHERE kind = 'vehicle') AS vehicles,
         count(*) FILTER (WHERE kind = 'housing') AS houses,
         count(*) FILTER (WHERE kind = 'business') AS businesses
  FROM ast
  WHERE recorded_on <= $on AND (disposed_on IS NULL OR disposed_on > $on)
  GROUP BY household_id
),
f AS (
  SELECT h.*, coalesce(mc.members, 0) AS members, coalesce(mc.all_tekun_persons, false) AS all_tekun_persons,
         coalesce(mc.has_hardship_member, false) AS has_hardship_member,
         coalesce(i.income, 0) AS income, coalesce(i.counted_for_tekun, 0) AS counted_for_tekun,
         coalesce(e.rigid, 0) AS rigid, coalesce(a.deposits, 0) AS deposits,
         coalesce(a.vehicle_value, 0) AS vehicle_value, coalesce(a.vehicles, 0) AS vehicles,
         coalesce(a.houses, 0) AS houses, coalesce(a.businesses, 0) AS businesses,
         coalesce(i.income_bits, 0) AS income_bits, coalesce(i.income_outside, 0) AS income_outside,
         coalesce(e.expense_bits, 0) AS expense_bits
  FROM h LEFT JOIN mc USING (household_id) LEFT JOIN i USING (household_id)
       LEFT JOIN e USING (household_id) LEFT JOIN a USING (household_id)
),
g AS (
  SELECT f.*,
         CASE WHEN members > 0 THEN income / income_window_months / members ELSE 0 END AS pci,
         CASE WHEN members > 0 THEN counted_for_tekun / income_window_months / members ELSE 0 END AS pci_tekun,
         CASE WHEN members > 0 THEN deposits / members ELSE 0 END AS deposit_pc,
         deposit_limit_months * standard AS deposit_limit,
         near_dibao_multiplier * standard AS near_line,
         disposable_income_last_year / 12 AS disposable_month,
         CASE WHEN income > 0 THEN rigid / income END AS rigid_share
  FROM f
),
k AS (
  SELECT g.*,
         deposit_pc <= deposit_limit AS deposit_ok,
         vehicle_value <= vehicle_value_limit AND NOT (vehicle_value_limit = 0 AND vehicles > 0) AS vehicle_ok,
         houses <= housing_limit AS housing_ok
  FROM g
),
t AS (
  SELECT k.*, deposit_ok AND vehicle_ok AND housing_ok AS assets_ok,
         CASE
           WHEN members = 0 THEN 'none'
           WHEN all_tekun_persons AND pci_tekun < standard AND deposit_ok AND vehicle_ok AND housing_ok
             THEN 'tekun'
           WHEN pci < standard AND deposit_ok AND vehicle_ok AND housing_ok THEN 'dibao'
           WHEN pci < near_line AND deposit_ok AND vehicle_ok AND housing_ok THEN 'near_dibao'
           WHEN pci < disposable_month AND deposit_ok AND vehicle_ok AND housing_ok
                AND rigid > 0 AND (rigid_share IS NULL OR rigid_share > rigid_expense_ratio) THEN 'rigid_expense'
           WHEN relapse_watch THEN 'relapse_watch'
           WHEN has_hardship_member AND pci < disposable_month THEN 'other_hardship'
           ELSE 'none'
         END AS tier
  FROM k
),
SELECT t.*, bit_count(income_bits) AS income_months, bit_count(expense_bits) AS expense_months, keys.input_key,
       skip.household_id IS NOT NULL AS skipped
FROM t JOIN keys USING (household_id) LEFT JOIN skip USING (household_id);
-- What the decisions of a region and hukou type share (registry.AssessmentBasis: the standards applied, their
-- setting rows, the window, the coverage texts of a window fully covered or not at all), held once per run.
CREATE TABLE basis AS
WITH b AS (SELECT DISTINCT region_id, hukou_type, standard, near_dibao_multiplier * standard AS near_line,
                  deposit_limit_months * standard AS deposit_limit, wstart, n FROM c WHERE NOT skipped),
j AS (
  SELECT b.region_id, b.hukou_type, CAST(json_object(
    'standard', b.standard, 'near_line', b.near_line, 'deposit_limit', b.deposit_limit,
    'window_start', strftime(b.wstart, '%Y-%m-%d'), 'window', month_span(b.wstart, 0, b.n - 1),
    'window_months', b.n,
    'coverage', json_object(
      'full', covered_phrase((CAST(1 AS BIGINT) << b.n) - 1, b.n, b.wstart, month_span(b.wstart, 0, b.n - 1)),
      'none', covered_phrase(0, b.n, b.wstart, month_span(b.wstart, 0, b.n - 1)),
      'asset', format('截至 {}', strftime($on, '%Y-%m-%d'))),
    'standard_settings', coalesce(src.settings, '{}')::JSON,
    'figures', json_object('deposits', 0, 'rigid', 0, 'vehicles', 0, 'vehicle_value', 0, 'houses', 0,
                           'income_months', b.n, 'expense_months', 0)) AS VARCHAR) AS facts
  FROM b LEFT JOIN src USING (region_id)
)
SELECT region_id, hukou_type, facts, md5(facts) AS basis_key FROM j;
CREATE TABLE result AS
WITH cw0 AS (SELECT c.*, month_span(wstart, 0, n - 1) AS window_text, bs.basis_key
             FROM c JOIN basis bs USING (region_id, hukou_type) WHERE NOT c.skipped),
cw AS (
  SELECT c.*,
         -- A decision's own coverage texts: only for a kind its records cover in part (the basis has the rest).
         -- No key for the kind covered in full (concat_ws drops the NULL), as the facts' text leaves it out.
         CASE WHEN (income_bits <> 0 AND bit_count(income_bits) < n)
                OR (expense_bits <> 0 AND bit_count(expense_bits) < n)
           THEN CAST('{' || concat_ws(',',
             '"income":' || to_json(CASE WHEN income_bits <> 0 AND bit_count(income_bits) < n
                                         THEN covered_phrase(income_bits, n, wstart, window_text) END),
             '"expense":' || to_json(CASE WHEN expense_bits <> 0 AND bit_count(expense_bits) < n
                                          THEN covered_phrase(expense_bits, n, wstart, window_text) END)) || '}'
             AS JSON) END AS own_coverage,
         list_filter([
           CASE WHEN income_months = 0 THEN format('评估期 {} 个月（{}）内没有收入记录', n, window_text)
                WHEN income_months < n THEN format('收入记录只覆盖评估期 {} 个月中的 {} 个月（{}）', n, income_months,
                                                   covered_text(income_bits, n, wstart)) END,
           CASE WHEN income_outside > 0 THEN format('有 {} 条收入记录的期间不在评估期内，未计入', income_outside) END
         ], lambda x: x IS NOT NULL) AS warnings,
         {deposits: deposits, income: round(income, 2), rigid: round(rigid, 2), vehicles: vehicles,
          vehicle_value: vehicle_value, houses: houses, pci_tekun: round(pci_tekun, 2),
          income_months: income_months, expense_months: expense_months} AS own_figures
  FROM cw0 c
),
r AS (
SELECT household_id, NULL::BIGINT AS person_id, tier, members, round(pci, 2) AS pci, standard,
  -- The first reason, '家庭人口 n 人，收入计算期 <window_start> 至 <on>', is made when read (TierDecision.all_reasons).
  -- Joined with ||, not format(): format reads its pattern again for every row (a run's texts 4.5 -> 3.8 s at 1M).
  list_filter([
    '人均月收入 ' || yuan(pci) || ' 元，' || CASE WHEN pci < standard THEN '低于' ELSE '不低于' END
      || '低保标准 ' || yuan(standard) || ' 元',
    CASE WHEN tier = 'tekun' THEN '全部成员无劳动能力、无法定义务人或义务人无履行能力；'
      || '不计基础养老金等收入后人均月收入 ' || yuan(pci_tekun) || ' 元，低于低保标准' END,
    CASE WHEN pci >= standard THEN '人均月收入' || CASE WHEN pci < near_line THEN '低于' ELSE '不低于' END
      || '低保标准的 ' || yuan(near_dibao_multiplier) || ' 倍（' || yuan(near_line) || ' 元）' END,
    '人均存款 ' || yuan(deposit_pc) || ' 元，' || CASE WHEN deposit_ok THEN '未超过' ELSE '超过' END
      || '上限 ' || yuan(deposit_limit) || ' 元（' || yuan(deposit_limit_months) || ' 个月低保标准）',
    CASE WHEN vehicles > 0 THEN '有机动车辆 ' || vehicles || ' 辆，价值 ' || yuan(vehicle_value) || ' 元，'
      || CASE WHEN vehicle_ok THEN '未超过' ELSE '超过' END || '上限 ' || yuan(vehicle_value_limit) || ' 元' END,
    CASE WHEN NOT housing_ok THEN '有房产 ' || houses || ' 套，超过上限 ' || yuan(housing_limit) || ' 套' END,
    CASE WHEN businesses > 0 THEN '有工商登记 ' || businesses || ' 户，请核实经营收入' END,
    CASE WHEN rigid > 0 THEN '计算期内刚性支出 ' || yuan(rigid) || ' 元，'
      || CASE WHEN rigid_share IS NULL THEN '家庭无收入' ELSE '占家庭总收入 ' || yuan(rigid_share * 100) || '%' END
      || '，当地比例 ' || yuan(rigid_expense_ratio * 100) || '%' END,
    CASE WHEN tier IN ('rigid_expense', 'other_hardship')
         THEN '人均月收入低于上年度人均可支配收入的月均数 ' || yuan(disposable_month) || ' 元' END,
    CASE WHEN tier = 'relapse_watch' THEN '已纳入防止返贫监测' END,
    CASE WHEN tier = 'other_hardship' THEN '家庭有重度残疾或重病成员' END,
    CASE WHEN tier = 'none' AND members = 0 THEN '家庭无在世成员' END
  ], lambda x: x IS NOT NULL) AS reasons,
  -- The household's own figures; the standards, window, common texts and usual figures (none of a kind, income
  -- over the whole window: basis 'figures') are its basis's (TierDecision.all_facts). A null drops the key: the
  -- text is written out with concat_ws, which skips NULLs (json_merge_patch('{}', json_object(...)) made the
  -- same text, byte for byte over 1,047,312 decisions, in twice the time).
  '{' || concat_ws(',', '"income":' || round(income, 2), '"pci_tekun":' || round(pci_tekun, 2),
    '"deposits":' || nullif(deposits, 0), '"rigid":' || nullif(round(rigid, 2), 0),
    '"vehicles":' || nullif(vehicles, 0),
    '"vehicle_value":' || nullif(vehicle_value, 0), '"houses":' || nullif(houses, 0),
    '"income_months":' || nullif(income_months, n), '"expense_months":' || nullif(expense_months, 0),
    '"coverage":' || own_coverage, '"warnings":' || CASE WHEN len(warnings) > 0 THEN to_json(warnings) END)
    || '}' AS facts,
  income_months < n AS coverage_short, input_key, len(warnings) > 0 AS warned, basis_key
FROM cw
UNION ALL
-- 单人户: a severely disabled or seriously ill member of a 低保边缘 household may be assessed alone.
SELECT t.household_id, mt.person_id, 'dibao', 1, round(t.pci, 2), t.standard,
  [format('单人户：{}，所在家庭为低保边缘家庭（人均月收入 {} 元，低于低保标准的 {} 倍），可单独纳入低保',
          CASE WHEN mt.severe_disability THEN '重度残疾人' ELSE '重病患者（' || mt.serious_illness || '）' END,
          yuan(t.pci), yuan(t.near_dibao_multiplier))],
  json_merge_patch(to_json({single_person: true, income_months: t.income_months, expense_months: t.expense_months}),
    json_object('coverage', t.own_coverage, 'warnings', CASE WHEN len(t.warnings) > 0 THEN to_json(t.warnings) END)),
  t.income_months < t.n, t.input_key, len(t.warnings) > 0, t.basis_key
FROM cw t JOIN mt USING (household_id)
WHERE t.tier = 'near_dibao' AND (mt.severe_disability OR mt.serious_illness <> '')
)
-- run_key: the date, the figures, the facts and the basis, hashed as the decisions written so far were.
SELECT r.*, CAST(('0x' || left(sha256(concat_ws('|', $on, r.household_id, coalesce(r.person_id, 0), r.tier, r.pci,
                                                 r.facts, r.basis_key)), 13)) AS BIGINT) AS run_key
FROM r;
-- The households skipped (a live decision has their inputs' key): their rows, for the counts only.
CREATE TABLE result_skipped AS
SELECT household_id, NULL::BIGINT AS person_id, tier, income_months < n AS coverage_short FROM c WHERE skipped
UNION ALL
SELECT t.household_id, mt.person_id, 'dibao', t.income_months < t.n
FROM c t JOIN mt USING (household_id)
WHERE t.skipped AND t.tier = 'near_dibao' AND (mt.severe_disability OR mt.serious_illness <> '')
UNION ALL
-- …and the fresh households, not read again (see FRESH_SQL).
SELECT household_id, NULL, tier, coverage_short FROM fresh
UNION ALL
SELECT household_id, person_id, 'dibao', coverage_short FROM fresh_single
"""


def _standards_frame(region_ids: list[int], on: dt.date) -> tuple[pa.Table, pa.Table]:
    """One row of standards per region. The setting rows of every region concerned are read in one query
    (not one per village); each region then takes, per key, its nearest ancestor's latest row in force, as
    `standards_for` does (and its checks: a missing local standard stops the run with a Chinese message)."""
    regions = list(Region.objects.filter(pk__in=region_ids).only("pk", "path"))
    codes = {code for region in regions for code in region.ancestor_codes()}
    settings = list(RegionSetting.objects.filter(key__in=list(STANDARDS), region__code__in=codes,
                                                 effective_from__lte=on)
                    .select_related("region").order_by("-region__path", "-effective_from"))
    rows, sources, memo = [], [], {}
    for region in regions:
        chain = tuple(region.ancestor_codes())
        if chain not in memo:
            found: dict = {}
            for row in settings:
                if row.region.code in chain:
                    found.setdefault(row.key, row)
            memo[chain] = Standards(region_id=region.pk, on=on, sources={k: r.pk for k, r in found.items()},
                                    values={key: (Decimal(str(found[key].value)) if key in found else spec.default)
                                            for key, spec in STANDARDS.items()})
        standards = memo[chain]
        for key in ("dibao_standard_urban", "dibao_standard_rural", "rigid_expense_ratio",
                    "disposable_income_last_year"):
            standards.get(key)
        rows.append({"region_id": region.pk, **{k: float(v) for k, v in standards.values.items()}})
        sources.append({"region_id": region.pk, "settings": json.dumps(standards.sources),
                        "standards": json.dumps([rows[-1], standards.sources], sort_keys=True)})
    std = pa.Table.from_pylist(rows, schema=pa.schema([("region_id", I64), *((k, F64) for k in STANDARDS)]))
    src = pa.Table.from_pylist(sources, schema=pa.schema([("region_id", I64), ("settings", STR),
                                                          ("standards", STR)]))
    return std, src


# Chinese for facts["changes"]: what changed after the decision in force, by `what` (see _changes_sql).
_CHANGE_TEXT = {
    1: "新登记收入 {amount} 元（{label}）", 2: "作废收入 {amount} 元（{label}）",
    3: "新登记刚性支出 {amount} 元（{label}）", 4: "作废刚性支出 {amount} 元（{label}）",
    5: "新登记财产：{label}，价值 {amount} 元", 6: "财产已处置：{label}，价值 {amount} 元",
    7: "作废财产：{label}，价值 {amount} 元", 8: "{label} 加入本户", 9: "{label} 迁出本户",
    10: "{label} 的人员信息有更新", 11: "家庭信息有更新",
}


def _change_text_sql() -> str:
    labels = {**dict(IncomeKind.choices), **dict(ExpenseKind.choices), **dict(AssetKind.choices)}
    by_kind = "CASE " + " ".join(f"WHEN c.label = '{k}' AND c.what BETWEEN {lo} AND {hi} THEN '{v}'"
                                 for lo, hi, choices in ((1, 2, IncomeKind), (3, 4, ExpenseKind), (5, 7, AssetKind))
                                 for k, v in choices.choices) + " ELSE c.label END"
    assert labels  # every kind has its Chinese label above
    cases = " ".join(
        f"WHEN {what} THEN " + "'" + text.replace("{amount}", "' || format('{:,.2f}', c.amount) || '")
        .replace("{label}", f"' || {by_kind} || '") + "'"
        for what, text in _CHANGE_TEXT.items())
    return f"strftime(make_timestamp((c.at + $offset) * 1000000), '%Y-%m-%d') || ' ' || CASE c.what {cases} END"


# Compares the results with the decisions there: `kept` (a decision in force, data unchanged since: no new
# suggestion), `same` (same inputs as a live decision of the household, pending, confirmed or overridden:
# nothing to write; the households skipped by their inputs' key are all `same`).
COMPARE_SQL = """
CREATE TABLE changes AS
  SELECT c.household_id, list({text} ORDER BY c.at, c.what, c.label) AS changes FROM chg c GROUP BY c.household_id;
CREATE TABLE outcome AS
WITH force AS (SELECT DISTINCT household_id FROM dec WHERE in_force = 1),
every AS (SELECT *, false AS skipped FROM result UNION ALL BY NAME SELECT *, true AS skipped FROM result_skipped)
SELECT r.* EXCLUDE (facts, reasons), hh.region_id, ch.changes, f.household_id IS NOT NULL AS in_force,
       ($keep AND f.household_id IS NOT NULL AND ch.changes IS NULL) AS kept,
       r.skipped OR EXISTS (SELECT 1 FROM dec d WHERE d.household_id = r.household_id
                            AND d.person_id = coalesce(r.person_id, 0) AND d.run_key = r.run_key) AS same
FROM every r JOIN hh USING (household_id) LEFT JOIN force f USING (household_id)
     LEFT JOIN changes ch USING (household_id)
"""


@contextlib.contextmanager
def _scope(ids: str):
    """A region's household ids are put in a temporary table once (not worked out again by every query); on
    SQLite, when they are a good part of all households, the tables are read through (see `_within`). Yields
    (ids, scan, whole, setup, scoped): `whole` when the scope is every household there is (see `_loads`);
    `setup` the statements that give another connection the same temporary table (none when `whole`: the
    queries then do not name it); `scoped` the households in scope."""
    if not ids.lstrip().upper().startswith("SELECT"):
        yield ids, False, False, [], ids.count(",") + 1
        return
    temp = "pg_temp" if _postgres() else "temp"
    if _postgres():
        # PostgreSQL: the same temporary table, with statistics. Planned from `path LIKE` (estimated at a few
        # per cent of the households), every read became a nested loop of index probes: at 1,000,000
        # households the decisions alone took 8.5 s (a re-run's 24 s of reading); counted, the reads hash-join.
        create = [f"CREATE TEMP TABLE assess_scope AS {ids}", "ANALYZE pg_temp.assess_scope"]
    else:
        create = ["CREATE TEMP TABLE assess_scope (id INTEGER PRIMARY KEY)", f"INSERT INTO temp.assess_scope {ids}"]
    with connection.cursor() as cursor:
        # Counted first: a run over every household needs no table (its queries do not name the scope); filling
        # one with a million ids was ~0.5 s of a re-run.
        cursor.execute(f"SELECT (SELECT count(*) FROM ({ids}) AS s), (SELECT count(*) FROM registry_household)")
        (scoped, total), = cursor.fetchall()
    if scoped == total:
        yield "SELECT id FROM registry_household", False, True, [], scoped
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}.assess_scope")
        for statement in create:
            cursor.execute(statement)
    try:
        yield f"SELECT id FROM {temp}.assess_scope", not _postgres() and scoped * 4 >= total, False, create, scoped
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {temp}.assess_scope")


# ---- A re-run: the households whose inputs did not change since their last decision are not read again ------
#
# A household is fresh when its latest live household-level decision (pending, confirmed or overridden) was
# worked out for the same date by the same rules (its basis' rules_version: a candidate, read with the decisions),
# and no row of its inputs (household, persons, memberships, incomes, expenses, assets: core.changestamp's
# `changed_at`, set by every ORM write) is stamped after that decision less RERUN_LAG (a writer's stamp is its
# clock before it commits), and no standard's setting row was added since the earliest such decision. Its key would
# be the one that decision holds, so the run would skip it anyway (KEYS_SQL's `skip`): its members and means test
# are not read, and its counts come from that decision (FRESH_SQL). Its decisions, changes and household row are
# read as before (what `outcome` compares). Worth it when most of a large run is fresh (a re-run); otherwise
# everything is read as before.
FRESH_FROM = 20_000  # households in scope
RERUN_LAG = CHANGE_LAG
_TIER_CODES = ["", *Tier.values]  # 0: none
_INPUT_TABLES = ("registry_person", "registry_householdmembership", "registry_incomeitem", "registry_expense",
                 "registry_asset")


def _millis(col: str) -> str:
    """A timestamp as milliseconds since 1970-01-01 UTC (whole seconds lose too much: a change and a decision
    within one second)."""
    if _postgres():
        return f"CAST(floor(extract(epoch FROM {col}) * 1000) AS BIGINT)"
    return f"CAST((julianday({col}) - 2440587.5) * 86400000 AS INTEGER)"


def current_bases(on: dt.date) -> list[int]:
    """The basis rows of this date written by these rules (a few per run): a candidate points to one of them."""
    return list(AssessmentBasis.objects.filter(assessed_on=on, rules_version=RULES_VERSION)
                .order_by("pk").values_list("pk", flat=True))


def _candidate_columns(bases: list[int]) -> str:
    """The decisions' columns saying whether each is a candidate (see above): `made` (ms) only for one, with its
    tier and whether its income record fell short of the window (facts keep income_months only then). The bases
    are written into the statement (ints): SQLite works the condition out three times a row, and a look-up in a
    short list is the cheapest there is (the decisions' read of a re-run took twice as long with a join)."""
    if not bases:
        return "NULL, NULL, 0"
    candidate = f"d.person_id IS NULL AND d.input_key IS NOT NULL AND d.basis_id IN ({', '.join(map(str, bases))})"
    # SQLite: the key's text searched, not the JSON parsed (facts are DuckDB's compact JSON; the key is a top-level
    # one: the nested objects' keys are income/expense, the changes Chinese text).
    short = ("(d.facts -> 'income_months') IS NOT NULL" if _postgres()
             else "instr(d.facts, '\"income_months\":') > 0")
    return (f"CASE WHEN {candidate} THEN {_millis('d.created_at')} END, "
            f"CASE WHEN {candidate} THEN {_code('d.recommended_tier', _TIER_CODES)} END, "
            f"CASE WHEN {candidate} AND {short} THEN 1 ELSE 0 END")


# Each household's latest candidate: when it was made, its tier, coverage and key.
CANDIDATES_SQL = f"""
CREATE TABLE candidates AS
SELECT household_id, max(made) AS made, {_duck_list(_TIER_CODES)}[arg_max(tier, made) + 1] AS tier,
       arg_max(short, made) = 1 AS coverage_short, arg_max(input_key, made) AS input_key
FROM dec WHERE made IS NOT NULL GROUP BY household_id
"""


def _stale(duck, *, selected: bool, scoped: int) -> list[int] | None:
    """The households of the scope to read again (those without a candidate, or with an input row stamped after
    it), or None when all are read: an officer's list of households, a small run, most households stale, or a
    standard's setting row added since the earliest candidate. `duck` holds `dec` and `hh_raw`."""
    duck.execute(CANDIDATES_SQL)
    if scoped < FRESH_FROM or not selected:
        return None
    (fresh, earliest), = duck.execute("SELECT count(*), min(made) FROM candidates").fetchall()
    if fresh * 2 < scoped:
        return None
    lag = int(RERUN_LAG.total_seconds() * 1000)
    since = dt.datetime.fromtimestamp((earliest - lag) / 1000, dt.UTC)
    if RegionSetting.objects.filter(key__in=list(STANDARDS), created_at__gt=since).exists():
        return None
    limit = scoped // 2
    # The rows stamped since the earliest candidate: few, through each table's changed_at index (more than a few
    # per stale household allowed, and it is cheaper to read everything).
    changed = " UNION ALL ".join(
        [f"SELECT household_id, {_millis('changed_at')} FROM {table} WHERE changed_at > %s"
         for table in _INPUT_TABLES] + [f"SELECT id, {_millis('changed_at')} FROM registry_household "
                                        f"WHERE changed_at > %s"])
    rows = query_arrow(f"SELECT * FROM ({changed}) AS x LIMIT {4 * limit + 1}", {"household_id": I64, "at": I64},
                       params=[connection.ops.adapt_datetimefield_value(since)] * (len(_INPUT_TABLES) + 1))
    if len(rows) > 4 * limit:
        return None
    duck.register("changed", rows)
    stale = [r[0] for r in duck.execute(f"""
        SELECT household_id FROM hh_raw ANTI JOIN candidates USING (household_id)
        UNION SELECT x.household_id FROM changed x JOIN candidates c USING (household_id) WHERE x.at >= c.made - {lag}
        ORDER BY 1 LIMIT {limit + 1}""").fetchall()]
    return None if len(stale) > limit else stale


def _id_list(ids: list[int]) -> str:
    """A SELECT of these ids, written into the statement (ints only): the readers' other connections share no
    temporary table with this one."""
    if _postgres():
        return f"SELECT unnest(CAST('{{{','.join(map(str, ids))}}}' AS bigint[]))"
    return f"SELECT value FROM json_each('[{','.join(map(str, ids))}]')"


def _fresh_single_sql(ids: str, whole: bool, on: dt.date, stale: list[int]) -> tuple[str, dict]:
    """The 单人户 decisions of this date of the households not read again, any status: the persons a full run would
    count (FRESH_SQL keeps those made with the household's candidate)."""
    scope = "TRUE" if whole else f"d.household_id IN ({ids})"
    return (f"SELECT d.household_id, d.person_id, d.input_key FROM registry_tierdecision d "
            f"WHERE d.person_id IS NOT NULL AND d.assessed_on = '{on.isoformat()}' AND d.input_key IS NOT NULL "
            f"AND {scope} AND NOT d.household_id IN ({_id_list(stale)})",
            {"household_id": I64, "person_id": I64, "input_key": I64})


# The fresh households (none when every household is read): tier and coverage of their latest candidate, its
# 单人户 members. The rules leave them out (`h`, `keys`); `result_skipped` counts them.
FRESH_SQL = """
CREATE TABLE fresh AS
SELECT c.household_id, c.tier, c.coverage_short, c.input_key FROM candidates c ANTI JOIN stale USING (household_id)
WHERE $reuse;
CREATE TABLE fresh_single AS
SELECT DISTINCT s.household_id, s.person_id, f.coverage_short
FROM fresh_single_raw s JOIN fresh f ON f.household_id = s.household_id AND f.input_key = s.input_key
"""


# Bumped by any change to the rules' text (or DuckDB's hash function): every household is worked out again.
RULES_VERSION = hashlib.sha256("\n".join([VIEWS_SQL, ASSESS_SQL, duckdb.__version__]).encode()).hexdigest()[:16]
# Each household's inputs as one 63-bit key: its row, its members, its (not voided) incomes, assets and expenses,
# its region's standards with their setting rows, the date and the rules. Rows are hashed one by one and summed
# (order does not matter; two identical rows do not cancel out). `skip`: households whose live household-level
# decision (pending, confirmed or overridden) was made from the same inputs. A skipped household gets no new
# suggestion, as its figures would be the same (`same`), and its texts are not worked out again: a re-run
# reads the rows and compares keys, and writes nothing.
KEYS_SQL = """
CREATE TABLE keys AS
WITH p AS (SELECT p.household_id, sum(hash(p.person_id, p.birth_day, p.disability, p.disability_grade, p.ill,
                                          p.supporter_able, p.death_day, ill.serious_illness)) AS s
           FROM pp_raw p LEFT JOIN ill USING (person_id) GROUP BY p.household_id),
i AS (SELECT household_id, sum(hash(exempt, amount, start_day, end_day)) AS s FROM inc_raw GROUP BY household_id),
a AS (SELECT household_id, sum(hash(kind, value, recorded_day, disposed_day)) AS s FROM ast_raw GROUP BY household_id),
e AS (SELECT household_id, sum(hash(amount, start_day, end_day)) AS s FROM exp_raw GROUP BY household_id)
SELECT h.household_id, CAST(hash(h.region_id, h.urban, h.relapse_watch, src.standards, p.s, i.s, a.s, e.s, $on,
                                 $version) >> 1 AS BIGINT) AS input_key
FROM hh_raw h LEFT JOIN src USING (region_id) LEFT JOIN p USING (household_id) LEFT JOIN i USING (household_id)
     LEFT JOIN a USING (household_id) LEFT JOIN e USING (household_id) ANTI JOIN fresh USING (household_id);
CREATE TABLE skip AS
SELECT DISTINCT k.household_id FROM keys k JOIN dec d
  ON d.household_id = k.household_id AND d.person_id = 0 AND d.input_key = k.input_key
"""


# Readers at once (other database connections) for a run of at least PARALLEL_FROM households.
READERS = 2
PARALLEL_FROM = 20_000
# The reads, longest first within each round (a run over 1,000,000 households: the members ~35 % of the reading, the
# decisions ~25 %, the incomes ~15 %), so that the last to finish is a short one. In two rounds: what decides which
# households' members and means test a re-run reads (see _stale), then those.
FIRST_READS = ["dec", "dec_hi", "hh_raw", "chg"]
THEN_READS = ["pp_raw", "inc_raw", "ill", "ast_raw", "exp_raw", "fresh_single_raw"]


# DuckDB's own memory (its tables and sorts; not the Arrow tables handed to it) is capped, spilling to a temporary
# directory beyond: a province's run (1,000,000 households, ~1 GB of texts) stays within a worker's memory.
DUCKDB_MEMORY_LIMIT = "1200MB"


def _duck_config() -> dict:
    return {"memory_limit": DUCKDB_MEMORY_LIMIT,
            "temp_directory": os.path.join(tempfile.gettempdir(), f"jiuzhu-assess-{os.getpid()}")}


def evaluate(household_ids_sql: str, on: dt.date, *, keep_decisions_in_force: bool = True,
             timings: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Reads the households selected by `household_ids_sql` (a SELECT of ids) and the decisions they have,
    works out their figures, tier, reasons, coverage and warnings, and compares them with those decisions.
    Returns the DuckDB connection holding table `outcome` (one row per household and 单人户 member:
    figures, `run_key`, `kept`, `same`, `changes`) and table `result` (`reasons` and `facts` as JSON text of the
    households worked out, not those skipped); the caller closes it."""
    timings = timings if timings is not None else {}
    clock = time.monotonic()
    duck = duckdb.connect(config=_duck_config())
    # A region's run reads its tables at once on other connections, all of one state (core.arrow_sql.one_state);
    # an officer's few households (a list of ids), or a call inside a transaction, one after another on this one.
    selected = household_ids_sql.lstrip().upper().startswith("SELECT")
    with one_state(parallel=selected, workers=READERS) as reads, \
            _scope(household_ids_sql) as (ids, scan, whole, setup, scoped):
        # First what says which households to read (a re-run: few), then those households' members and means test.
        queries = _loads(ids, on, scan, whole, bases=current_bases(on))
        parallel = reads.parallel and scoped >= PARALLEL_FROM
        if parallel:
            # The decisions, the longest read of a re-run, in two halves by id (each reader half the table).
            with connection.cursor() as cursor:
                cursor.execute("SELECT min(id), max(id) FROM registry_tierdecision")
                (lo, hi), = cursor.fetchall()
            middle = ((lo or 0) + (hi or 0)) // 2
            sql, columns = queries["dec"]  # its WHERE clause ends the statement
            queries.update(dec=(f"{sql} AND d.id <= {middle}", columns), dec_hi=(f"{sql} AND d.id > {middle}", columns))
        first = reads.many({name: queries[name] for name in FIRST_READS if name in queries}, read=_read,
                           setup=setup, timings=timings, parallel=parallel)
        if "dec_hi" in first:
            first["dec"] = pa.concat_tables([first["dec"], first.pop("dec_hi")])
        for name, table in first.items():
            duck.register(name, table)
        clock_stale = time.monotonic()
        stale = _stale(duck, selected=selected, scoped=scoped)
        timings["stale"] = time.monotonic() - clock_stale
        queries = _loads(ids, on, scan, whole, stale)
        if stale is not None:
            queries["fresh_single_raw"] = _fresh_single_sql(ids, whole, on, stale)
        tables = reads.many({name: queries[name] for name in THEN_READS if name in queries}, read=_read,
                            setup=setup, timings=timings, parallel=parallel)
    tables.setdefault("fresh_single_raw", pa.table({"household_id": pa.array([], I64),
                                                    "person_id": pa.array([], I64),
                                                    "input_key": pa.array([], I64)}))
    tables["stale"] = pa.table({"household_id": pa.array(stale or [], I64)})
    for name, table in tables.items():
        duck.register(name, table)
    timings["load"] = time.monotonic() - clock
    clock = time.monotonic()
    for statement in VIEWS_SQL.split(";\n"):
        duck.execute(statement)
    region_ids = [r[0] for r in duck.execute("SELECT DISTINCT region_id FROM hh_raw ORDER BY 1").fetchall()]
    std, src = _standards_frame(region_ids, on)
    duck.register("std", std)
    duck.register("src", src)
    for statement in FRESH_SQL.replace("$reuse", "true" if stale is not None else "false").split(";\n"):
        duck.execute(statement)
    keys, skip = KEYS_SQL.split(";\n")
    duck.execute(keys, {"on": on, "version": RULES_VERSION})
    duck.execute(skip)
    for statement in ASSESS_SQL.replace("$on", f"DATE '{on.isoformat()}'").split(";\n"):
        if statement.strip():
            duck.execute(statement)
    offset = int(timezone.get_current_timezone().utcoffset(dt.datetime.combine(on, dt.time())).total_seconds())
    first, second = COMPARE_SQL.format(text=_change_text_sql()).split(";\n")
    duck.execute(first, {"offset": offset})
    duck.execute(second, {"keep": keep_decisions_in_force})
    timings["duckdb"] = time.monotonic() - clock
    return duck


def _ids_sql(*, region: Region | None, household_ids: list[int] | None) -> str:
    if household_ids is not None:
        return ",".join(str(int(i)) for i in household_ids) or "NULL"
    # The path is the region's own, read from the database (digits and slashes), never user input.
    path = region.path
    if not path.replace("/", "").isdigit():
        raise ValueError(f"unexpected region path {path!r}")
    return ("SELECT h2.id FROM registry_household h2 JOIN core_region r2 ON r2.id = h2.region_id "
            f"WHERE r2.path LIKE '{path}%'")


_TIER_LABELS = " ".join(f"WHEN '{value}' THEN '{label}'" for value, label in Tier.choices)
# Chain events for the decisions just written, made by the database from the decision rows themselves
# (core.events.record_events_by_query: subject, person, household, region, time, summary, payload): the rows
# of this run are those above the highest id before it with this run's creation time.
_EVENTS_SQL = (
    "SELECT CAST(d.id AS TEXT), d.person_id, d.household_id, h.region_id, d.created_at, "
    "'分层评估（基准日 ' || CAST(%s AS TEXT) || '）：建议认定为' || CASE d.recommended_tier " + _TIER_LABELS + " END "
    "|| CASE WHEN d.person_id IS NULL THEN '' ELSE '（单人户）' END, '{}' "
    "FROM registry_tierdecision d JOIN registry_household h ON h.id = d.household_id "
    "WHERE d.id > %s AND d.created_at = %s AND d.status = 'recommended'"
)
_DECISION_COLUMNS = ("household_id, person_id, assessed_on, recommended_tier, tier, status, members, "
                     "per_capita_income, dibao_standard, facts, reasons, override_reason, created_at, run_key, "
                     "source, benefit_class, import_row, input_key, warned, basis_id")
# The rows to write (facts: the household's own figures, and what changed; basis_id: the run's shared basis row).
_NEW_FACTS = """CAST(CASE WHEN o.changes IS NULL THEN r.facts
              ELSE json_merge_patch(r.facts, json_object('changes', to_json(o.changes))) END AS VARCHAR)"""
_NEW_FROM = """FROM outcome o JOIN result r ON r.household_id = o.household_id
  AND r.person_id IS NOT DISTINCT FROM o.person_id JOIN basis_ids b ON b.basis_key = o.basis_key
  SEMI JOIN live ON live.household_id = o.household_id
WHERE NOT o.kept AND NOT o.same AND (o.person_id IS NULL OR o.person_id IN (SELECT person_id FROM live_persons))
ORDER BY o.household_id, o.person_id NULLS FIRST"""
# PostgreSQL: every column, in the table's order, for COPY.
_NEW_ROWS_SQL = f"""
SELECT o.household_id, o.person_id, $on_text, o.tier, o.tier, 'recommended', o.members, round(o.pci, 2),
       round(o.standard, 2), {_NEW_FACTS}, CAST(to_json(r.reasons) AS VARCHAR), '', $now_text,
       CAST(o.run_key AS VARCHAR), 'assessed', '', '', o.input_key, o.warned, b.id
{_NEW_FROM}"""
# SQLite: only what differs from row to row goes through Python; the constants are in the statement.
_NEW_ROWS_SQLITE = f"""
SELECT o.household_id, o.person_id, o.tier, o.members, round(o.pci, 2), round(o.standard, 2), {_NEW_FACTS},
       CAST(to_json(r.reasons) AS VARCHAR), o.run_key, o.input_key, o.warned, b.id
{_NEW_FROM}"""
_INSERT_SQLITE = (f"INSERT INTO registry_tierdecision ({_DECISION_COLUMNS}) "
                  "VALUES (?1, ?2, '{on}', ?3, ?3, 'recommended', ?4, ?5, ?6, ?7, ?8, '', '{now}', ?9, 'assessed', "
                  "'', '', ?10, ?11, ?12)")

ASSESS_STEPS = 10  # progress units of a run: evaluated 7, compared 8, written 10
WRITE_BATCH = 50_000


def _write_basis(duck, on: dt.date, now: dt.datetime) -> None:
    """Writes the basis rows the new decisions point to (a few: one per region and hukou type, shared with an
    earlier run of the same content) and hands their ids to DuckDB as `basis_ids` (basis_key, id)."""
    rows = duck.execute("""SELECT DISTINCT basis_key, facts FROM basis WHERE basis_key IN
                           (SELECT basis_key FROM outcome WHERE NOT kept AND NOT same) ORDER BY 1""").fetchall()
    # A row per content and rules' version (its key hashes both): a re-run trusts a decision's figures only when its
    # basis names the rules in force (`_stale`). `basis_key`, which run_key hashes, stays the content's.
    rows = [(key, hashlib.md5(f"{RULES_VERSION}|{text}".encode(), usedforsecurity=False).hexdigest(), text)
            for key, text in rows]
    facts = "CAST(%s AS jsonb)" if _postgres() else "%s"
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 200):
            part = rows[i:i + 200]
            cursor.execute("INSERT INTO registry_assessmentbasis (key, assessed_on, facts, created_at, rules_version) "
                           "VALUES " + ", ".join([f"(%s, %s, {facts}, %s, %s)"] * len(part))
                           + " ON CONFLICT (key) DO NOTHING",
                           [v for _, row_key, text in part for v in (row_key, on, text, now, RULES_VERSION)])
            cursor.execute("SELECT key, id FROM registry_assessmentbasis WHERE key IN ("
                           + ", ".join(["%s"] * len(part)) + ")", [row_key for _, row_key, _ in part])
            found = dict(cursor.fetchall())
            ids.update((key, found[row_key]) for key, row_key, _ in part)
    duck.register("basis_ids", pa.table({"basis_key": pa.array(list(ids), STR),
                                         "id": pa.array(list(ids.values()), I64)}))


def _live_persons(duck) -> pa.Table:
    """The persons the new 单人户 rows name that are still there (a few per cent of the rows), in one query."""
    wanted = [r[0] for r in duck.execute("SELECT DISTINCT person_id FROM outcome WHERE person_id IS NOT NULL "
                                         "AND NOT kept AND NOT same").fetchall()]
    found: list[int] = []
    if wanted:
        with connection.cursor() as cursor:
            if _postgres():
                cursor.execute("SELECT id FROM registry_person WHERE id = ANY(%s)", [wanted])
            else:
                cursor.execute("SELECT id FROM registry_person WHERE id IN (SELECT value FROM json_each(%s))",
                               [json.dumps(wanted)])
            found = [r[0] for r in cursor.fetchall()]
    return pa.table({"person_id": pa.array(found, I64)})


class _Failed:
    """What a producer thread raised, handed to the consumer to raise in its own thread."""

    def __init__(self, error: BaseException):
        self.error = error


_DONE = object()


@contextlib.contextmanager
def _produced(make, depth: int = 2):
    """Yields an iterator over what `make()` (an iterator of batches) yields, made in a thread of its own a few
    batches ahead (`depth`), so that DuckDB working out and handing over the next rows overlaps the database
    taking the last ones (sqlite3 releases the GIL inside sqlite3_step, DuckDB while it computes; PostgreSQL
    takes COPY in its own process). An error in the producer is raised in the caller's thread at the batch it
    would have made (the write transaction then rolls back); when the caller stops early (its insert failed),
    the producer stops too, and the thread is joined on the way out either way."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run():
        try:
            for batch in make():
                if not put(batch):
                    return
        except BaseException as error:  # handed over, raised by the consumer
            put(_Failed(error))
        else:
            put(_DONE)

    def batches():
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    thread = threading.Thread(target=run, name="assess-writer", daemon=True)
    thread.start()
    try:
        yield batches()
    finally:
        stop.set()
        thread.join()


def _sqlite_batches(duck):
    """The new rows for SQLite, a batch at a time as Arrow: DuckDB makes them without holding the GIL (its Python
    tuples, made here, held it against the inserting thread: at 300,000 rows the insert took 4.6 s instead of 3.8)."""
    yield from duck.sql(_NEW_ROWS_SQLITE).to_arrow_reader(WRITE_BATCH)


def _postgres_batches(duck, on: dt.date, now: dt.datetime):
    """The new rows for PostgreSQL, a batch of CSV lines at a time (Arrow writes them: no Python object per row)."""
    reader = duck.sql(_NEW_ROWS_SQL, params={"on_text": on.isoformat(), "now_text": now.isoformat()}) \
        .to_arrow_reader(WRITE_BATCH)
    options = pa_csv.WriteOptions(include_header=False)
    for batch in reader:
        buffer = io.BytesIO()
        pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, options)
        yield buffer.getvalue()


def _insert_decisions(duck, on: dt.date, now: dt.datetime) -> None:
    """PostgreSQL takes COPY of DuckDB's rows as CSV; SQLite one executemany over DuckDB's batches (no Python
    object per row beyond the tuple the driver needs). Either way the rows are made in a producer thread
    (`_produced`) while the database takes the ones before."""
    if _postgres():
        with _produced(lambda: _postgres_batches(duck, on, now)) as batches, connection.cursor() as cursor, \
                cursor.cursor.copy(f"COPY registry_tierdecision ({_DECISION_COLUMNS}) FROM STDIN (FORMAT csv)") \
                as copy:
            for data in batches:
                copy.write(data)
        return
    now_text = connection.ops.adapt_datetimefield_value(now)  # "2026-12-01 05:00:00.123456", as the ORM writes
    connection.ensure_connection()
    with _produced(lambda: _sqlite_batches(duck)) as batches, connection.wrap_database_errors:
        connection.connection.executemany(_INSERT_SQLITE.format(on=on.isoformat(), now=now_text),
                                          (row for batch in batches
                                           for row in zip(*(c.to_pylist() for c in batch.columns), strict=True)))


def _counts(duck) -> dict:
    (households, written, unchanged, kept, single, short), = duck.execute("""
        SELECT count(*) FILTER (WHERE person_id IS NULL),
               count(*) FILTER (WHERE NOT kept AND NOT same),
               count(*) FILTER (WHERE NOT kept AND same),
               count(*) FILTER (WHERE person_id IS NULL AND kept),
               count(*) FILTER (WHERE person_id IS NOT NULL AND NOT kept),
               count(*) FILTER (WHERE person_id IS NULL AND coverage_short)
        FROM outcome""").fetchall()
    (reused,), = duck.execute("SELECT count(*) FROM fresh").fetchall()
    by_tier = dict(duck.execute("SELECT tier, count(*) FROM outcome WHERE person_id IS NULL AND NOT kept "
                                "GROUP BY tier ORDER BY tier").fetchall())
    return {"assessed": households, "written": written, "unchanged": unchanged, "kept": kept, "by_tier": by_tier,
            "single_person": single, "coverage_short": short, "reused": reused}


def assess(*, on: dt.date, region: Region | None = None, household_ids: list[int] | None = None,
           actor=None, progress=None, keep_decisions_in_force: bool = True, timings: dict | None = None) -> dict:
    """Writes a recommended TierDecision for every household (and 单人户 member) whose figures changed,
    with its chain event; the household's older recommendations still awaiting approval are marked
    superseded. A household with a decision in force whose data did not change since is left alone
    (unless `keep_decisions_in_force` is False: an officer assessing one household on purpose).
    Re-running with the same inputs writes nothing. Returns counts (see `summary`). `progress(done,
    total)`, when given, hears of the run's steps; `timings`, when given, receives seconds per phase."""
    timings = timings if timings is not None else {}
    report = progress or (lambda done, total: None)
    report(0, ASSESS_STEPS)
    ids = _ids_sql(region=region, household_ids=household_ids)
    # The decisions' time is the run's start, before anything is read: a change stamped after it is one the run
    # may not have seen (the next run reads that household again: _stale).
    now = timezone.now()
    duck = evaluate(ids, on, keep_decisions_in_force=keep_decisions_in_force, timings=timings)
    report(7, ASSESS_STEPS)  # loading the rows and working out the rules: most of a run's time
    clock = time.monotonic()
    counts = _counts(duck)
    superseded = [r[0] for r in duck.execute("""
        SELECT d.decision_id FROM dec d WHERE d.status = 1
          AND d.household_id IN (SELECT household_id FROM outcome WHERE NOT kept AND NOT same)
        ORDER BY 1""").fetchall()]
    timings["duckdb"] += time.monotonic() - clock
    report(8, ASSESS_STEPS)
    clock = time.monotonic()
    if counts["written"]:
        with transaction.atomic(), connection.cursor() as cursor:
            if superseded:  # one statement, the ids as one array (was one per 900 ids)
                cursor.execute("UPDATE registry_tierdecision SET status = %s WHERE id "
                               + ("= ANY(%s)" if _postgres() else "IN (SELECT value FROM json_each(%s))"),
                               [DecisionStatus.SUPERSEDED.value,
                                superseded if _postgres() else json.dumps(superseded)])
            before = highest_id("registry_tierdecision")
            # The households still there, read in the write transaction: decision.household carries no database
            # constraint (bulk-write FK rule), so a household removed since the rows were read gets nothing.
            lo, hi = duck.execute("SELECT min(household_id), max(household_id) FROM outcome").fetchall()[0]
            duck.register("live", query_arrow(f"SELECT id FROM registry_household WHERE id BETWEEN {int(lo)} "
                                              f"AND {int(hi)}", {"household_id": I64}))
            # …and the persons its 单人户 rows name (decision.person has no database constraint either).
            duck.register("live_persons", _live_persons(duck))
            _write_basis(duck, on, now)
            timings["prepare"] = time.monotonic() - clock
            inserting = time.monotonic()
            # A first run over a province (as many rows as the table holds; on PostgreSQL ten times) writes them
            # without the secondary indexes and sorts each once after (SQLite: 11 us a row with them, 4 without).
            # Even the partial ones its rows never enter: keeping them cost their conditions' test on every row,
            # as much as their rebuild (session 38: SQLite insert +2.7 s, indexes -2.8 s at 1M).
            with indexes_rebuilt(("registry_tierdecision",), counts["written"], before):
                _insert_decisions(duck, on, now)
                timings["insert"] = time.monotonic() - inserting
            timings["indexes"] = time.monotonic() - inserting - timings["insert"]
            if _postgres() and counts["written"] > 10_000:
                # Fresh statistics, or the planner keeps treating the table as small and the key lookups
                # below (and the next run's) become full scans.
                analyzing = time.monotonic()
                analyze("registry_tierdecision")
                timings["analyze"] = time.monotonic() - analyzing
            events = time.monotonic()
            if _postgres():
                # The events' join of the new rows with their households hashes every household: with the default
                # 4 MB it spilled to temporary files in batches (0.2 s of 1.9 at 300,000). Until commit only.
                cursor.execute("SET LOCAL work_mem = '64MB'")
            record_events_by_query(kind=RegistryEvent.TIER_ASSESSED, subject_model=TierDecision, actor=actor,
                                   queries=[(_EVENTS_SQL, [str(on), before,
                                                           connection.ops.adapt_datetimefield_value(now)])])
            timings["events"] = time.monotonic() - events
            committing = time.monotonic()
        timings["commit"] = time.monotonic() - committing
    duck.close()
    timings["write"] = time.monotonic() - clock
    report(ASSESS_STEPS, ASSESS_STEPS)  # after commit: a progress row outside the write transaction
    return counts


# Short names of the tiers in a run's summary, in the order shown; the first four are always shown.
_SUMMARY_TIERS = [("dibao", "低保"), ("tekun", "特困"), ("near_dibao", "低保边缘"), ("none", "不符合"),
                  ("rigid_expense", "刚性支出困难"), ("relapse_watch", "防止返贫监测"), ("other_hardship", "其他困难")]


def summary(counts: dict) -> str:
    """A run's result in Chinese, for its task-run page and the assessment page's history."""
    by_tier = counts.get("by_tier", {})
    tiers = " / ".join(f"{label} {by_tier.get(tier, 0):,} 户" for n, (tier, label) in enumerate(_SUMMARY_TIERS)
                       if n < 4 or by_tier.get(tier))
    lines = [f"评估 {counts.get('assessed', 0):,} 户：建议{tiers}"]
    if counts.get("single_person"):
        lines.append(f"单人户单独纳入低保 {counts['single_person']:,} 人")
    lines.append(f"未重新建议（认定在有效期内、数据未变）{counts.get('kept', 0):,} 户")
    lines.append(f"收入记录覆盖不足 {counts.get('coverage_short', 0):,} 户")
    if counts.get("reused"):  # a re-run: their figures are those of this date's suggestion, their data unchanged
        lines.append(f"其中数据未变、沿用本基准日已有评估结果 {counts['reused']:,} 户")
    lines.append(f"新生成建议 {counts.get('written', 0):,} 条，"
                 f"与待审批建议相同未重复生成 {counts.get('unchanged', 0):,} 条")
    return "；\n".join(lines) + "。"
