"""The roster write (import_write): PostgreSQL's COPY text keeps every value as it was (empty text, NULL,
quotes, commas, line breaks, backslashes); SQLite's large loads drop the person and membership indexes and
create the very same ones again, and a failure leaves them as they were."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from conftest import APP_ROLE, VILLAGE_A
from jiuzhu.core import bulk_indexes
from jiuzhu.core.models import Region
from jiuzhu.registry import import_write, imports
from jiuzhu.registry.models import Household, ImportBatch, Person
from jiuzhu.registry.tests.test_imports import HEADERS, pid, rows_two_households, run, xlsx

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


_TABLES = ("registry_household", "registry_person", "registry_householdmembership", *import_write._BENEFIT_TABLES)


def _indexes(tables=_TABLES):
    marks = ", ".join("%s" for _ in tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Name, table, columns, uniqueness, operator classes, INCLUDE and whether partial: pg_get_indexdef's
            # text of a recreated partial index spells the same predicate with other casts.
            cursor.execute("SELECT i.relname, t.relname, x.indisunique, CAST(x.indkey AS TEXT), x.indnkeyatts, "
                           "CAST(x.indclass AS TEXT), x.indpred IS NOT NULL FROM pg_index x "
                           "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                           f"WHERE t.relname IN ({marks}) ORDER BY i.relname", list(tables))
        else:
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                           "ORDER BY name", list(tables))
        return cursor.fetchall()


def dropping(queries) -> list[str]:
    """The statements of a load that dropped indexes: SQLite's DROP INDEX (an index's name each); PostgreSQL's
    call of jiuzhu_indexes_drop, which drops them as the tables' owner (its tables' names)."""
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith(("DROP INDEX", "SELECT jiuzhu_indexes_drop("))]


def test_a_large_load_rebuilds_the_indexes_it_dropped(persona, standards, monkeypatch):
    """Persons, memberships and the benefit tables: dropped before the rows, the very same created after."""
    from jiuzhu.registry.models import HouseholdMembership, TierDecision
    from jiuzhu.registry.tests import roster_files

    monkeypatch.setattr(bulk_indexes, "REBUILD_MIN_ROWS", 1)  # a few persons count as a large load here
    # …whatever the tables hold (the ids earlier tests used up count as rows held: an upper bound)
    monkeypatch.setattr(bulk_indexes, "REBUILD_FACTOR", {"postgresql": 0, "sqlite": 0})
    before = _indexes()
    assert len(before) >= 20
    with CaptureQueriesContext(connection) as queries:
        roster = roster_files.dibao_roster()
        result = import_write_run(roster, persona)
    assert result.status == "imported", result.errors.lines()
    dropped = dropping(queries)
    assert any("registry_person" in s or "person_" in s for s in dropped)
    assert any("tier" in s for s in dropped)  # the decisions' indexes too
    assert any("registry_household'" in s or "registry_household}" in s or "household_region" in s
               for s in dropped)  # and the households' (PostgreSQL: the table named; SQLite: an index)
    assert _indexes() == before
    # Each imported person has its one open membership, made from the person rows.
    persons = Person.objects.filter(import_batch=result.batch)
    assert persons.exists() and TierDecision.objects.filter(import_batch=result.batch).exists()
    # Residence, batch and times (on SQLite written by the statement, not bound per row) as the ORM reads them.
    assert persons.count() == Person.objects.count()
    first = persons.first()
    assert first.created_at == first.updated_at == result.batch.person_rows.last().created_at
    assert abs((first.created_at - result.batch.created_at).total_seconds()) < 60
    assert not persons.exclude(residence_region_id=models.F("region_id")).exists()
    assert set(HouseholdMembership.objects.filter(left_at=None, person__in=persons).values_list(
        "person_id", "household_id", "relation")) == set(persons.values_list("id", "household_id", "relation"))


def test_a_failed_load_leaves_the_indexes_as_they_were(world):
    before = _indexes()

    class Broken(Exception):
        pass

    with pytest.raises(Broken), transaction.atomic():
        with bulk_indexes.indexes_rebuilt(_TABLES, 100_000, 0):
            assert _indexes() != before
            raise Broken
    assert _indexes() == before


def test_a_person_twice_is_refused_while_the_indexes_are_rebuilt(world):
    """The ID hash stays unique during a large load: SQLite keeps its UNIQUE index, PostgreSQL adds the dropped
    constraint again, which refuses the duplicate (IntegrityError: the import answers 'conflict', nothing written)."""
    region = Region.objects.get(code=VILLAGE_A)
    twins = [Person(region=region, id_number_cipher="x", id_number_hash="h" * 64, name="张三", sex="M",
                    birth_date=dt.date(1990, 1, 1)) for _ in range(2)]
    with pytest.raises(IntegrityError), transaction.atomic():
        with bulk_indexes.indexes_rebuilt(_TABLES, 100_000, 0):
            Person.objects.bulk_create(twins)
    assert not Person.objects.filter(id_number_hash="h" * 64).exists()


@pytest.mark.parametrize("existing", [0, 9_999, 10_000, 60_000, 100_000, 100_001])
def test_postgresql_rebuilds_only_for_a_first_load(world, existing):
    """PostgreSQL's readers wait for a rebuilding load (DROP INDEX locks the table until commit): only a load ten
    times what the tables hold rebuilds there; SQLite rebuilds once the load is as large as the tables."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        with bulk_indexes.indexes_rebuilt(_TABLES, 100_000, existing):
            pass
    rebuilt = bool(dropping(queries))
    if connection.vendor == "postgresql":
        assert rebuilt == (existing <= 10_000)
    else:
        assert rebuilt == (existing <= 100_000)


