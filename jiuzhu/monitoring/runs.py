"""Comparison runs (比对批次): the registry snapshot and the stored feeds, every enabled indicator version in
force for the region on the as-of date evaluated set-based on the chosen engine (one UNION ALL of the
compiled rules, rules_sql.py), and the warnings written in bulk.

Idempotence: the run's `run_key` hashes the region, the as-of date, the stored files, the versions used and
a fingerprint of the registry (counts and latest changes); a finished run with the same key is returned as it
is. Each warning's `warning_key` hashes the indicator,
the subject (person, household, or the keyed ID hash of a person outside the registry) and the evidence
period (first and last dated feed row that fired it); a subject with a warning of the indicator not yet
closed is not warned again, and evidence once warned about (same key) is not warned about again even after
its warning was closed; so re-running changes nothing.

Post-processing (keys, evidence, de-duplication against the open warnings) runs in DuckDB over the engine's
Arrow result, whatever the engine: the result is the (small) set of subjects that fired."""

# ruff: noqa: S608 - SQL from constants, integer ids and ISO dates
import datetime as dt
import hashlib
import io
import json
import time

import duckdb
import pyarrow as pa
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from pyarrow import csv as pa_csv

from jiuzhu.core.bulk_indexes import large_cache
from jiuzhu.core.errors import DomainError
from jiuzhu.core.events import record_event, record_events_by_query
from jiuzhu.core.models import Region
from jiuzhu.core.permissions import Capability, can, require
from jiuzhu.core.region_settings import setting_value
from jiuzhu.core.taskruns import Outcome, task_run_progress, task_run_start, task_run_task
from jiuzhu.core.workdays import add_working_days
from jiuzhu.monitoring.engines import make_engine
from jiuzhu.monitoring.events import MonitoringEvent
from jiuzhu.monitoring.indicators import versions_in_force
from jiuzhu.monitoring.models import ComparisonRun, RunStatus, Warning, WarningStatus
from jiuzhu.monitoring.rules_sources import SOURCES
from jiuzhu.monitoring.rules_sql import AGGREGATIONS, OPERATORS, compile_plan, compile_rule, describe
from jiuzhu.monitoring.runs_snapshot import feed_files, registry_snapshot

RUN_KIND = "monitoring.comparison_run"
STEPS = 10
WRITE_BATCH = 50_000


def _versions(region: Region, as_of: dt.date, only=None) -> list:
    found = versions_in_force(region, as_of, indicators=only)
    return sorted((v for v in found.values() if v.enabled), key=lambda v: v.indicator.code)


def _disposable_income(region: Region, as_of: dt.date):
    value = setting_value("disposable_income_last_year", region, as_of)
    return None if value in (None, "") else value


def _prepare(region: Region, as_of: dt.date, versions: list) -> tuple[list, list[str], dict]:
    """The versions that can run with the SQL of each alone (checked here), Chinese notes on those that
    cannot, and the stored files of the feeds they read. The first version carries the run's Plan (every
    rule's stages and SELECTs), the others an empty text."""
    income = _disposable_income(region, as_of)
    compiled, notes = [], []
    for version in versions:
        try:
            compiled.append((version, compile_rule(version.rule, version_id=version.pk, as_of=as_of,
                                                   disposable_income=income)))
        except DomainError as exc:
            notes.append(f"{version.indicator.name}：{exc.message}")
    if compiled:  # the run's one statement: every source read once for all its rules
        compiled[0] = (compiled[0][0], compile_plan([(v.pk, v.rule) for v, _ in compiled], as_of=as_of,
                                                    disposable_income=income))
        compiled[1:] = [(v, "") for v, _ in compiled[1:]]
    files = {}
    for source_key in sorted({v.rule["source"] for v, _ in compiled}):
        if not SOURCES[source_key].registry:
            files[source_key] = feed_files(source_key)
    return compiled, notes, files


