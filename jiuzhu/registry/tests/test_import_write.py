"""The roster write (import_write): PostgreSQL's COPY text keeps every value as it was (empty text, NULL,
quotes, commas, line breaks, backslashes); SQLite's large loads drop the person and membership indexes and
create the very same ones again, and a failure leaves them as they were."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import VILLAGE_A
from jiuzhu.core.models import Region
from jiuzhu.registry import import_write
from jiuzhu.registry.models import Household, ImportBatch, Person
from jiuzhu.registry.tests.test_imports import rows_two_households, run, xlsx

TRICKY = 'a,"b"\\c\nd\r\te \\N'


def test_written_rows_read_back_as_they_were_empty_text_null_and_quoting_included(world):
    region = Region.objects.get(code=VILLAGE_A)
    at = import_write._Values().moment(import_write.timezone.now())
    rows = [(None, region.pk, TRICKY, "", False, True, at, at, None, None),
            (None, region.pk, "", "rural", True, False, at, at, None, None)]
    (first, second) = import_write._allocate("registry_household", 2)
    rows = [(first, *rows[0][1:]), (second, *rows[1][1:])]
    import_write._write("registry_household", import_write._HOUSEHOLD, iter(rows))
    a, b = Household.objects.get(pk=first), Household.objects.get(pk=second)
    assert (a.address, a.hukou_type, a.relapse_watch, a.is_active, a.head_id, a.import_batch_id) == (
        TRICKY, "", False, True, None, None)
    assert (b.address, b.hukou_type, b.relapse_watch, b.is_active) == ("", "rural", True, False)


def _indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                       "('registry_person', 'registry_householdmembership') ORDER BY name")
        return cursor.fetchall()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_large_load_on_sqlite_rebuilds_the_indexes_it_dropped(persona, monkeypatch):
    monkeypatch.setattr(import_write, "REBUILD_MIN_ROWS", 1)  # four persons count as a large load here
    before = _indexes()
    assert len([n for n, sql in before if sql]) >= 8
    with CaptureQueriesContext(connection) as queries:
        result = run(xlsx(rows_two_households()), persona=persona)
    assert result.status == "imported" and Person.objects.count() == 4
    assert any(q["sql"].startswith("DROP INDEX") for q in queries.captured_queries)
    assert _indexes() == before


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_failed_load_on_sqlite_leaves_the_indexes_as_they_were(world):
    before = _indexes()

    class Broken(Exception):
        pass

    with pytest.raises(Broken), transaction.atomic():
        with import_write.indexes_rebuilt(("registry_person", "registry_householdmembership"), 100_000, 0):
            assert _indexes() != before
            raise Broken
    assert _indexes() == before


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_small_load_into_a_larger_registry_keeps_its_indexes(persona):
    with CaptureQueriesContext(connection) as queries:
        run(xlsx(rows_two_households()), persona=persona)
    assert not any(q["sql"].startswith("DROP INDEX") for q in queries.captured_queries)
    assert ImportBatch.objects.count() == 1


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_rows_from_a_generator_are_let_go_as_they_are_written(world):
    """A million person tuples are not held at once: each row is freed once written (Django's executemany
    kept them all through itertools.tee)."""
    freed = []

    class Row(tuple):
        def __del__(self):
            freed.append(1)

    region = Region.objects.get(code=VILLAGE_A)
    at = import_write._Values().moment(import_write.timezone.now())
    ids = import_write._allocate("registry_household", 50)
    seen_while_writing = []

    def rows():
        for n, pk in enumerate(ids):
            seen_while_writing.append((n, len(freed)))
            yield Row((pk, region.pk, f"{n}号", "rural", False, True, at, at, None, None))

    import_write._write("registry_household", import_write._HOUSEHOLD, rows())
    assert Household.objects.filter(pk__in=ids).count() == 50
    assert all(count >= n - 2 for n, count in seen_while_writing), seen_while_writing