def test_a_small_load_into_a_larger_registry_keeps_its_indexes(persona):
    with CaptureQueriesContext(connection) as queries:
        run(xlsx(rows_two_households()), persona=persona)
    assert not dropping(queries)
    assert ImportBatch.objects.count() == 1


def test_the_application_role_rebuilds_a_first_load_as_the_owner_does(persona, as_app_role, monkeypatch):
    """Only a table's owner may drop its indexes, and a production deployment connects as another role
    (grant_app_role): its first large import drops and makes them through the owner's functions (migration
    core 0020), not 'must be owner of index'."""
    # these four persons are a "first large load", whatever the registry holds
    monkeypatch.setattr(bulk_indexes, "REBUILD_MIN_ROWS", 1)
    monkeypatch.setitem(bulk_indexes.REBUILD_FACTOR, connection.vendor, 0)
    before = _indexes()
    officer = persona("longhui_officer")
    with CaptureQueriesContext(connection) as queries, as_app_role():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == APP_ROLE
        result = imports.import_file(xlsx(rows_two_households()), "花名册.xlsx", None, actor=officer)
        assert _indexes() == before  # made again before the block ends, as the application's role sees them
    assert result.status == "imported", result.errors.items
    assert Person.objects.filter(import_batch=result.batch).count() == 4
    assert any("registry_person" in s for s in dropping(queries))
    assert _indexes() == before


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


# The bulk-write foreign-key rule: household, person and membership keys carry no database constraint
# (migration 0015), so the import itself must never write a row naming a missing parent.
_PARENTS = [  # (child table, key column, parent table)
    ("registry_household", "region_id", "core_region"), ("registry_household", "head_id", "registry_person"),
    ("registry_household", "import_batch_id", "registry_importbatch"),
    ("registry_person", "household_id", "registry_household"), ("registry_person", "region_id", "core_region"),
    ("registry_person", "hukou_region_id", "core_region"), ("registry_person", "residence_region_id", "core_region"),
    ("registry_person", "import_batch_id", "registry_importbatch"),
    ("registry_householdmembership", "person_id", "registry_person"),
    ("registry_householdmembership", "household_id", "registry_household"),
]


def _orphans(parents=None) -> int:
    found = 0
    with connection.cursor() as cursor:
        for child, key, parent in parents or _PARENTS:
            cursor.execute(f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON p.id = c.{key} "
                           f"WHERE c.{key} IS NOT NULL AND p.id IS NULL")
            found += cursor.fetchone()[0]
    return found


def test_an_import_writes_no_row_naming_a_missing_parent_and_refuses_an_unknown_hukou_region(persona):
    headers = [*HEADERS, "户籍地区划代码"]
    rows = [[*r, "430524"] for r in rows_two_households()]
    result = run(xlsx(rows, headers), persona=persona)
    assert result.status == "imported" and Person.objects.count() == 4
    assert Person.objects.filter(hukou_region__code="430524").count() == 4
    assert _orphans() == 0
    # An unknown 户籍地 code is refused at its cell (else the person would name a region that is not there).
    rows = [[*r, "430524"] for r in rows_two_households()]
    for r, number in zip(rows, (pid(201), pid(202), pid(203, dt.date(2005, 1, 2)), pid(205)), strict=True):
        r[5] = number  # other persons, so nothing is "already registered"
    rows[2][8] = "439999"
    result = run(xlsx(rows, headers, title="隆回县低保家庭花名册（二）"), persona=persona)
    assert result.status == "invalid"
    assert any(e["field"] == "hukou_region_code" and "不存在" in e["message"] for e in result.errors.items)
    assert Person.objects.count() == 4 and _orphans() == 0