def registry_fingerprint() -> list:
    """What changed in the registry since (rows added, edited, decided, ended): a run with the same
    feeds and rules but a changed registry is a new run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM registry_person), (SELECT max(updated_at) FROM registry_person), "
            "(SELECT max(updated_at) FROM registry_household), (SELECT count(*) FROM registry_household), "
            "(SELECT max(id) FROM registry_tierdecision), "
            "(SELECT count(*) FROM registry_tierdecision WHERE status IN ('confirmed', 'overridden')), "
            "(SELECT max(decided_at) FROM registry_tierdecision), (SELECT max(id) FROM registry_assistancegrant), "
            "(SELECT count(*) FROM registry_assistancegrant WHERE status = 'active'), "
            "(SELECT max(id) FROM registry_incomeitem), "
            "(SELECT count(*) FROM registry_incomeitem WHERE voided_at IS NULL)")
        return [str(v) for v in cursor.fetchone()]


def run_key(region: Region, as_of: dt.date, compiled: list, files: dict, registry: list | None = None) -> str:
    basis = {"region": region.code, "as_of": as_of.isoformat(),
             "versions": sorted(v.pk for v, _ in compiled),
             "files": {k: [str(p) for p, _ in f] for k, f in sorted(files.items())},
             "registry": registry if registry is not None else registry_fingerprint()}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def evaluate(region: Region, as_of: dt.date, compiled: list, files: dict, *, engine_name: str | None = None,
             timings: dict | None = None, registry: list | None = None) -> pa.Table:
    """The subjects every compiled rule fires for: one statement on the engine. Returns Arrow. With the
    registry's fingerprint the snapshot's persons may come from the cache of an earlier run."""
    timings = timings if timings is not None else {}
    clock = time.monotonic()
    if not compiled:
        return pa.table({"version_id": pa.array([], pa.int64())})
    needed = {SOURCES[v.rule["source"]].table for v, _ in compiled if SOURCES[v.rule["source"]].registry}
    snapshot = registry_snapshot(region, as_of, needed=needed, version=registry, timings=timings)
    timings["snapshot"] = time.monotonic() - clock
    clock = time.monotonic()
    engine = make_engine(engine_name)
    try:
        for name, table in snapshot.items():
            engine.register_table(name, table)
        for source_key, paths in files.items():
            source = SOURCES[source_key]
            engine.register_parquet(source.view, paths, source.empty_schema())
        result = engine.run(compiled[0][1])
    finally:
        engine.close()
    timings["engine"] = time.monotonic() - clock
    return result


def _indicator_table(compiled: list, today: dt.date) -> pa.Table:
    """Per version: what the warning and its Chinese evidence say, and the due date."""
    rows = []
    for version, _ in compiled:
        rule, indicator = version.rule, version.indicator
        source = SOURCES[rule["source"]]
        field = source.columns.get(rule["field"], ("",))[0] if rule["field"] else ""
        rows.append({
            "version_id": version.pk, "indicator_id": indicator.pk, "code": indicator.code, "iname": indicator.name,
            "severity": rule["severity"], "due_date": add_working_days(today, rule["deadline_days"]),
            "source_label": source.label, "measure": f"{field}{AGGREGATIONS[rule['aggregation']]}",
            "op_label": OPERATORS[rule["operator"]], "rule_text": describe(rule),
        })
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("version_id", pa.int64()), ("indicator_id", pa.int64()), ("code", pa.string()), ("iname", pa.string()),
        ("severity", pa.string()), ("due_date", pa.date32()), ("source_label", pa.string()),
        ("measure", pa.string()), ("op_label", pa.string()), ("rule_text", pa.string())]))


def _open_warnings(indicator_ids: list[int]) -> pa.Table:
    """The warnings of these indicators: their keys (the same evidence is never warned about twice, even
    after its warning was closed) and, for those not closed, their subjects (not warned again meanwhile)."""
    from jiuzhu.monitoring.runs_snapshot import I64, STR, fetch

    ids = ",".join(str(int(i)) for i in indicator_ids) or "NULL"
    return fetch(f"SELECT w.indicator_id, w.person_id, w.household_id, w.subject_id_hash, w.warning_key, "
                 f"CASE WHEN w.status = 'closed' THEN 1 ELSE 0 END FROM monitoring_warning w "
                 f"WHERE w.indicator_id IN ({ids})",
                 {"indicator_id": I64, "person_id": I64, "household_id": I64, "id_hash": STR, "warning_key": STR,
                  "closed": I64})


# The subjects with a warning not yet closed, keyed as `r.subject` below, so the new warnings are an anti-join
# on (indicator, subject) (an OR of three conditions made it a nested loop: ~1 s at 174k open warnings). A
# warning without a person stands for its household and for its ID hash alike, as it always did.
_OPEN_SUBJECTS = """
SELECT indicator_id, 'p' || CAST(person_id AS VARCHAR) AS subject FROM open_w WHERE closed = 0 AND person_id IS NOT NULL
UNION ALL SELECT indicator_id, 'h' || CAST(household_id AS VARCHAR) FROM open_w
  WHERE closed = 0 AND person_id IS NULL AND household_id IS NOT NULL
