"""The registry snapshot a comparison run reads, as Arrow tables (set-based SQL; SQLite: one cursor per table,
numeric columns through one numpy array; PostgreSQL: COPY … TO STDOUT parsed by Arrow), and the stored feed
files of each kind.

Tables (the names rules_sql.py reads):
- reg_regions (region_id, code): the run's region subtree;
- reg_persons (person_id, household_id, region_id, id_hash): persons whose region lies in the subtree;
- reg_known (id_hash): registry persons outside the subtree (so they are never "discovered" as outsiders);
- reg_households (household_id, region_id, low_income, annual_income): low_income = a tier of the low-income
  population in force on the as-of date; annual_income = recorded (not voided) income items whose period
  ends in the 12 months up to the as-of date;
- reg_grants (id_hash, person_id, …, category, county_code, period_start): active grants of the subtree's
  persons, wherever the granting household lives (double benefits across regions);
- reg_tier_lapse (household_id, last_valid_to, days_lapsed): households whose last confirmed tier ended
  before the as-of date with no decision in force and none pending;
- reg_policy_gap (household_id, valid_from, missing_items): households with 低保 or 特困 in force and no
  active basic-living grant (低保) or destitute support (特困)."""

# ruff: noqa: S608 - SQL built from constants, integer ids, ISO dates and a region path checked to be digits
import datetime as dt
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import connection
from pyarrow import csv as pa_csv

from jiuzhu.core.arrow_sql import query_arrow
from jiuzhu.core.models import Region
from jiuzhu.monitoring.feeds_store import absolute, stored_feed_paths
from jiuzhu.monitoring.models import FeedBatch
from jiuzhu.monitoring.rules_sql import window_start

I64, F64, STR, DAY = pa.int64(), pa.float64(), pa.string(), "day"
LOW_INCOME_TIERS = ("dibao", "tekun", "near_dibao", "rigid_expense", "relapse_watch")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _day(col: str) -> str:
    return f"({col} - DATE '1970-01-01')" if _postgres() else f"CAST(julianday({col}) - 2440587.5 AS INTEGER)"


def _date(value: dt.date) -> str:
    return f"DATE '{value.isoformat()}'" if _postgres() else f"'{value.isoformat()}'"


def _real(col: str) -> str:
    return f"CAST({col} AS DOUBLE PRECISION)" if _postgres() else f"CAST({col} AS REAL)"


def fetch(sql: str, columns: dict[str, object]) -> pa.Table:
    """One query's rows as Arrow with the given types (DAY: days since 1970 read as int, typed date32)."""
    table = query_arrow(sql, {n: (I64 if t == DAY else t) for n, t in columns.items()}, empty_text_is_null=True)
    for name, kind in columns.items():
        if kind == DAY:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.int32()).cast(pa.date32()))
    return table


HASH_LENGTH = 64  # core.crypto.keyed_hash: 64 hex characters


