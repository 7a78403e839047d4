"""PostgreSQL: the owner's functions that drop and make again a bulk load's indexes (migration core 0020), used by
the application's role of a production deployment, which does not own the tables. Each test connects as that
role on its own connection, as the application would, and commits or fails as the application would."""

import psycopg
import pytest
from django.db import connection

from conftest import ensure_app_role

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="数据库角色只在 PostgreSQL 上有")]

TABLE = "core_event"  # four secondary indexes and a primary key


def _indexes(cursor, table=TABLE) -> set[str]:
    cursor.execute("SELECT CAST(indexrelid AS regclass)::text FROM pg_index WHERE indrelid = CAST(%s AS regclass)",
                   [table])
    return {name for (name,) in cursor.fetchall()}


def _owner_sees() -> set[str]:
    with connection.cursor() as cursor:
        return _indexes(cursor)


@pytest.fixture
def app():
    """A connection of the application's role (not the owner), in a transaction until commit or rollback."""
    role = ensure_app_role()
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role) as conn:
        yield conn


def test_the_application_role_drops_and_makes_again_every_secondary_index(app):
    before = _owner_sees()
    assert len(before) >= 4
    with app.cursor() as cursor:
        cursor.execute("SELECT current_user, pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                       "WHERE oid = CAST(%s AS regclass)", [TABLE])
        assert cursor.fetchone()[1] is False  # not the owner: DROP INDEX itself would be refused
        cursor.execute("SELECT jiuzhu_indexes_drop(ARRAY[%s])", [TABLE])
        assert cursor.fetchone()[0] == len(before) - 1
        assert _indexes(cursor) == {f"{TABLE}_pkey"}  # the primary key stays
        cursor.execute("SELECT jiuzhu_indexes_create()")
        assert cursor.fetchone()[0] == len(before) - 1
        assert _indexes(cursor) == before
    app.commit()
    assert _owner_sees() == before


def test_a_commit_that_did_not_make_them_again_is_refused(app):
    before = _owner_sees()
    with app.cursor() as cursor:
        cursor.execute("SELECT jiuzhu_indexes_drop(ARRAY[%s])", [TABLE])
    with pytest.raises(psycopg.Error, match="未重建"):
        app.commit()
    assert _owner_sees() == before


def test_constraints_made_immediate_refuse_the_drop_itself(app):
    before = _owner_sees()
    with app.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(psycopg.Error, match="未重建"):
            cursor.execute("SELECT jiuzhu_indexes_drop(ARRAY[%s])", [TABLE])
    app.rollback()
    assert _owner_sees() == before


def test_a_list_the_caller_made_is_not_executed_as_the_owner(app):
    """The caller's own temporary table of the same name would have the owner execute the caller's SQL."""
    with app.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE jiuzhu_dropped_indexes (step integer PRIMARY KEY, create_sql text)")
        cursor.execute("INSERT INTO jiuzhu_dropped_indexes VALUES (1, 'ALTER TABLE core_auditlog DISABLE TRIGGER ALL')")
        with pytest.raises(psycopg.Error, match="不属于表的所有者"):
            cursor.execute("SELECT jiuzhu_indexes_create()")
    app.rollback()
    with app.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE jiuzhu_dropped_indexes (step integer PRIMARY KEY, create_sql text)")
        with pytest.raises(psycopg.Error, match="不属于表的所有者"):
            cursor.execute("SELECT jiuzhu_indexes_drop(ARRAY[%s])", [TABLE])
    app.rollback()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST('core_auditlog' AS regclass) "
                       "AND NOT tgisinternal AND tgenabled = 'O'")
        assert cursor.fetchone()[0] == 4  # the audit log's triggers all still on


def test_the_audit_log_and_tables_of_other_schemas_are_never_touched(app):
    with connection.cursor() as cursor:
        audit_before = _indexes(cursor, "core_auditlog")
    with app.cursor() as cursor:
        cursor.execute("SELECT jiuzhu_indexes_drop(ARRAY['core_auditlog', 'core_auditpersonset', 'pg_class'])")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT jiuzhu_indexes_create()")
    app.commit()
    with connection.cursor() as cursor:
        assert _indexes(cursor, "core_auditlog") == audit_before


@pytest.mark.owner_role  # makes a probe table of its own (the owner only)
def test_the_application_role_gathers_statistics_through_the_owners_function(app):
    """Before PostgreSQL 17 the application's own ANALYZE is skipped (only the owner may): a bulk load's next
    queries were planned on a small table's statistics. core.bulk_indexes.analyze calls the owner's function."""
    from jiuzhu.core import bulk_indexes

    def has_statistics() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'core_bulk_probe')")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:  # the owner's new table, rows and no statistics yet
        cursor.execute("CREATE TABLE core_bulk_probe (x integer)")
        cursor.execute("INSERT INTO core_bulk_probe SELECT g % 7 FROM generate_series(1, 5000) g")
    try:
        with app.cursor() as cursor:
            cursor.execute("ANALYZE core_bulk_probe")  # refused with a warning only
        app.commit()
        assert not has_statistics()
        with connection.cursor() as cursor:
            cursor.execute("SET ROLE jiuzhu_test_app")
            try:
                bulk_indexes.analyze("core_bulk_probe", "no_such_table")
            finally:
                cursor.execute("RESET ROLE")
        assert has_statistics()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE core_bulk_probe")
