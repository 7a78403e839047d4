"""A roster load into SQLite at least as large as its tables drops their indexes and makes them again after
the rows are in (import_write.indexes_after): the same indexes afterwards, and all or nothing still holds."""

import datetime as dt

import pytest
from django.db import connection

from conftest import VILLAGE_A
from jiuzhu.core.errors import DomainError
from jiuzhu.core.identity import make_id_number
from jiuzhu.registry import import_write, imports
from jiuzhu.registry.models import Household, ImportBatch, Person

pytestmark = pytest.mark.skipif("connection.vendor != 'sqlite'")

TABLES = ("registry_person", "registry_household", "registry_householdmembership")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s, %s, %s) "
                       "AND sql IS NOT NULL", list(TABLES))
        return set(cursor.fetchall())


def _csv(numbers) -> bytes:
    lines = ["区划代码,住址,户籍类型,姓名,身份证号码,与户主关系"]
    lines += [f"{VILLAGE_A},红星社区{i}号,农村,张{i},{n},户主" for i, n in enumerate(numbers)]
    return ("\n".join(lines) + "\n").encode()


def test_indexes_are_the_same_after_a_load_that_rebuilt_them(persona, monkeypatch):
    before = _indexes()
    assert len(before) > 10
    monkeypatch.setattr(import_write, "REBUILD_FROM", 1)
    dropped = []
    real = import_write._rows_in
    monkeypatch.setattr(import_write, "_rows_in", lambda table: dropped.append(table) or real(table))
    numbers = [make_id_number("430524", dt.date(1970, 1, 1), i) for i in range(1, 4)]
    result = imports.import_file(_csv(numbers), "名册.csv", actor=persona("longhui_officer"))
    assert result.status == "imported", result.errors.lines()
    assert set(dropped) >= set(TABLES)
    assert _indexes() == before
    assert Person.objects.filter(household__address="红星社区1号").count() == 1


def test_a_conflict_during_a_load_without_indexes_writes_nothing_and_leaves_the_indexes(persona, monkeypatch):
    monkeypatch.setattr(import_write, "REBUILD_FROM", 1)
    real = import_write.write_import

    def twice(households, **kwargs):  # a person's membership written twice, as a bug would
        households[0].members.append(households[0].members[0])
        return real(households, **kwargs)

    monkeypatch.setattr(import_write, "write_import", twice)
    before = _indexes()
    numbers = [make_id_number("430524", dt.date(1970, 1, 1), i) for i in range(1, 3)]
    with pytest.raises(DomainError, match="同时登记"):
        imports.import_file(_csv(numbers), "名册.csv", actor=persona("longhui_officer"))
    assert not Household.objects.exists() and not Person.objects.exists() and not ImportBatch.objects.exists()
    assert _indexes() == before


def _leading(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA index_list({table})")
        names = [row[1] for row in cursor.fetchall()]
        found = {}
        for name in names:
            cursor.execute(f'PRAGMA index_info("{name}")')
            found[name] = cursor.fetchone()[2]
        return found


@pytest.mark.django_db(transaction=False)
def test_during_the_load_indexes_the_deferred_foreign_keys_need_stay():
    from django.db import transaction

    before = _indexes()
    with transaction.atomic(), import_write.indexes_after(dict.fromkeys(TABLES, 10**6)):
        household = _leading("registry_household")
        person = _leading("registry_person")
        assert "head_id" in household.values()  # a person written finds the household naming it as head
        assert "household_id" in person.values()
        assert "person_name" not in person and "name_sound_key" not in person.values()  # the others go
    assert _indexes() == before
