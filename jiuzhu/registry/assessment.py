"""Tier assessment (分层认定), set-based.

The registry rows in scope are loaded once into an in-process DuckDB database, one SQL statement works
out every household's figures, tier and Chinese reasons, and the results are written back in bulk.
One household (an officer's 评估 button) and 300,000 (a county's annual review) take the same path,
so they cannot disagree. Rules: DOMAIN.md §1.2 (民发〔2021〕57号 低保, 民发〔2021〕43号 特困, 2024
低收入人口认定 notice); every number comes from the region's standards in force on the date."""

import datetime as dt
import json

import duckdb
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core.events import record_events_by_query
from jiuzhu.core.models import Region
from jiuzhu.registry.events import RegistryEvent
from jiuzhu.registry.models import DecisionStatus, Tier, TierDecision
from jiuzhu.registry.standards import STANDARDS, standards_for

# Income kinds not counted when testing 特困's 无生活来源 (民发〔2021〕43号).
TEKUN_EXEMPT_INCOME = ("basic_pension",)

_LOADS = {
    "hh": ("SELECT h.id, h.region_id, h.hukou_type, h.relapse_watch FROM registry_household h "
           "WHERE h.is_active AND h.id IN ({ids})",
           ["household_id", "region_id", "hukou_type", "relapse_watch"]),
    "pp": ("SELECT p.id, p.household_id, p.birth_date, p.disability_type, p.disability_grade, p.serious_illness, "
           "p.supporter_able, p.death_date FROM registry_person p WHERE p.household_id IN ({ids})",
           ["person_id", "household_id", "birth_date", "disability_type", "disability_grade", "serious_illness",
            "supporter_able", "death_date"]),
    "inc": ("SELECT i.household_id, i.kind, i.amount, i.period_start, i.period_end FROM registry_incomeitem i "
            "WHERE i.household_id IN ({ids})", ["household_id", "kind", "amount", "period_start", "period_end"]),
    "ast": ("SELECT a.household_id, a.kind, a.value, a.recorded_on, a.disposed_on FROM registry_asset a "
            "WHERE a.household_id IN ({ids})", ["household_id", "kind", "value", "recorded_on", "disposed_on"]),
    "exp": ("SELECT e.household_id, e.amount, e.period_start, e.period_end FROM registry_expense e "
            "WHERE e.household_id IN ({ids})", ["household_id", "amount", "period_start", "period_end"]),
}

_DTYPES = {"amount": "float64", "value": "float64", "disability_grade": "Int64"}  # Int64: NULL stays NULL
_DATES = ("birth_date", "death_date", "period_start", "period_end", "recorded_on", "disposed_on")