UNION ALL SELECT indicator_id, 'x' || id_hash FROM open_w WHERE closed = 0 AND person_id IS NULL AND id_hash IS NOT NULL
"""

_NEW_WARNINGS = """
WITH open_subjects AS (""" + _OPEN_SUBJECTS + """), r AS (
  SELECT r.*, i.indicator_id, i.code, i.iname, i.severity, i.due_date, i.source_label, i.measure, i.op_label,
         i.rule_text,
         CASE WHEN r.person_id IS NOT NULL THEN 'p' || CAST(r.person_id AS VARCHAR)
              WHEN r.household_id IS NOT NULL THEN 'h' || CAST(r.household_id AS VARCHAR)
              ELSE 'x' || r.id_hash END AS subject
  FROM result r JOIN ind i USING (version_id)
  WHERE r.region_id IS NOT NULL
), one AS (
  SELECT * FROM r QUALIFY row_number() OVER (PARTITION BY indicator_id, subject ORDER BY value DESC, rows_n DESC) = 1
)
SELECT o.indicator_id, o.person_id, o.household_id, o.region_id,
       coalesce(o.id_hash, '') AS subject_id_hash, coalesce(o.name, '') AS subject_name,
       md5(o.code || '|' || o.subject || '|' || coalesce(CAST(o.evidence_start AS VARCHAR), '') || '|'
           || coalesce(CAST(o.evidence_end AS VARCHAR), '')) AS warning_key,
       o.evidence_start, o.evidence_end, o.severity, o.due_date,
       CAST(json_object('指标', o.iname, '规则', o.rule_text, '数据来源', o.source_label, '统计', o.measure,
                        '数值', round(o.value, 2), '比较', o.op_label, '阈值', round(o.threshold, 2),
                        '记录数', o.rows_n,
                        '证据期', coalesce(CAST(o.evidence_start AS VARCHAR), '') || ' 至 '
                                  || coalesce(CAST(o.evidence_end AS VARCHAR), '')) AS VARCHAR) AS evidence
FROM one o
WHERE NOT EXISTS (SELECT 1 FROM open_w w WHERE w.warning_key = md5(o.code || '|' || o.subject || '|'
                    || coalesce(CAST(o.evidence_start AS VARCHAR), '') || '|'
                    || coalesce(CAST(o.evidence_end AS VARCHAR), '')))
  AND NOT EXISTS (SELECT 1 FROM open_subjects w WHERE w.indicator_id = o.indicator_id AND w.subject = o.subject)
ORDER BY o.indicator_id, o.region_id, o.subject
"""

_OWN = ("indicator_id", "person_id", "household_id", "region_id", "subject_id_hash", "subject_name",
        "warning_key", "evidence_start", "evidence_end", "severity", "due_date", "evidence")


def _other_columns() -> list[tuple[str, object]]:
    """Every other concrete column of the warning table with the value a new warning takes (its model
    default, or NULL): the run's insert stays right when fields are added to Warning."""
    now = timezone.now()
    values = []
    for f in Warning._meta.concrete_fields:
        if f.primary_key or f.column in _OWN:
            continue
        if f.column == "run_id":
            continue
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        values.append((f.column, f.get_db_prep_save(value, connection)))
    return values


