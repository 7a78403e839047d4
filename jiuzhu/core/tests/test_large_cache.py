"""core.bulk_indexes.large_cache and sort_threads: SQLite's page cache enlarged (its sorter given helper threads) for
the block and given back after it, also when the block fails; no effect on PostgreSQL."""

import pytest
from django.db import connection

from jiuzhu.core.bulk_indexes import (
    LARGE_CACHE_KIB,
    REBUILD_MIN_ROWS,
    SORT_THREADS,
    indexes_rebuilt,
    large_cache,
    sort_threads,
)

pytestmark = pytest.mark.django_db


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def _cache_size():
    return _pragma("cache_size")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite setting")
def test_the_cache_is_enlarged_for_the_block_and_given_back_even_on_failure():
    before = _cache_size()
    assert before != -LARGE_CACHE_KIB
    with large_cache():
        assert _cache_size() == -LARGE_CACHE_KIB
    assert _cache_size() == before
    with pytest.raises(ZeroDivisionError), large_cache():
        assert _cache_size() == -LARGE_CACHE_KIB
        1 / 0
    assert _cache_size() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite setting")
def test_the_sorter_has_helper_threads_for_the_block_and_gives_them_back_even_on_failure():
    assert _pragma("threads") == 0  # SQLite's default: the connection sorts on one core
    with sort_threads():
        assert _pragma("threads") == SORT_THREADS > 0
    assert _pragma("threads") == 0
    with pytest.raises(ZeroDivisionError), sort_threads():
        1 / 0
    assert _pragma("threads") == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite setting")
def test_indexes_are_made_again_with_the_sorters_threads():
    """While indexes_rebuilt makes the indexes again the sorter has its threads, and only then."""
    seen = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("CREATE INDEX"):
            seen.append(context["connection"].connection.execute("PRAGMA threads").fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch), indexes_rebuilt(("core_event",), REBUILD_MIN_ROWS, 0):
        assert _pragma("threads") == 0
    assert seen and set(seen) == {SORT_THREADS}
    assert _pragma("threads") == 0


def test_other_databases_are_left_alone():
    with large_cache(), sort_threads():
        pass  # PostgreSQL: no PRAGMA sent (it would be a syntax error)


def test_the_database_check_reports_a_slow_collation_only_on_postgresql():
    from jiuzhu.core.checks import text_collation

    problems = text_collation(databases=["default"])
    if connection.vendor != "postgresql":
        assert problems == []
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        (collation,), = cursor.fetchall()
    assert [p.id for p in problems] == ([] if collation in ("C", "POSIX") else ["core.W001"])
