"""The home page (each role's work list) over N households. Prints one JSON line last:
{"households": N, "db": ..., "roles": {"approver": {"p50_ms": ..., "p95_ms": ..., "worklist_p50_ms": ...,
"worklist_p95_ms": ..., "queries": ..., "items": {...}}, ...}} (p50/p95: the whole page; worklist_*: its counts)

    python bench/home_worklist.py --households 1000000 [--db sqlite|postgres] [--requests 30] [--reuse]

Data: N households (half in each demo county), a head each, one tier decision each (15 % waiting, a quarter of
those for over 30 days and 3 % with coverage warnings; 70 % in force, expiring evenly over two years; the rest
superseded), an active basic-living grant for 30 %, 0.2 % of heads deceased. Target: under 100 ms per page.

Measured 2026-12-01, SQLite, 1,000,000 households, 20 requests, on a 2-core machine shared with seven other jobs
(load ~12): page p95 officer 94.9 ms, approver 83.2 ms, the other roles 34-56 ms; the work list alone p95
officer 38.2 ms, approver 62.5 ms (every count "99+", each one capped indexed query), 12-18 queries per page.

Measured 2026-12-03, 1,000,000 households, 30 requests (--reuse), load 3.5 (four helpers' jobs on 2 cores):
SQLite page p95 officer 43.7 ms, approver 46.0 ms, others 4.9-24.3 ms; PostgreSQL officer 48.2 ms, approver
44.5 ms, others 6.8-43.2 ms. Before (PostgreSQL, load 7): officer 163 ms, approver 136 ms: the expiring reviews and
the grants after death joined every household of the county (31 and 41 ms); each row now asks for its household's
region (registry.worklist._in_jurisdiction, PostgreSQL only: SQLite's planner walks that form badly, 276 ms).
The data now sets `warned` beside the coverage warnings as the assessment does (it did not: SQLite then walked all
150,000 suggestions looking for none, 130 ms).

Session 42 (2026-12-04), 1,000,000 households, 30 requests, generated afresh, load ~1-2 (a demo being seeded
beside it), page p95: SQLite officer 33.8 ms, approver 32.4, window 20.1, coordinator 16.5, the others
3.8-6.7; PostgreSQL officer 41.1, approver 37.5, window 32.7, coordinator 27.3, the others 5.9-10.2.
"""

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time

from _setup import existing_database, fresh_database

ROLES = ["window", "officer", "approver", "coordinator", "clerk", "analyst", "auditor", "admin"]


