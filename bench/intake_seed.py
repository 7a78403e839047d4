"""Historical applications for the intake benchmark, written set-based: each table is ONE
`INSERT … SELECT` over a series of numbers (generate_series on PostgreSQL, a recursive CTE on SQLite), the
rows never pass through Python. Call after bench/_setup.fresh_database (migrated, the demo world in it).

Shape of N applications (deterministic in the row number i, so a run is repeatable):
- spread evenly over three years, numbered in the order taken (ids grow with `submitted_at`);
- the newest 2 % are open (待受理 / 待补正材料 / 办理中) with deadlines 14–41 days after they were taken, so
  some are overdue and most fall due around today; the rest are closed: 85 % 已办结, 8 % 不予受理, the rest
  已撤回 (of all);
- 70 % at a window, 12 % by hotline, 10 % online, 7 % from proactive discovery, 1 % transferred by a rescue
  station, in the demo's 2 counties' villages (row i in village i mod villages);
- 1–3 items each (two on average) from the catalogue, chosen independently of the village; items of another
  department are referred (80 % of them: about 30 % of all items) to that department of the applicant's
  county, open with the application;
- ID numbers: a pool of 5,000 real ciphertexts and keyed hashes (encrypting a million numbers would measure
  AES, not intake), reused round-robin.
Columns added later by other work get their model default, so the seed keeps working as models grow.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

OPEN_SHARE = 50  # the newest 1/50 (2 %) of applications are open
SPAN_DAYS = 1095  # three years of history
CIPHER_POOL = 5000


def _numbers(vendor: str, n: int, alias: str = "i") -> tuple[str, str]:
    """(WITH clause, FROM source) yielding integers 1..n in column `alias`."""
    if vendor == "postgresql":
        return "", f"generate_series(CAST(1 AS bigint), {int(n)}) AS g({alias})"  # bigint: i * seconds
    return (f"WITH RECURSIVE g({alias}) AS (SELECT 1 UNION ALL SELECT {alias} + 1 FROM g WHERE {alias} < {int(n)}) ",
            "g")


class Dialect:
    """The few expressions that differ: a timestamp some seconds before now, a date some days from today."""

    def __init__(self, vendor: str, now: dt.datetime, today: dt.date):
        self.vendor, self.now, self.today = vendor, now, today

    def ts_before(self, seconds_sql: str) -> str:
        if self.vendor == "postgresql":
            return f"(TIMESTAMPTZ '{self.now.isoformat()}' - ({seconds_sql}) * INTERVAL '1 second')"
        return f"datetime({int(self.now.timestamp())} - ({seconds_sql}), 'unixepoch')"

    def ts_after(self, base_sql: str, seconds_sql: str) -> str:
        if self.vendor == "postgresql":
            return f"({base_sql} + ({seconds_sql}) * INTERVAL '1 second')"
        return f"datetime({base_sql}, ({seconds_sql}) || ' seconds')"

    def day(self, days_sql: str) -> str:
        if self.vendor == "postgresql":
            return f"(DATE '{self.today.isoformat()}' + CAST({days_sql} AS integer))"
        return f"date('{self.today.isoformat()}', ({days_sql}) || ' days')"

    def padded(self, sql: str, width: int) -> str:
        if self.vendor == "postgresql":
            return f"lpad(CAST({sql} AS text), {width}, '0')"
        return f"printf('%0{width}d', {sql})"


def _insert(cursor, model, exprs: dict[str, str], source_sql: str, params: list | None = None) -> int:
    """INSERT INTO <model> (every concrete column) SELECT <expr per column> <source_sql>: a column without an
    expression here gets the model's default (a parameter), so fields added later need no change."""
    connection = cursor.db
    columns, selects, values = [], [], []
    for field in model._meta.local_concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in exprs:
            selects.append(exprs[field.attname].replace("%", "%%"))  # modulo, printf: not placeholders
        elif field.primary_key:
            columns.pop()
        else:
            selects.append("%s")
            values.append(field.get_db_prep_save(field.get_default(), connection))
    with_clause, _, body = source_sql.replace("%", "%%").partition("\x00")
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {with_clause}"
           f"SELECT {', '.join(selects)} {body}")
    cursor.execute(sql, values + (params or []))
    return cursor.rowcount