def test_orm_deletes_still_protect_an_imported_household_and_person(persona):
    from django.db.models import ProtectedError

    assert run(xlsx(rows_two_households()), persona=persona).status == "imported"
    household = Household.objects.filter(members__isnull=False).first()
    with pytest.raises(ProtectedError), transaction.atomic():
        household.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Person.objects.filter(household=household).first().delete()  # its membership protects it
    assert _orphans() == 0


# The benefits an import writes follow the rule too (migration 0023_imp4w): every key of decisions, grants,
# 特困 support and accounts names a row the import wrote (household, person, decision, batch) or read (actor,
# granting organisation) in its transaction.
_BENEFIT_PARENTS = [
    ("registry_tierdecision", "household_id", "registry_household"),
    ("registry_tierdecision", "person_id", "registry_person"),
    ("registry_tierdecision", "decided_by_id", "core_user"),
    ("registry_tierdecision", "import_batch_id", "registry_importbatch"),
    ("registry_assistancegrant", "household_id", "registry_household"),
    ("registry_assistancegrant", "person_id", "registry_person"),
    ("registry_assistancegrant", "granting_organization_id", "core_organization"),
    ("registry_assistancegrant", "tier_decision_id", "registry_tierdecision"),
    ("registry_assistancegrant", "created_by_id", "core_user"),
    ("registry_destitutesupport", "person_id", "registry_person"),
    ("registry_destitutesupport", "household_id", "registry_household"),
    ("registry_destitutesupport", "tier_decision_id", "registry_tierdecision"),
    ("registry_destitutesupport", "import_batch_id", "registry_importbatch"),
    ("registry_paymentaccount", "household_id", "registry_household"),
    ("registry_paymentaccount", "person_id", "registry_person"),
    ("registry_paymentaccount", "import_batch_id", "registry_importbatch"),
]


def _constrained(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column for column, info in connection.introspection.get_relations(cursor, table).items() if info}


def test_imported_benefits_name_no_missing_parent_and_carry_no_database_constraint(persona, standards):
    from jiuzhu.registry.models import AssistanceGrant, DestituteSupport, PaymentAccount, TierDecision
    from jiuzhu.registry.tests import roster_files

    for roster in (roster_files.dibao_roster(), roster_files.tekun_workbook()):
        result = import_write_run(roster, persona)
        assert result.status == "imported", result.errors.lines()
    assert TierDecision.objects.filter(source="imported").count() == 6
    assert AssistanceGrant.objects.filter(person__isnull=False).exists() and DestituteSupport.objects.exists()
    assert PaymentAccount.objects.filter(person__isnull=False).exists()
    assert _orphans(_PARENTS + _BENEFIT_PARENTS) == 0
    for table, column, _parent in _BENEFIT_PARENTS:
        assert column not in _constrained(table), (table, column)


def test_orm_deletes_still_protect_an_imported_decision_and_its_household(persona, standards):
    from django.db.models import ProtectedError

    from jiuzhu.registry.models import TierDecision
    from jiuzhu.registry.tests import roster_files

    assert import_write_run(roster_files.tekun_workbook(), persona).status == "imported"
    decision = TierDecision.objects.filter(source="imported").first()
    with pytest.raises(ProtectedError), transaction.atomic():
        decision.delete()  # its grants and 特困 support protect it
    with pytest.raises(ProtectedError), transaction.atomic():
        Household.objects.get(pk=decision.household_id).delete()
    assert _orphans(_PARENTS + _BENEFIT_PARENTS) == 0


def import_write_run(roster, persona):
    from jiuzhu.registry import imports

    return imports.import_file(roster.data, roster.filename, actor=persona("longhui_officer"))


@pytest.mark.owner_role  # steps the sequence by 2 (ALTER SEQUENCE: the owner only)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_ids_drawn_by_others_meanwhile_are_not_taken_for_ours(world):
    """PostgreSQL: the import's ids are what its nextval calls returned; when they are not one run (another session
    drew in between; here a sequence stepping by 2), the very values, not the range between the bounds."""
    run_ids = import_write._allocate("registry_household", 5)
    assert run_ids == list(range(run_ids[0], run_ids[0] + 5))
    with connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE registry_household_id_seq INCREMENT BY 2")
    scattered = import_write._allocate("registry_household", 5)
    assert scattered == list(range(scattered[0], scattered[0] + 10, 2)) and scattered[0] > run_ids[-1]