# The whole rule set. $on is the assessment date; std holds one row of standards per region.
ASSESS_SQL = r"""
CREATE MACRO yuan(x) AS regexp_replace(format('{:.2f}', round(x, 2)), '\.00$', '');
CREATE TABLE result AS
WITH h AS (
  SELECT hh.household_id, hh.hukou_type, hh.relapse_watch, s.*,
         CASE WHEN hh.hukou_type = 'urban' THEN s.dibao_standard_urban ELSE s.dibao_standard_rural END AS standard,
         CAST($on - to_months(CAST(s.income_window_months AS INTEGER)) + INTERVAL 1 DAY AS DATE) AS wstart
  FROM hh JOIN std s USING (region_id)
),
m AS (
  SELECT p.*, h.tekun_age, h.tekun_minor_age,
         year($on) - year(p.birth_date)
           - CASE WHEN strftime($on, '%m%d') < strftime(p.birth_date, '%m%d') THEN 1 ELSE 0 END AS age
  FROM pp p JOIN h USING (household_id)
  WHERE p.death_date IS NULL OR p.death_date > $on
),
mt AS (
  SELECT m.*,
         (m.disability_grade <= 2 OR (m.disability_grade = 3 AND m.disability_type IN ('intellectual', 'mental')))
           IS TRUE AS severe_disability,
         (m.age >= m.tekun_age OR m.age < m.tekun_minor_age
           OR (m.disability_type IN ('intellectual', 'mental') AND m.disability_grade <= 3)
           OR (m.disability_type = 'physical' AND m.disability_grade <= 2)
           OR (m.disability_type = 'visual' AND m.disability_grade = 1)) IS TRUE AS no_work_ability
  FROM m
),
mc AS (
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
         sum(CASE WHEN list_contains($exempt, inc.kind) THEN 0 ELSE
             inc.amount * greatest(0, date_diff('day', greatest(inc.period_start, h.wstart),
                                               least(inc.period_end, $on)) + 1)
             / (date_diff('day', inc.period_start, inc.period_end) + 1) END) AS counted_for_tekun
  FROM inc JOIN h USING (household_id)
  WHERE inc.period_end >= inc.period_start
  GROUP BY inc.household_id
),
e AS (
  SELECT exp.household_id,
         sum(exp.amount * greatest(0, date_diff('day', greatest(exp.period_start, h.wstart),
                                               least(exp.period_end, $on)) + 1)
             / (date_diff('day', exp.period_start, exp.period_end) + 1)) AS rigid
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
         coalesce(a.houses, 0) AS houses, coalesce(a.businesses, 0) AS businesses
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
)
SELECT household_id, NULL::BIGINT AS person_id, tier, members, round(pci, 2) AS pci, standard,
  list_filter([
    format('家庭人口 {} 人，收入计算期 {} 至 {}', members, strftime(wstart, '%Y-%m-%d'), strftime($on, '%Y-%m-%d')),
    format('人均月收入 {} 元，{}低保标准 {} 元', yuan(pci), CASE WHEN pci < standard THEN '低于' ELSE '不低于' END,
           yuan(standard)),
    CASE WHEN tier = 'tekun' THEN format('全部成员无劳动能力、无法定义务人或义务人无履行能力；'
         || '不计基础养老金等收入后人均月收入 {} 元，低于低保标准', yuan(pci_tekun)) END,
    CASE WHEN pci >= standard THEN format('人均月收入{}低保标准的 {} 倍（{} 元）',
         CASE WHEN pci < near_line THEN '低于' ELSE '不低于' END, yuan(near_dibao_multiplier), yuan(near_line)) END,
    format('人均存款 {} 元，{}上限 {} 元（{} 个月低保标准）', yuan(deposit_pc),
           CASE WHEN deposit_ok THEN '未超过' ELSE '超过' END, yuan(deposit_limit), yuan(deposit_limit_months)),
    CASE WHEN vehicles > 0 THEN format('有机动车辆 {} 辆，价值 {} 元，{}上限 {} 元', vehicles, yuan(vehicle_value),
         CASE WHEN vehicle_ok THEN '未超过' ELSE '超过' END, yuan(vehicle_value_limit)) END,
    CASE WHEN NOT housing_ok THEN format('有房产 {} 套，超过上限 {} 套', houses, yuan(housing_limit)) END,
    CASE WHEN businesses > 0 THEN format('有工商登记 {} 户，请核实经营收入', businesses) END,
    CASE WHEN rigid > 0 THEN format('计算期内刚性支出 {} 元，{}，当地比例 {}%', yuan(rigid),
         CASE WHEN rigid_share IS NULL THEN '家庭无收入'
              ELSE format('占家庭总收入 {}%', yuan(rigid_share * 100)) END, yuan(rigid_expense_ratio * 100)) END,
    CASE WHEN tier IN ('rigid_expense', 'other_hardship')
         THEN format('人均月收入低于上年度人均可支配收入的月均数 {} 元', yuan(disposable_month)) END,
    CASE WHEN tier = 'relapse_watch' THEN '已纳入防止返贫监测' END,
    CASE WHEN tier = 'other_hardship' THEN '家庭有重度残疾或重病成员' END,
    CASE WHEN tier = 'none' AND members = 0 THEN '家庭无在世成员' END
  ], lambda x: x IS NOT NULL) AS reasons,
  to_json({standard: standard, near_line: near_line, deposit_limit: deposit_limit, deposits: deposits,
           income: round(income, 2), rigid: round(rigid, 2), vehicles: vehicles, vehicle_value: vehicle_value,
           houses: houses, window_start: wstart, pci_tekun: round(pci_tekun, 2)}) AS facts
FROM t
UNION ALL
-- 单人户: a severely disabled or seriously ill member of a 低保边缘 household may be assessed alone.
SELECT t.household_id, mt.person_id, 'dibao', 1, round(t.pci, 2), t.standard,
  [format('单人户：{}，所在家庭为低保边缘家庭（人均月收入 {} 元，低于低保标准的 {} 倍），可单独纳入低保',
          CASE WHEN mt.severe_disability THEN '重度残疾人' ELSE '重病患者（' || mt.serious_illness || '）' END,
          yuan(t.pci), yuan(t.near_dibao_multiplier))],
  to_json({standard: t.standard, near_line: t.near_line, single_person: true})
FROM t JOIN mt USING (household_id)
WHERE t.tier = 'near_dibao' AND (mt.severe_disability OR mt.serious_illness <> '')
"""