class Inserter:
    """Rows of one model as plain tuples for executemany: every concrete column, the model's defaults for the
    columns a row does not give (so new columns of other work need no change here)."""

    def __init__(self, model, connection, *, with_id: bool = False):
        # Without explicit ids the database numbers the rows (PostgreSQL refuses a NULL identity column).
        self.fields = [f for f in model._meta.local_concrete_fields if with_id or not f.primary_key]
        self.connection = connection
        self.index = {f.attname: k for k, f in enumerate(self.fields)}
        self.base = [f.get_db_prep_save(f.get_default(), connection) for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"
        self.rows = []
        self.memo = {}

    def add(self, **values):
        row = list(self.base)
        for name, value in values.items():
            k = self.index[name]
            if value is None or type(value) in (int, str):  # stored as given
                row[k] = value
                continue
            key = (k, repr(value))  # dates, times and JSON repeat: convert each distinct value once
            if key not in self.memo:
                self.memo[key] = self.fields[k].get_db_prep_save(value, self.connection)
            row[k] = self.memo[key]
        self.rows.append(row)

    def flush(self, cursor):
        cursor.executemany(self.sql, self.rows)
        self.rows = []


def generate(households: int, seed: int = 14) -> None:
    from django.db import connection, transaction

    from jiuzhu.core.demo import demo_villages
    from jiuzhu.core.models import Organization
    from jiuzhu.registry.models import AssistanceGrant, Household, Person, TierDecision

    rng = random.Random(seed)
    villages = [v.pk for v in demo_villages()]
    org = Organization.objects.get(name="隆回县民政局")
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    warned = {"warnings": ["收入记录只覆盖评估期 12 个月中的 3 个月"]}
    person, household = Inserter(Person, connection, with_id=True), Inserter(Household, connection, with_id=True)
    decision, grant = Inserter(TierDecision, connection), Inserter(AssistanceGrant, connection)
    started = time.monotonic()
    chunk = 100_000
    for base in range(0, households, chunk):
        for i in range(base + 1, min(households, base + chunk) + 1):
            village = villages[i % len(villages)]
            dead = rng.random() < 0.002
            person.add(id=i, household_id=i, relation="head", region_id=village, id_number_cipher=f"c{i}",
                       id_number_hash=f"h{seed}-{i}", name=f"成员{i}", sex="F",
                       birth_date=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), created_at=now, updated_at=now,
                       death_date=today - dt.timedelta(days=30) if dead else None)
            household.add(id=i, region_id=village, address=f"演示地址{i}", hukou_type="rural", head_id=i,
                          created_at=now, updated_at=now)
            roll = rng.random()
            common = {"household_id": i, "assessed_on": today, "recommended_tier": "dibao", "tier": "dibao",
                      "created_at": now}
            if roll < 0.15:
                waited = rng.random() < 0.25
                common["created_at"] = now - dt.timedelta(days=40 if waited else 3)
                short = rng.random() < 0.03  # the assessment sets `warned` beside facts["warnings"]
                decision.add(**common, status="recommended", facts=warned if short else {}, warned=short)
            elif roll < 0.85:
                decision.add(**common, status="confirmed", decided_at=now, valid_from=today - dt.timedelta(days=365),
                             valid_to=today + dt.timedelta(days=rng.randint(0, 730)))
            else:
                decision.add(**common, status="superseded")
            if rng.random() < 0.3 or (dead and rng.random() < 0.5):
                grant.add(household_id=i, person_id=i, category="basic_living", monthly_amount=400,
                          period_start=today - dt.timedelta(days=300), granting_organization_id=org.pk,
                          created_at=now)
        with transaction.atomic(), connection.cursor() as cursor:
            for inserter in (person, household, decision, grant):
                inserter.flush(cursor)
        print(f"# {min(households, base + chunk)} households in {time.monotonic() - started:.0f}s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as after any bulk load


def _earlier_run(db: str, households: int) -> bool:
    """--reuse: the database an earlier run generated, migrated to the code measured, when its size matches."""
    if not existing_database(db, "jiuzhu_bench_home"):
        return False
    from django.conf import settings
    from django.core.management import call_command
    from django.db.utils import DatabaseError

    settings.STORAGES = {**settings.STORAGES,  # as fresh_database: pages render without a collectstatic manifest
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from jiuzhu.registry.models import Household

    try:
        if Household.objects.count() != households:
            return False
    except DatabaseError:
        return False
    call_command("migrate", verbosity=0)
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reuse", action="store_true",
                        help="measure an earlier run's database again when it holds the same number of households")
    args = parser.parse_args()
    if args.reuse:
        if not _earlier_run(args.db, args.households):  # Django is set up on that database now: no way back
            raise SystemExit(f"没有 {args.households} 户的上次数据：请去掉 --reuse 重新生成")
    else:
        fresh_database(args.db, "jiuzhu_bench_home")
        generate(args.households)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiuzhu.core.models import User
    from jiuzhu.core.worklist import work_items

    result = {"households": args.households, "db": args.db, "requests": args.requests, "roles": {}}
    for role in ROLES:
        user = User.objects.get(username=f"longhui_{role}")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        assert client.get("/").status_code == 200  # warm up templates and caches
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get("/")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        lists = []  # the work list alone (the part that grows with the data), without the page around it
        for _ in range(args.requests):
            started = time.perf_counter()
            items = {wi.label: wi.shown_count for wi in work_items(user) if wi.count}
            lists.append((time.perf_counter() - started) * 1000)
        result["roles"][role] = {"p50_ms": round(statistics.median(times), 1),
                                 "p95_ms": round(sorted(times)[max(0, int(len(times) * 0.95) - 1)], 1),
                                 "worklist_p50_ms": round(statistics.median(lists), 1),
                                 "worklist_p95_ms": round(sorted(lists)[max(0, int(len(lists) * 0.95) - 1)], 1),
                                 "queries": len(queries), "items": items}
        print(f"# {role}: {result['roles'][role]}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
