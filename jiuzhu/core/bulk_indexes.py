"""Bulk loads (the roster import, the batch assessment, payment rolls, comparison runs): secondary indexes
dropped before the rows go in and made again after (one sort per index instead of a million random inserts;
both databases; the caller's transaction), and SQLite's page cache enlarged while the load runs."""

# ruff: noqa: S608 - table names are the caller's constants; index and constraint names come from the catalogue

import os
from contextlib import contextmanager

from django.db import connection

REBUILD_MIN_ROWS = 50_000  # below this, inserting into the indexes as they are costs less than rebuilding them
# The load must be this many times what the tables hold; PostgreSQL's readers wait for it (see indexes_rebuilt)
REBUILD_FACTOR = {"postgresql": 10, "sqlite": 1}


# SQLite's page cache while a bulk load runs (KiB). The default 2 MiB spills a dirty page into the WAL every
# few thousand rows when a million rows' index entries land in random order. Pages are allocated only as used,
# and released when it is restored. (CREATE INDEX did not sort faster with it: session 38, 1M rows.)
LARGE_CACHE_KIB = 256 * 1024
# SQLite's sorter threads while indexes are made again: the rows are read and sorted in runs that helper threads
# sort and merge beside the reading one (1M tier decisions' twelve indexes: 6.4 -> 5.3 s on this 2-core machine,
# session 39). More threads than cores gain nothing.
SORT_THREADS = min(os.cpu_count() or 1, 4)


@contextmanager
def _sqlite_pragma(name: str, value: int):
    """On SQLite, `PRAGMA name = value` for this connection while the block runs, its value before restored after
    (also when the block raises). No effect on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name} = {int(before)}")


def large_cache():
    """On SQLite, a larger page cache for this connection while the block runs, restored after (nothing else
    changes: journal, synchronous, foreign keys). No effect on other databases."""
    return _sqlite_pragma("cache_size", -LARGE_CACHE_KIB)


def sort_threads():
    """On SQLite, CREATE INDEX's sorter may use SORT_THREADS helper threads while the block runs (SQLite's own
    default is none: one core sorts while the others wait). Restored after; no effect on other databases."""
    return _sqlite_pragma("threads", SORT_THREADS)


def highest_id(table: str) -> int:
    """The highest id `table` holds (0 when empty): an upper bound of its rows, the `existing` that
    indexes_rebuilt takes, and the id after which a bulk load's new rows begin."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def analyze(*tables: str) -> None:
    """PostgreSQL: fresh statistics of `tables` after a bulk load, so what follows is planned on the tables as they
    now are. Through the owner's function (migration core 0021): before PostgreSQL 17 the application's role, not
    the owner, had its ANALYZE skipped with a warning. SQLite: nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT jiuzhu_analyze(CAST(%s AS text[]))", [list(tables)])


@contextmanager
def indexes_rebuilt(tables: tuple[str, ...], adding: int, existing: int):
    """A load at least as large as what the tables hold already (`existing`: an upper bound will do, such as
    the highest id): their secondary indexes are dropped before the rows go in and created again after, in the
    caller's transaction. Inserting a million rows one by one into random-order indexes (a person's ID hash, name,
    sound key, region and birth date; a decision's household, status and run key) outgrows the cache and writes
    the same pages again and again; CREATE INDEX sorts once. A failure rolls the DDL back with the rows.
    SQLite: from the very SQL sqlite_master keeps; other connections keep reading the old schema until commit;
    indexes SQLite made itself for UNIQUE columns have no SQL and stay (a duplicate is still refused row by row).
    PostgreSQL: from pg_get_indexdef, and the named unique constraints (the ID hash's: a random-order 64-character
    key, the costliest index of a person row) dropped and added again from pg_get_constraintdef; primary keys
    stay. DROP INDEX locks the table (ACCESS EXCLUSIVE) until commit: no one else writes meanwhile, and readers of
    these tables wait for the load (an import of 1,000,000 persons: 40-50 s; a first assessment of as many
    households: its write, ~20 s). So on PostgreSQL only a first load rebuilds: one at least ten times what the
    tables hold (REBUILD_FACTOR), when few others read them yet; a county joining a province already at work
    inserts into the indexes as they are. Only a table's owner may drop its indexes, and the application's role of
    a production deployment is not the owner (README): on PostgreSQL two functions that run as the owner drop and
    make them (migration core 0020), and refuse a commit that dropped indexes without making them again.
    A rebuilt unique index or constraint refuses a duplicate when made again, as an IntegrityError like the
    insert's."""
    if adding < max(existing * REBUILD_FACTOR[connection.vendor], REBUILD_MIN_ROWS):
        yield
        return
    if connection.vendor == "postgresql":
        # As the tables' owner whatever role this connection has (migration core 0020): the functions keep the
        # definitions where the caller cannot change them and refuse a commit that did not make them again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT jiuzhu_indexes_drop(CAST(%s AS text[]))", [list(tables)])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT jiuzhu_indexes_create()")
        return
    marks = ", ".join("%s" for _ in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       f"AND tbl_name IN ({marks}) ORDER BY name", list(tables))
        found = cursor.fetchall()
        for name, _create in found:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor, sort_threads():
        for _name, create in found:
            cursor.execute(create)