def _frame(sql: str, columns: list[str], ids_sql: str) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=ids_sql))
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    for col in columns:
        if col in _DATES:  # datetime64 with NaT, so DuckDB sees typed NULLs even in an all-empty column
            frame[col] = pd.to_datetime(frame[col])
        elif col in _DTYPES:
            frame[col] = frame[col].astype(_DTYPES[col])
    return frame


def _standards_frame(region_ids: list[int], on: dt.date) -> tuple[pd.DataFrame, dict[int, dict]]:
    rows, sources = [], {}
    for region in Region.objects.filter(pk__in=region_ids):
        standards = standards_for(region, on)
        for key in ("dibao_standard_urban", "dibao_standard_rural", "rigid_expense_ratio",
                    "disposable_income_last_year"):
            standards.get(key)  # a missing local standard stops the run with a Chinese message
        rows.append({"region_id": region.pk, **{k: float(v) for k, v in standards.values.items()}})
        sources[region.pk] = standards.sources
    return pd.DataFrame(rows, columns=["region_id", *STANDARDS]), sources


RESULT_COLUMNS = ["household_id", "person_id", "region_id", "tier", "members", "pci", "standard", "reasons", "facts",
                  "run_key"]


def evaluate(household_ids_sql: str, on: dt.date) -> list[tuple]:
    """Figures, tier and reasons for the households selected by `household_ids_sql` (a SELECT of ids),
    as tuples in RESULT_COLUMNS order. `facts` and `reasons` are JSON text; `run_key` hashes the date
    and every figure, so the same inputs give the same key."""
    duck = duckdb.connect()
    frames = {name: _frame(sql, cols, household_ids_sql) for name, (sql, cols) in _LOADS.items()}
    std, sources = _standards_frame(sorted(frames["hh"]["region_id"].unique().tolist()), on)
    for name, frame in frames.items():
        duck.register(name, frame)
    duck.register("std", std)
    duck.register("src", pd.DataFrame({"region_id": list(sources), "settings": [json.dumps(v) for v in
                                                                                sources.values()]},
                                      columns=["region_id", "settings"]))
    statements = [s for s in ASSESS_SQL.split(";\n") if s.strip()]
    duck.execute(statements[0])
    duck.execute(statements[1], {"on": on, "exempt": list(TEKUN_EXEMPT_INCOME)})
    rows = duck.execute("""
        SELECT r.household_id, r.person_id, hh.region_id, r.tier, r.members, r.pci, r.standard,
               to_json(r.reasons) AS reasons,
               json_merge_patch(r.facts, json_object('standard_settings', coalesce(src.settings, '{}')::JSON))
                 AS facts,
               left(sha256(concat_ws('|', $on, r.household_id, coalesce(r.person_id, 0), r.tier, r.pci,
                                     r.facts)), 32) AS run_key
        FROM result r JOIN hh USING (household_id) LEFT JOIN src USING (region_id)
        ORDER BY r.household_id, r.person_id NULLS FIRST""", {"on": on}).fetchall()
    duck.close()
    return rows


def _ids_sql(*, region: Region | None, household_ids: list[int] | None) -> str:
    if household_ids is not None:
        return ",".join(str(int(i)) for i in household_ids) or "NULL"
    # The path is the region's own, read from the database (digits and slashes), never user input.
    path = region.path
    if not path.replace("/", "").isdigit():
        raise ValueError(f"unexpected region path {path!r}")
    return ("SELECT h2.id FROM registry_household h2 JOIN core_region r2 ON r2.id = h2.region_id "  # noqa: S608
            f"WHERE r2.path LIKE '{path}%'")


