"""Shared by the benchmarks: a fresh database (SQLite file or the test PostgreSQL server), migrated,
with the demo world (regions, organisations, users) in it. Call before importing any model."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _postgres_base() -> str:
    """The test PostgreSQL server (started if needed), without a database name."""
    server = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh")], check=True, capture_output=True,
                            text=True).stdout.strip()
    return server.rsplit("/", 1)[0]


def existing_database(db: str, name: str) -> bool:
    """--reuse: points Django at an earlier run's database and sets Django up; False when there is no SQLite
    file (a PostgreSQL database that is not there shows when the caller first queries it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if db == "sqlite":
        path = Path("/tmp") / f"{name}.sqlite3"
        if not path.exists():
            return False
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        os.environ["DATABASE_URL"] = f"{_postgres_base()}/{name}"
    import django

    django.setup()
    return True


def fresh_database(db: str, name: str) -> str:
    """Points Django at a new, empty database and returns its URL."""
    if db == "sqlite":
        path = Path("/tmp") / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif db == "postgres":
        base = _postgres_base()
        import psycopg

        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{base}/{name}"
    else:
        raise SystemExit(f"unknown --db {db}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("JIUZHU_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    import django

    django.setup()
    from django.conf import settings

    # Pages render without a collectstatic manifest here; whitenoise serves nothing in a benchmark.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    from jiuzhu.core.demo import build_world

    build_world(villages_per_township=10)
    print(f"# database ready in {time.monotonic() - started:.1f}s: {url}", file=sys.stderr)
    return url


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """PostgreSQL's COPY of rows into table's columns (executemany there costs a round trip per row: ~15 min for a
    million wide rows)."""
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(cursor, connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Rows into a table in bulk: COPY on PostgreSQL, executemany on SQLite."""
    if connection.vendor == "postgresql":
        copy_rows(cursor, table, columns, rows)
    else:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                           rows)


def flush_rows(inserter, cursor) -> None:
    """Writes an Inserter's rows (bench/home_worklist.py) and empties it: executemany on SQLite, COPY on
    PostgreSQL."""
    connection = inserter.connection
    if connection.vendor == "postgresql":
        copy_rows(cursor, inserter.fields[0].model._meta.db_table,
                  [connection.ops.quote_name(f.column) for f in inserter.fields], inserter.rows)
        inserter.rows = []
    else:
        inserter.flush(cursor)


def reset_sequences(connection, models) -> None:
    """After rows were inserted with explicit ids: PostgreSQL's identity sequences continue after them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {table}), 1))")


def pristine_name(db: str, name: str) -> str:
    """Where --reuse keeps generated data untouched by any run: a copied SQLite file, or a PostgreSQL database the
    run's database is created from (as a template)."""
    return f"/tmp/{name}.pristine.sqlite3" if db == "sqlite" else f"{name}_pristine"


def keep_pristine(db: str, name: str) -> None:
    """After generating: the run's database (Django's connection) copied aside as the pristine one."""
    import shutil

    from django.db import connection

    if db == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(f"/tmp/{name}.sqlite3", pristine_name(db, name))
        return
    connection.close()
    import psycopg

    with psycopg.connect(_postgres_base() + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pristine_name(db, name)}"')
        conn.execute(f'CREATE DATABASE "{pristine_name(db, name)}" TEMPLATE "{name}"')


def restore_pristine(db: str, name: str) -> bool:
    """The run's database becomes a copy of the pristine one again; False when nothing was generated for it."""
    import shutil

    pristine = pristine_name(db, name)
    if db == "sqlite":
        if not Path(pristine).exists():
            return False
        for suffix in ("-wal", "-shm"):
            Path(f"/tmp/{name}.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, f"/tmp/{name}.sqlite3")
        return True
    import psycopg

    with psycopg.connect(_postgres_base() + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [pristine]).fetchone():
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pristine}"')
    return True


def machine_seconds() -> float:
    """`_machine_work` in a child process (the benchmark's own peak memory stays its own), the fastest of three."""
    out = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                          "from _setup import _machine_work; print(min(_machine_work() for _ in range(3)))",
                          str(ROOT / "bench")],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def _machine_work() -> float:
    """How fast this machine is right now: a fixed piece of work (the same every run and every session), in
    seconds, printed beside a benchmark's own figures. The shared machine's speed changes between sessions by up
    to 2x (session 36: the same commit 29.9 s one session, 63.7 s the next), so a figure is compared with
    another only through this one. One core: Python making and sorting tuples (validation-like), then DuckDB
    grouping 3,000,000 rows (the rules-like part)."""
    import duckdb

    started = time.perf_counter()
    rows = sorted(((k * 7919) % 100_003, str(k)) for k in range(300_000))
    del rows
    with duckdb.connect() as duck:
        duck.execute("SET threads = 1")
        duck.execute("SELECT k % 1000, count(*), sum(k * 1.5) FROM range(3000000) t(k) GROUP BY 1").fetchall()
    return round(time.perf_counter() - started, 2)