def _insert_warnings(duck, run_id: int, actor, timings: dict, parents: list | None = None) -> int:
    """The new warnings (DuckDB's new_w) and their events, in the caller's transaction. Returns how many were
    dropped again because their subject was deleted meanwhile."""
    clock = time.monotonic()
    others = _other_columns()
    columns = [*_OWN, "run_id", *[c for c, _ in others]]
    if connection.vendor == "postgresql":
        consts = ", ".join(["?"] * (1 + len(others)))
        reader = duck.sql(f"SELECT *, {consts} FROM new_w", params=[run_id, *[
            v if v is None or isinstance(v, int | float | str) else str(v) for _, v in others]]).to_arrow_reader(
            WRITE_BATCH)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY monitoring_warning ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
            for batch in reader:
                buffer = io.BytesIO()
                pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, pa_csv.WriteOptions(include_header=False))
                copy.write(buffer.getvalue())
        timings["write_rows"] = time.monotonic() - clock
        return _written(run_id, actor, timings, parents)
    # SQLite: the warnings' indexes (seven entries per new warning), the evidence check and the orphan check (a
    # lookup in the person and household tables per row) thrash the default 2 MiB page cache at a hundred
    # thousand warnings; a larger cache for this write only (pages are allocated as used) cut its CPU by a
    # quarter at 1M persons.
    with large_cache():
        _insert_warnings_sqlite(duck, run_id, others, columns)
        timings["write_rows"] = time.monotonic() - clock
        return _written(run_id, actor, timings, parents)


def _written(run_id: int, actor, timings: dict, parents: list | None) -> int:
    """After the rows: those whose parent is gone are dropped (looked for only when some parent table lost a
    row since the run began), then the events of the others."""
    clock = time.monotonic()
    dropped = _drop_orphans(run_id) if parents is None or parents_version() != parents else 0
    timings["write_check"] = time.monotonic() - clock
    clock = time.monotonic()
    _raised_events(run_id, actor)
    timings["write_events"] = time.monotonic() - clock
    return dropped


def _insert_warnings_sqlite(duck, run_id: int, others: list, columns: list) -> None:
    """Row values out of DuckDB as Arrow (a Python list per column, zipped: a third of the CPU of fetchmany's
    tuples); the run's constant columns from a one-row temporary table, so each row binds its own 12 values."""
    reader = duck.sql("SELECT indicator_id, person_id, household_id, region_id, subject_id_hash, subject_name, "
                      "warning_key, CAST(evidence_start AS VARCHAR), CAST(evidence_end AS VARCHAR), severity, "
                      "CAST(due_date AS VARCHAR), evidence FROM new_w").to_arrow_reader(WRITE_BATCH)
    tail = [run_id, *[v for _, v in others]]
    constant = [c for c in columns if c not in _OWN]
    own = ", ".join(["%s"] * len(_OWN))
    sql = (f"INSERT INTO monitoring_warning ({', '.join(columns)}) SELECT {own}, {', '.join(constant)} "
           "FROM temp.run_warning_tail")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE run_warning_tail ({', '.join(constant)})")
        try:
            cursor.execute(f"INSERT INTO temp.run_warning_tail VALUES ({', '.join(['%s'] * len(tail))})", tail)
            for batch in reader:
                cursor.executemany(sql, zip(*[column.to_pylist() for column in batch.columns], strict=True))
        finally:
            cursor.execute("DROP TABLE temp.run_warning_tail")


_EVENTS_SQL = ("SELECT CAST(w.id AS TEXT), w.person_id, w.household_id, w.region_id, w.raised_at, "
               "'预警：' || i.name, '{}' FROM monitoring_warning w "
               "JOIN monitoring_indicator i ON i.id = w.indicator_id WHERE w.run_id = %s AND ")
# A death indicator (warning_services.is_death_warning: its code or name says death) of a registry person
_DEATH = "w.person_id IS NOT NULL AND (i.code LIKE %s OR i.name LIKE %s)"
_DEATH_PARAMS = ["%death%", "%死亡%"]