_TIER_LABELS = " ".join(f"WHEN '{value}' THEN '{label}'" for value, label in Tier.choices)
# Chain events for the decisions just written, made by the database from the decision rows themselves
# (core.events.record_events_by_query: subject, person, household, region, time, summary, payload).
_EVENTS_SQL = (
    "SELECT CAST(d.id AS TEXT), d.person_id, d.household_id, h.region_id, d.created_at, "
    "'分层评估（基准日 ' || CAST(%s AS TEXT) || '）：建议认定为' || CASE d.recommended_tier " + _TIER_LABELS + " END "
    "|| CASE WHEN d.person_id IS NULL THEN '' ELSE '（单人户）' END, '{{}}' "
    "FROM registry_tierdecision d JOIN registry_household h ON h.id = d.household_id "
    "WHERE d.run_key IN ({keys})"
)
_DECISION_COLUMNS = ("household_id, person_id, assessed_on, recommended_tier, tier, status, members, "
                     "per_capita_income, dibao_standard, facts, reasons, override_reason, created_at, run_key")
_INSERT_SQL = (f"INSERT INTO registry_tierdecision ({_DECISION_COLUMNS}) "  # noqa: S608 - constant column list
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


ASSESS_STEPS = 10  # progress units of a run: evaluated 7, compared 8, written 10 (demo: 3.5 s, 0.1 s, 0.7 s)


def _insert_decisions(cursor, rows: list[tuple]) -> None:
    """PostgreSQL takes COPY (several times faster than row inserts); SQLite takes executemany."""
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY registry_tierdecision ({_DECISION_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(_INSERT_SQL, rows)


def assess(*, on: dt.date, region: Region | None = None, household_ids: list[int] | None = None,
           actor=None, progress=None) -> dict:
    """Writes a recommended TierDecision for every household (and 单人户 member) whose figures changed,
    with its chain event. Older recommendations still awaiting approval are marked superseded.
    Re-running with the same inputs writes nothing. Returns counts. `progress(done, total)`, when given,
    hears of the run's steps (a task run's progress bar): figures worked out, changes found, written."""
    report = progress or (lambda done, total: None)
    report(0, ASSESS_STEPS)
    rows = evaluate(_ids_sql(region=region, household_ids=household_ids), on)
    report(7, ASSESS_STEPS)  # loading the rows and working out the rules: most of a run's time
    keys = [r[9] for r in rows]
    existing: set[str] = set()
    for i in range(0, len(keys), 900):
        existing.update(TierDecision.objects.filter(run_key__in=keys[i:i + 900]).values_list("run_key", flat=True))
    new = [r for r in rows if r[9] not in existing]
    report(8, ASSESS_STEPS)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        touched = sorted({r[0] for r in new})
        for i in range(0, len(touched), 900):
            TierDecision.objects.filter(household_id__in=touched[i:i + 900], status=DecisionStatus.RECOMMENDED)\
                .update(status=DecisionStatus.SUPERSEDED)
        _insert_decisions(cursor, [(r[0], r[1], on, r[3], r[3], DecisionStatus.RECOMMENDED.value, r[4], round(r[5], 2),
                                    round(r[6], 2), r[8], r[7], "", now, r[9]) for r in new])
        if connection.vendor == "postgresql" and len(new) > 10_000:
            # Fresh statistics, or the planner keeps treating the table as small and the key lookups
            # below (and the next run's) become full scans.
            cursor.execute("ANALYZE registry_tierdecision")
        new_keys = [r[9] for r in new]
        parts = [new_keys[i:i + 900] for i in range(0, len(new_keys), 900)]
        record_events_by_query(kind=RegistryEvent.TIER_ASSESSED, subject_model=TierDecision, actor=actor, queries=[
            (_EVENTS_SQL.format(keys=",".join(["%s"] * len(part))), [str(on), *part]) for part in parts])
    report(ASSESS_STEPS, ASSESS_STEPS)  # after commit: a progress row outside the write transaction
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[3]] = counts.get(r[3], 0) + 1
    return {"assessed": len(rows), "written": len(new), "unchanged": len(rows) - len(new), "by_tier": counts}