def test_columns_fixed_by_the_statement_read_back_as_each_row_would_have_carried_them(persona, standards):
    """_write's fixed columns (SQLite: literals and a repeated parameter; PostgreSQL: merged into the COPY rows)."""
    from jiuzhu.registry.models import AssistanceGrant, DestituteSupport, PaymentAccount, TierDecision
    from jiuzhu.registry.tests import roster_files

    officer = persona("longhui_officer")
    for roster in (roster_files.dibao_roster(), roster_files.tekun_workbook()):
        assert import_write_run(roster, persona).status == "imported"
    batches = set(ImportBatch.objects.values_list("pk", flat=True))
    decisions = TierDecision.objects.filter(source="imported")
    assert {(d.status, d.recommended_tier == d.tier, d.run_key, d.override_reason, d.decided_by_id, tuple(d.reasons),
             d.per_capita_income, d.import_batch_id in batches, d.decided_at == d.created_at) for d in decisions} == {
        ("confirmed", True, "", "", officer.pk, ("按原有保障名册导入",), 0, True, True)}
    grants = AssistanceGrant.objects.filter(tier_decision__in=decisions)
    assert grants.exists() and {(g.status, g.service, g.end_reason, g.created_by_id, g.granting_organization_id)
                                for g in grants} == {("active", "", "", officer.pk, officer.organization_id)}
    assert {(s.import_batch_id in batches, s.created_at is not None) for s in DestituteSupport.objects.all()} == {
        (True, True)}
    assert {(a.is_active, a.import_batch_id in batches) for a in PaymentAccount.objects.all()} == {(True, True)}
    households = Household.objects.filter(import_batch__isnull=False)
    assert {(h.is_active, h.created_at == h.updated_at) for h in households} == {(True, True)}


def test_memberships_are_made_for_the_batch_persons_only(persona):
    """PostgreSQL's ids of one import need not be one run (another session drew in between): a person someone
    else wrote inside the import's id range gets no membership from it."""
    from jiuzhu.registry.models import HouseholdMembership

    assert run(xlsx(rows_two_households()), persona=persona).status == "imported"
    batch = ImportBatch.objects.get()
    ids = sorted(Person.objects.filter(import_batch=batch).values_list("pk", flat=True))
    HouseholdMembership.objects.all().delete()
    Person.objects.filter(pk=ids[1]).update(import_batch=None)  # as if another session had written it
    import_write._memberships_from_persons(ids, batch.pk, import_write._Values().moment(import_write.timezone.now()))
    assert sorted(HouseholdMembership.objects.values_list("person_id", flat=True)) == [ids[0], *ids[2:]]


def test_a_decisions_facts_read_back_as_json_dumps_would_have_written_them(persona, standards):
    """The facts are written from a template, not by json.dumps a row (import_write._write_benefits): the very text
    json.dumps(facts, ensure_ascii=False) gives (SQLite keeps the text), the same value on PostgreSQL (handed to COPY
    as binary jsonb), a file name with quotes and backslashes included."""
    import json

    from jiuzhu.registry.models import AssistanceGrant, TierDecision
    from jiuzhu.registry.tests import roster_files

    filename = 'a"b\\c\t隆回县低保花名册.xlsx'
    result = imports.import_file(roster_files.dibao_roster().data, filename, actor=persona("longhui_officer"))
    assert result.status == "imported", result.errors.lines()
    decisions = TierDecision.objects.filter(import_batch=result.batch)
    assert decisions.count() == result.households > 0
    amounts = dict(AssistanceGrant.objects.filter(tier_decision__in=decisions).values_list("tier_decision_id",
                                                                                           "monthly_amount"))
    for d in decisions:
        household = Household.objects.get(pk=d.household_id)
        assert d.facts == {"source": "roster", "file": filename, "row": d.import_row,
                           "monthly_amount": str(amounts[d.pk]), "family_size": household.members.count()}
        assert d.reasons == ["按原有保障名册导入"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(facts AS TEXT) FROM registry_tierdecision WHERE import_batch_id = %s",
                       [result.batch.pk])
        texts = [row[0] for row in cursor.fetchall()]
    if connection.vendor == "sqlite":
        assert texts == [json.dumps(json.loads(t), ensure_ascii=False) for t in texts]