# The run's warnings whose person, household, region or indicator is gone (deleted since the snapshot was read):
# the warning table's keys carry no database constraint (models.Warning), so the run proves its parents here,
# set-based, in the transaction that wrote the rows (a few left joins instead of a check per row and key).
_ORPHANS = """
DELETE FROM monitoring_warning WHERE id IN (
  SELECT w.id FROM monitoring_warning w
  LEFT JOIN registry_person p ON p.id = w.person_id
  LEFT JOIN registry_household h ON h.id = w.household_id
  LEFT JOIN core_region r ON r.id = w.region_id
  LEFT JOIN monitoring_indicator i ON i.id = w.indicator_id
  WHERE w.run_id = %s AND ((w.person_id IS NOT NULL AND p.id IS NULL) OR (w.household_id IS NOT NULL AND h.id IS NULL)
                           OR r.id IS NULL OR i.id IS NULL))
"""


def parents_version() -> list:
    """Row count and highest id of each table a warning names: equal at the run's start and at its write, no
    row was deleted in between (a deletion lowers the count, and an insertion making up for it raises the
    highest id: ids are never reused). A few index look-ups, where the orphan check joins every new warning."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t}), (SELECT max(id) FROM {t})" for t in (
            "registry_person", "registry_household", "core_region", "monitoring_indicator")))
        return list(cursor.fetchone())


def _drop_orphans(run_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_ORPHANS, [run_id])
        return cursor.rowcount


def _raised_events(run_id: int, actor) -> None:
    """One event per new warning, two INSERT … SELECT: a death warning of a registry person is
    DEATH_WARNING_RAISED (funds handles it: the payee is held from the next roll until rebutted), every other
    warning WARNING_RAISED (no handler), so the thousands of a run's ordinary warnings never go through delivery."""
    record_events_by_query(kind=MonitoringEvent.WARNING_RAISED, subject_model=Warning, actor=actor,
                           queries=[(_EVENTS_SQL + f"NOT ({_DEATH})", [run_id, *_DEATH_PARAMS])])
    record_events_by_query(kind=MonitoringEvent.DEATH_WARNING_RAISED, subject_model=Warning, actor=actor,
                           queries=[(_EVENTS_SQL + _DEATH, [run_id, *_DEATH_PARAMS])])


def comparison_run(*, region: Region, as_of: dt.date, actor=None, engine: str | None = None, progress=None,
                   task_run=None, timings: dict | None = None) -> ComparisonRun:
    """Runs every enabled indicator in force for the region on `as_of` and writes the new warnings. The
    caller has checked the actor (services below); the scheduler runs with no actor."""
    from jiuzhu.monitoring.engines import default_engine

    timings = timings if timings is not None else {}
    report = progress or (lambda done, total: None)
    engine = engine or default_engine()
    started = time.monotonic()
    report(0, STEPS)
    versions = _versions(region, as_of)
    compiled, notes, files = _prepare(region, as_of, versions)
    parents = parents_version()  # before the snapshot: the parents the run's warnings will name exist now
    registry = registry_fingerprint()
    key = run_key(region, as_of, compiled, files, registry)
    done = ComparisonRun.objects.filter(run_key=key, status=RunStatus.FINISHED).order_by("-pk").first()
    if done is not None:
        report(STEPS, STEPS)
        return done
    run = ComparisonRun.objects.create(region=region, as_of=as_of, engine=engine, run_key=key, started_by=actor,
                                       task_run=task_run)
    report(1, STEPS)
    result = evaluate(region, as_of, compiled, files, engine_name=engine, timings=timings, registry=registry)
    report(7, STEPS)
    clock = time.monotonic()
    duck = duckdb.connect()
    try:
        today = timezone.localdate()
        duck.register("result", result)
        duck.register("ind", _indicator_table(compiled, today))
        duck.register("open_w", _open_warnings([v.indicator_id for v, _ in compiled]))
        duck.execute("CREATE TABLE new_w AS " + _NEW_WARNINGS if result.num_rows else
                     "CREATE TABLE new_w AS SELECT * FROM (" + _NEW_WARNINGS.replace("FROM result r", "FROM (SELECT "
                     "CAST(NULL AS BIGINT) AS version_id, CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS BIGINT) "
                     "AS household_id, CAST(NULL AS VARCHAR) AS id_hash, CAST(NULL AS VARCHAR) AS name, "
                     "CAST(NULL AS BIGINT) AS region_id, 0.0 AS value, 0.0 AS threshold, 0 AS rows_n, "
                     "CAST(NULL AS DATE) AS evidence_start, CAST(NULL AS DATE) AS evidence_end WHERE false) r")
                     + ") x")
        counts = dict(duck.execute("SELECT i.code, count(*) FROM new_w n JOIN (SELECT DISTINCT indicator_id, code "
                                   "FROM ind) i USING (indicator_id) GROUP BY 1 ORDER BY 1").fetchall())
        fired = result.num_rows
        timings["prepare"] = time.monotonic() - clock
        report(8, STEPS)
        clock = time.monotonic()
        written = sum(counts.values())
        with transaction.atomic():
            if written:
                if _insert_warnings(duck, run.pk, actor, timings, parents):  # a subject deleted meanwhile: count again
                    counts = dict(Warning.objects.filter(run=run).values_list("indicator__code")
                                  .annotate(n=Count("pk")).order_by("indicator__code"))
                    written = sum(counts.values())
            seconds = round(time.monotonic() - started, 3)
            ComparisonRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FINISHED, finished_at=timezone.now(), counts=counts, seconds=seconds)
            run.refresh_from_db()
            record_event(kind=MonitoringEvent.RUN_FINISHED, subject=run, actor=actor, region=region,
                         summary=f"{region.name}比对（基准日 {as_of:%Y-%m-%d}）：新预警 {written} 条",
                         payload={"warnings": written, "fired": fired, "indicators": len(compiled),
                                  "notes": notes, "engine": engine})
            committing = time.monotonic()
        # the commit: on PostgreSQL the deferred foreign-key checks of every row written run here
        timings["write_commit"] = time.monotonic() - committing
        timings["write"] = time.monotonic() - clock
    finally:
        duck.close()
    run.notes = notes
    run.fired = fired
    report(STEPS, STEPS)
    return run