def _helper_tables(cursor, vendor: str) -> None:
    """Small lookup tables the INSERT … SELECTs join: villages with their window and officer, the ID pool,
    the catalogue, each county's departments."""
    from jiuzhu.core.crypto import encrypt_many, keyed_hash_many
    from jiuzhu.core.demo import demo_villages
    from jiuzhu.core.identity import make_id_number
    from jiuzhu.core.models import Organization, OrganizationKind, User
    from jiuzhu.intake.catalog import ITEMS

    for table in ("bench_village", "bench_cipher", "bench_item", "bench_dept", "bench_k"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute("CREATE TABLE bench_village (k integer PRIMARY KEY, region_id bigint, region_path text,"
                   " county_id bigint, org_id bigint, officer_id bigint)")
    rows = []
    for k, village in enumerate(demo_villages()):
        township = village.parent
        county = township.parent
        window = Organization.objects.filter(region=township, kind=OrganizationKind.SERVICE_WINDOW).first()
        officer = User.objects.get(username=("longhui" if county.code == "430524" else "dongkou") + "_window")
        rows.append((k, village.pk, village.path, county.pk, window.pk if window else None, officer.pk))
    cursor.executemany("INSERT INTO bench_village VALUES (%s, %s, %s, %s, %s, %s)", rows)
    cursor.execute("CREATE TABLE bench_cipher (k integer PRIMARY KEY, cipher text, hash text)")
    numbers = [make_id_number("430524" if k % 2 else "430525", dt.date(1940 + k % 60, 1 + k % 12, 1 + k % 28),
                              k % 1000) for k in range(CIPHER_POOL)]
    cursor.executemany("INSERT INTO bench_cipher VALUES (%s, %s, %s)",
                       list(zip(range(CIPHER_POOL), encrypt_many(numbers), keyed_hash_many(numbers), strict=True)))
    cursor.execute("CREATE TABLE bench_item (k integer PRIMARY KEY, code text, department text, time_limit integer)")
    cursor.executemany("INSERT INTO bench_item VALUES (%s, %s, %s, %s)",
                       [(k, it.code, it.department, it.time_limit) for k, it in enumerate(ITEMS)])
    cursor.execute("CREATE TABLE bench_dept (county_id bigint, department text, org_id bigint)")
    cursor.executemany("INSERT INTO bench_dept VALUES (%s, %s, %s)", [
        (o.region_id, o.department, o.pk)
        for o in Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).exclude(department="")])
    cursor.execute("CREATE TABLE bench_k (k integer PRIMARY KEY)")
    cursor.executemany("INSERT INTO bench_k VALUES (%s)", [(1,), (2,), (3,)])