def _sqlite_persons(where: str) -> pa.Table | None:
    """SQLite: persons (id, household, region, keyed hash) without a Python object per row: SQLite joins the
    numbers into one CSV text (parsed by Arrow) and the fixed-width hashes into one string (Arrow's string
    buffer as it is). Both aggregates read the same rows in the same pass, so they line up. None when some
    hash is not 64 characters (then the general path reads them)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(sum(length(p.id_number_hash)), 0), "
                       f"group_concat(p.id || ',' || coalesce(p.household_id, '') || ',' || p.region_id, char(10)), "
                       f"group_concat(p.id_number_hash, '') FROM registry_person p WHERE {where}")
        count, length, numbers, hashes = cursor.fetchone()
    if count and length != count * HASH_LENGTH:
        return None
    if not count:
        return pa.table({"person_id": pa.array([], I64), "household_id": pa.array([], I64),
                         "region_id": pa.array([], I64), "id_hash": pa.array([], STR)})
    table = pa_csv.read_csv(io.BytesIO(numbers.encode()), read_options=pa_csv.ReadOptions(
        column_names=["person_id", "household_id", "region_id"]), convert_options=pa_csv.ConvertOptions(
        column_types={"person_id": I64, "household_id": I64, "region_id": I64}))
    del numbers
    offsets = np.arange(0, (count + 1) * HASH_LENGTH, HASH_LENGTH, dtype=np.int32)
    data = hashes.encode("ascii")
    del hashes
    ids = pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))
    return table.append_column("id_hash", ids)


def _subtree(region: Region) -> str:
    path = region.path
    if not path.replace("/", "").isdigit():
        raise ValueError(f"unexpected region path {path!r}")
    return f"SELECT r0.id FROM core_region r0 WHERE r0.path LIKE '{path}%'"


# ---- The persons' cache: reg_persons and reg_known do not depend on the as-of date, and at 1M persons they are
# most of the snapshot's time; a run given the registry's version (runs.registry_fingerprint: counts, latest
# ids and changes) keeps them as uncompressed Arrow files, read back memory-mapped by the next run of the region
# while that version holds. The fingerprint is the one the run key already trusts (a changed registry is a new
# run); the region subtree's ids are part of the key too. One version is kept per region.
CACHE_FORMAT = 1
CACHED = ("reg_persons", "reg_known")


def snapshot_cache_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "monitoring" / "snapshot_cache"


def _cache_key(region: Region, version: list, regions: pa.Table) -> str:
    basis = json.dumps([CACHE_FORMAT, connection.vendor, str(connection.settings_dict["NAME"]), region.path,
                        [str(v) for v in version],
                        sorted(regions.column("region_id").to_pylist())])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _cache_read(region: Region, key: str) -> dict[str, pa.Table] | None:
    folder = snapshot_cache_root() / f"{region.code}-{key}"
    try:
        return {name: pa.ipc.open_file(pa.memory_map(str(folder / f"{name}.arrow"))).read_all() for name in CACHED}
    except (FileNotFoundError, pa.ArrowInvalid):
        return None


def _cache_write(region: Region, key: str, tables: dict[str, pa.Table]) -> None:
    root = snapshot_cache_root()
    folder = root / f"{region.code}-{key}"
    partial = root / f"{region.code}-{key}.part{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in CACHED:
        with pa.OSFile(str(partial / f"{name}.arrow"), "wb") as sink, \
                pa.ipc.new_file(sink, tables[name].schema) as writer:
            writer.write_table(tables[name])
    try:
        os.replace(partial, folder)
    except OSError:  # another run of the region wrote the same version first
        shutil.rmtree(partial, ignore_errors=True)
    for old in root.glob(f"{region.code}-*"):
        if old.name != folder.name and ".part" not in old.name:
            shutil.rmtree(old, ignore_errors=True)


def registry_snapshot(region: Region, as_of: dt.date, *, needed: set[str] | None = None,
                      version: list | None = None, timings: dict | None = None) -> dict[str, pa.Table]:
    """The registry tables a run reads (see the module docstring); `needed` limits the optional views; with
    the registry's `version` the persons' tables come from (or go to) the cache above."""
    sub = _subtree(region)
    on = _date(as_of)
    year_ago = _date(window_start(as_of, 12))
    in_force = (f"d.status IN ('confirmed', 'overridden') AND (d.valid_from IS NULL OR d.valid_from <= {on}) "
                f"AND (d.valid_to IS NULL OR d.valid_to >= {on})")
    low = ", ".join(f"'{t}'" for t in LOW_INCOME_TIERS)
    active_grant = (f"g.status = 'active' AND g.period_start <= {on} "
                    f"AND (g.period_end IS NULL OR g.period_end >= {on})")
    queries = {
        "reg_regions": (f"SELECT r.id, r.code FROM core_region r WHERE r.id IN ({sub})",
                        {"region_id": I64, "code": STR}),
        "reg_persons": (f"SELECT p.id, p.household_id, p.region_id, p.id_number_hash FROM registry_person p "
                        f"WHERE p.region_id IN ({sub})",
                        {"person_id": I64, "household_id": I64, "region_id": I64, "id_hash": STR}),
        "reg_known": (f"SELECT p.id_number_hash FROM registry_person p WHERE p.region_id NOT IN ({sub})",
                      {"id_hash": STR}),
        "reg_households": (
            f"SELECT h.id, h.region_id, coalesce(t.low, 0), coalesce(i.income, 0) FROM registry_household h "
            f"LEFT JOIN (SELECT d.household_id, 1 AS low FROM registry_tierdecision d WHERE {in_force} "
            f"AND d.tier IN ({low}) GROUP BY d.household_id) t ON t.household_id = h.id "
            f"LEFT JOIN (SELECT i.household_id, sum({_real('i.amount')}) AS income FROM registry_incomeitem i "
            f"WHERE i.voided_at IS NULL AND i.period_end >= {year_ago} AND i.period_end <= {on} "
            "GROUP BY i.household_id) i ON i.household_id = h.id "
            f"WHERE h.is_active AND h.region_id IN ({sub})",
            {"household_id": I64, "region_id": I64, "low_income": I64, "annual_income": F64}),
    }
    needed = needed if needed is not None else {"reg_grants", "reg_tier_lapse", "reg_policy_gap"}
    if "reg_grants" in needed:
        queries["reg_grants"] = (
            f"SELECT p.id_number_hash, p.id, substr(r.code, 1, 6), g.category, {_day('g.period_start')} "
            "FROM registry_assistancegrant g JOIN registry_household gh ON gh.id = g.household_id "
            "JOIN core_region r ON r.id = gh.region_id "
            "JOIN registry_person p ON p.id = coalesce(g.person_id, gh.head_id) "
            f"WHERE {active_grant} AND p.region_id IN ({sub})",
            {"id_hash": STR, "person_id": I64, "county_code": STR, "category": STR, "period_start": DAY})
    if "reg_tier_lapse" in needed:
        as_of_day = (as_of - dt.date(1970, 1, 1)).days
        queries["reg_tier_lapse"] = (
            f"SELECT d.household_id, max({_day('d.valid_to')}), {as_of_day} - max({_day('d.valid_to')}) "
            "FROM registry_tierdecision d JOIN registry_household h ON h.id = d.household_id "
            f"WHERE h.is_active AND h.region_id IN ({sub}) AND d.status IN ('confirmed', 'overridden') "
            "AND d.tier <> 'none' AND d.valid_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registry_tierdecision e "
            "WHERE e.household_id = d.household_id AND (e.status = 'recommended' OR (e.status IN ('confirmed', "
            f"'overridden') AND (e.valid_to IS NULL OR e.valid_to >= {on})))) "
            f"GROUP BY d.household_id HAVING max(d.valid_to) < {on}",
            {"household_id": I64, "last_valid_to": DAY, "days_lapsed": F64})
    if "reg_policy_gap" in needed:
        def missing(category: str) -> str:
            return (f"NOT EXISTS (SELECT 1 FROM registry_assistancegrant g WHERE g.household_id = d.household_id "
                    f"AND g.category = '{category}' AND {active_grant})")
        queries["reg_policy_gap"] = (
            f"SELECT d.household_id, {_day('coalesce(d.valid_from, d.assessed_on)')}, "
            f"CASE WHEN d.tier = 'dibao' AND {missing('basic_living')} THEN 1 "
            f"WHEN d.tier = 'tekun' AND {missing('destitute_support')} THEN 1 ELSE 0 END "
            "FROM registry_tierdecision d JOIN registry_household h ON h.id = d.household_id "
            f"WHERE h.is_active AND h.region_id IN ({sub}) AND {in_force} AND d.tier IN ('dibao', 'tekun')",
            {"household_id": I64, "valid_from": DAY, "missing_items": F64})
    tables = {"reg_regions": fetch(*queries.pop("reg_regions"))}
    key = _cache_key(region, version, tables["reg_regions"]) if version is not None else None
    cached = _cache_read(region, key) if key else None
    if timings is not None:
        timings["snapshot_cached"] = int(cached is not None)
    if cached is not None:
        tables.update(cached)
        for name in CACHED:
            del queries[name]
    elif not _postgres():
        persons = _sqlite_persons(f"p.region_id IN ({sub})")
        if persons is not None:
            tables["reg_persons"] = persons
            del queries["reg_persons"]
    tables.update({name: fetch(sql, columns) for name, (sql, columns) in queries.items()})
    if key and cached is None:
        _cache_write(region, key, tables)
    if "reg_grants" in tables:
        grants = tables["reg_grants"]
        n = grants.num_rows
        tables["reg_grants"] = grants.append_column("name", pa.nulls(n, STR)) \
            .append_column("region_code", pa.nulls(n, STR)).append_column("batch_region_id", pa.nulls(n, I64))
    return tables


# ---- Feeds (feeds_store.stored_feed_paths) ------------------------------------------------------------

def feed_files(kind: str) -> list[tuple[Path, int | None]]:
    """The stored files of a kind, each with the region of the batch it came from (the uploader's region,
    used for persons outside the registry whose row names no region)."""
    paths = stored_feed_paths(kind)
    regions = {str(absolute(p)): r for p, r in FeedBatch.objects.filter(kind=kind).exclude(data_path="")
               .values_list("data_path", "region_id")}
    return [(p, regions.get(str(p))) for p in paths if p.exists()]
