"""core.bulk_indexes.large_cache: SQLite's page cache enlarged for the block and given back after it, also when
the block fails; no effect on PostgreSQL."""

import pytest
from django.db import connection

from jiuzhu.core.bulk_indexes import LARGE_CACHE_KIB, large_cache

pytestmark = pytest.mark.django_db


def _cache_size():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


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


def test_other_databases_are_left_alone():
    with large_cache():
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