def run_summary(run: ComparisonRun) -> str:
    written = sum(run.counts.values()) if run.counts else 0
    return f"比对完成：新预警 {written} 条，用时 {run.seconds or 0:.1f} 秒"


# ---- Dry run ----------------------------------------------------------------------------------------

def dry_run(*, actor, version_rule: dict, indicator, region: Region, as_of: dt.date,
            engine: str | None = None) -> dict:
    """How many subjects a rule would warn about in the region on the date (no warning written); counts
    only, so the administrator sees no personal data. The rule is checked first (Chinese errors)."""
    from types import SimpleNamespace

    from jiuzhu.core.scoping import region_in_scope
    from jiuzhu.monitoring.rules_sql import clean_rule

    require(actor, Capability.ADMINISTER)
    if not region_in_scope(actor, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")
    rule = clean_rule(version_rule)
    version = SimpleNamespace(pk=0, rule=rule, indicator=indicator, indicator_id=getattr(indicator, "pk", 0))
    compiled, notes, files = _prepare(region, as_of, [version])
    if notes:
        raise DomainError(notes[0].split("：", 1)[-1], code="missing_setting", field="basis")
    result = evaluate(region, as_of, compiled, files, engine_name=engine)
    fired = result.num_rows
    already = 0
    if fired and getattr(indicator, "pk", None):
        open_w = _open_warnings([indicator.pk])
        duck = duckdb.connect()
        duck.register("result", result)
        duck.register("open_w", open_w)
        already = duck.execute("SELECT count(*) FROM result r WHERE EXISTS (SELECT 1 FROM open_w w WHERE "
                               "w.closed = 0 AND ((r.person_id IS NOT NULL AND w.person_id = r.person_id) OR "
                               "(r.person_id IS NULL AND "
                               "r.household_id IS NOT NULL AND w.household_id = r.household_id) OR "
                               "(r.person_id IS NULL AND r.household_id IS NULL AND w.id_hash = r.id_hash)))"
                               ).fetchone()[0]
        duck.close()
    return {"fired": fired, "new": fired - already, "already_open": already,
            "files": sum(len(f) for f in files.values())}


# ---- Starting a run by hand, and the scheduled runs ---------------------------------------------------

def comparison_run_start(*, actor, region: Region, as_of: dt.date, engine: str | None = None):
    """An officer starts a run for a region in the jurisdiction; it runs as a task run with progress. A
    department (which handles only warnings referred to it) does not start runs."""
    from jiuzhu.core.scoping import is_department_actor

    require(actor, Capability.HANDLE_WARNINGS)
    if is_department_actor(actor):
        raise PermissionDenied("部门经办人员不能发起预警比对")
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise DomainError("比对基准日：请填写日期（YYYY-MM-DD）", code="validation_error", field="as_of")
    if as_of > timezone.localdate():
        raise DomainError("比对基准日：不能晚于今天", code="validation_error", field="as_of")
    if engine not in (None, "", "duckdb", "spark"):
        raise DomainError("计算引擎：请选择 DuckDB 或 Spark", code="validation_error", field="engine")
    return task_run_start(actor=actor, kind=RUN_KIND, title=f"{region.name}预警比对（基准日 {as_of:%Y-%m-%d}）",
                          region=region, task=comparison_run_task, region_code=region.code,
                          as_of=as_of.isoformat(), engine=engine or "")


@task_run_task
def comparison_run_task(run, *, region_code: str, as_of: str, engine: str = "") -> Outcome:
    require(run.owner, Capability.HANDLE_WARNINGS)
    region = Region.objects.get(code=region_code)
    from jiuzhu.core.scoping import region_in_scope

    if not region_in_scope(run.owner, region):
        raise DomainError("该区划不在您的管辖范围内", code="out_of_scope", field="region")
    result = comparison_run(region=region, as_of=dt.date.fromisoformat(as_of), actor=run.owner,
                            engine=engine or None, task_run=None,
                            progress=lambda done, total: task_run_progress(run.pk, done, total))
    ComparisonRun.objects.filter(pk=result.pk, task_run__isnull=True).update(task_run=run)
    notes = getattr(result, "notes", [])
    return Outcome(summary=run_summary(result) + ("；" + "；".join(notes) if notes else ""),
                   result={"comparison_run": result.pk, "counts": result.counts})


def counties_with_new_batches() -> list[Region]:
    """Counties with a feed batch stored since their last finished run (a batch's region, or the county above
    it), or with stored batches and no run in the last month."""
    from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus

    since = timezone.now() - dt.timedelta(days=30)
    counties: dict[int, Region] = {}
    for batch in FeedBatch.objects.filter(status=FeedBatchStatus.STORED).select_related("region"):
        codes = batch.region.ancestor_codes()
        county = Region.objects.filter(code__in=codes, level="county").first()
        if county is None:
            continue
        last = ComparisonRun.objects.filter(region=county, status=RunStatus.FINISHED).order_by("-started_at").first()
        if last is None or last.started_at < batch.uploaded_at or last.started_at < since:
            counties[county.pk] = county
    return list(counties.values())


def scheduled_runs() -> int:
    """The periodic job: a run for each county with new stored batches (monthly at the latest)."""
    started = 0
    today = timezone.localdate()
    for county in counties_with_new_batches():
        comparison_run(region=county, as_of=today)
        started += 1
    return started


def may_start_runs(actor) -> bool:
    """Civil-affairs staff who handle warnings see and start runs; a department (which handles only warnings
    referred to it) does not. Asked by the runs page, the API and the menu (apps.py)."""
    from jiuzhu.core.scoping import is_department_actor

    return can(actor, Capability.HANDLE_WARNINGS) and not is_department_actor(actor)


def runs_for(*, actor):
    """Runs of regions in the actor's jurisdiction, newest first (counts only: no personal data)."""
    from jiuzhu.core.scoping import scope_q

    runs = ComparisonRun.objects.select_related("region", "started_by")
    q = scope_q(actor, region_field="region")
    if q is not None:
        runs = runs.filter(q)
    return runs.order_by("-started_at", "-pk")


__all__ = ["WarningStatus", "comparison_run", "comparison_run_start", "dry_run", "scheduled_runs"]