def seed_applications(n: int) -> dict:
    """Writes n historical applications with their items and referrals; returns counts and seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jiuzhu.intake.models import Application, ApplicationItem, Referral

    vendor = connection.vendor
    d = Dialect(vendor, timezone.now().replace(microsecond=0), timezone.localdate())
    started = time.monotonic()
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        _helper_tables(cursor, vendor)
        cursor.execute("SELECT count(*) FROM bench_village")
        nv = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bench_item")
        ni = cursor.fetchone()[0]
        open_from = n - n // OPEN_SHARE  # i > open_from: open
        ago_days = f"((({n} - i) * {SPAN_DAYS}) / {n})"  # whole days before today the application was taken
        ago_s = f"((({n} - i) * {SPAN_DAYS * 86400}) / {n})"
        is_open = f"(i > {open_from})"
        # i picks the village (i mod villages); j = i / villages picks the rest (i mod 3 the open status, 3 and
        # the villages' count being coprime), so no status, channel or item is tied to a village: a township's
        # filters meet realistic shares.
        j = f"(i / {nv})"
        status = (f"CASE WHEN {is_open} THEN (CASE i % 3 WHEN 0 THEN 'submitted' WHEN 1 THEN 'materials_pending'"
                  f" ELSE 'in_progress' END) WHEN ({j} * 7919) % 100 < 87 THEN 'completed'"
                  f" WHEN ({j} * 7919) % 100 < 95 THEN 'not_accepted' ELSE 'withdrawn' END")
        submitted = d.ts_before(ago_s)
        with_clause, source = _numbers(vendor, n)
        app_source = (f"{with_clause}\x00FROM {source} JOIN bench_village v ON v.k = i % {nv}"
                      f" JOIN bench_cipher c ON c.k = i % {CIPHER_POOL}")
        counts["applications"] = _insert(cursor, Application, {
            "id": "i",
            "query_code": "'9' || " + d.padded("i", 10),  # 11 digits: never one of the service's 10-digit codes
            "channel": f"CASE WHEN {j} % 100 < 70 THEN 'window' WHEN {j} % 100 < 82 THEN 'hotline'"
                       f" WHEN {j} % 100 < 92 THEN 'online' WHEN {j} % 100 < 99 THEN 'discovery'"
                       " ELSE 'rescue_transfer' END",
            "region_id": "v.region_id", "region_path": "v.region_path", "organization_id": "v.org_id",
            "first_officer_id": f"CASE WHEN {j} % 100 BETWEEN 82 AND 98 THEN NULL ELSE v.officer_id END",
            "applicant_name": "'申请人' || CAST(i AS text)",
            "applicant_id_cipher": "c.cipher", "applicant_id_hash": "c.hash",
            "applicant_phone": "'13800000000'", "address": "''", "circumstances": "'因病致贫，家庭收入低于当地标准'",
            "emergency": f"({j} % 50 = 0)",
            "status": status, "submitted_at": submitted,
            "accepted_at": f"CASE WHEN {is_open} AND i % 3 = 0 THEN NULL ELSE {submitted} END",
            "due_date": d.day(f"(14 + i % 28) - {ago_days}"),
            "closed_at": f"CASE WHEN {is_open} THEN NULL ELSE {d.ts_after(submitted, '15 * 86400')} END",
            "closed_by_id": f"CASE WHEN {is_open} THEN NULL ELSE v.officer_id END",
            "refusal_reason": f"CASE WHEN ({j} * 7919) % 100 BETWEEN 87 AND 94 AND NOT " + is_open
                              + " THEN '不符合申请条件' ELSE '' END",
        }, app_source)
        print(f"# {counts['applications']} applications in {time.monotonic() - started:.0f}s", file=sys.stderr)

        # Items: k = 1..(1 + j*31 % 3) per application, distinct catalogue entries; id (i-1)*3 + k.
        ref = f"(({j} * 3 + i + b.k) % 10 < 8 AND it.department <> '')"  # referred to its department
        item_status = (f"CASE WHEN {is_open} THEN (CASE WHEN {ref} THEN 'referred' ELSE 'pending' END)"
                       f" WHEN a.status = 'completed' THEN (CASE WHEN {j} % 5 = 0 THEN 'refused' ELSE 'granted' END)"
                       " ELSE 'withdrawn' END")
        item_source = (f"{with_clause}\x00FROM {source} JOIN bench_k b ON b.k <= 1 + ({j} * 31) % 3"
                       f" JOIN bench_item it ON it.k = ({j} * 7 + i + b.k * 5) % {ni}"  # j: not tied to the village
                       " JOIN intake_application a ON a.id = i")
        # The item's k back from its id, and the same key `ref` used: the referred items get their referral.
        referred_key = f"(it.application_id / {nv}) * 3 + it.application_id + (it.id - (it.application_id - 1) * 3)"
        counts["items"] = _insert(cursor, ApplicationItem, {
            "id": "(i - 1) * 3 + b.k", "application_id": "i", "item": "it.code", "department": "it.department",
            "status": item_status, "due_date": d.day(f"it.time_limit + (it.time_limit * 2) / 5 - {ago_days}"),
            "decided_at": f"CASE WHEN {is_open} THEN NULL ELSE a.closed_at END",
            "decided_by_id": f"CASE WHEN {is_open} THEN NULL ELSE a.closed_by_id END",
        }, item_source)
        print(f"# {counts['items']} items in {time.monotonic() - started:.0f}s", file=sys.stderr)

        # Referrals: the referred items (open ones for open applications, completed ones otherwise), to the
        # item's department of the applicant's county.
        open_ref = f"(a.id > {open_from})"
        referral_source = ("\x00FROM intake_applicationitem it"
                           " JOIN intake_application a ON a.id = it.application_id"
                           " JOIN bench_village v ON v.region_id = a.region_id"
                           " JOIN bench_dept dp ON dp.county_id = v.county_id AND dp.department = it.department"
                           f" WHERE it.department <> '' AND ({referred_key}) % 10 < 8"
                           " AND it.status <> 'withdrawn'")
        counts["referrals"] = _insert(cursor, Referral, {
            "application_item_id": "it.id", "organization_id": "dp.org_id",
            "status": f"CASE WHEN {open_ref} THEN (CASE WHEN it.id % 2 = 0 THEN 'sent' ELSE 'accepted' END)"
                      " ELSE 'completed' END",
            "note": "'请按职责办理'", "due_date": "it.due_date", "sent_by_id": "v.officer_id",
            "sent_at": d.ts_after("a.submitted_at", "3600"),
            "accepted_at": f"CASE WHEN {open_ref} AND it.id % 2 = 0 THEN NULL ELSE "
                           f"{d.ts_after('a.submitted_at', '86400')} END",
            "completed_at": f"CASE WHEN {open_ref} THEN NULL ELSE a.closed_at END",
            "result": f"CASE WHEN {open_ref} THEN '' WHEN it.status = 'refused' THEN 'refused' ELSE 'granted' END",
            "outcome": f"CASE WHEN {open_ref} THEN '' ELSE '已按规定办理' END",
        }, referral_source)
        print(f"# {counts['referrals']} referrals in {time.monotonic() - started:.0f}s", file=sys.stderr)
        for table in ("bench_village", "bench_cipher", "bench_item", "bench_dept", "bench_k"):
            cursor.execute(f"DROP TABLE {table}")
        if vendor == "postgresql":  # explicit ids were given: move the sequences past them
            for model in (Application, ApplicationItem):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                               f" (SELECT COALESCE(MAX(id), 1) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as after any bulk load
    counts["seed_s"] = round(time.monotonic() - started, 1)
    return counts
