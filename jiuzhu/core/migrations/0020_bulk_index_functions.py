"""PostgreSQL: a bulk load's secondary indexes dropped and made again by two functions that run as the tables'
owner (SECURITY DEFINER), so that the application's role of a production deployment (README: not the owner;
only an owner may drop an index) loads a first million rows as fast as the owner (core.bulk_indexes).

What the application's role can do with them, and no more:
- `jiuzhu_indexes_drop(tables)` drops the secondary indexes and unique constraints of these tables of the
  application's schema (primary keys stay; never the audit log's tables) and keeps each one's definition, taken
  from the catalogue, in a temporary table the owner owns (ON COMMIT DROP): the caller can neither read nor
  change what will be executed as the owner.
- `jiuzhu_indexes_create()` makes them again from those definitions, in the order dropped, and empties the list.
- A deferred constraint trigger refuses the commit of a transaction that dropped indexes and did not make them
  again (the DDL rolls back with everything else); `SET CONSTRAINTS ... IMMEDIATE` only makes the drop itself fail.
Everything happens in the caller's transaction: a failure rolls the drop back with the rows.
SQLite has no roles: core.bulk_indexes drops and creates the indexes itself there.
"""

from django.db import migrations

PROTECTED = ("core_auditlog", "core_auditpersonset")  # the audit log's tables: never touched by a bulk load
LIST = "pg_temp.jiuzhu_dropped_indexes"


def postgres_statements(schema: str) -> list[str]:
    s = f'"{schema}"'
    protected = ", ".join(f"'{t}'" for t in PROTECTED)
    # The list must be the owner's own (a temporary table of the same name made by the caller first would put
    # the caller's SQL in it): checked by both functions.
    own_list = f"""
              IF (SELECT cl.relowner FROM pg_catalog.pg_class cl WHERE cl.oid = to_regclass('{LIST}'))
                 <> (SELECT ro.oid FROM pg_catalog.pg_roles ro WHERE ro.rolname = current_user) THEN
                RAISE EXCEPTION '批量写入的索引清单不属于表的所有者';
              END IF;"""
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.jiuzhu_indexes_unmade() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM {LIST} d WHERE d.step = NEW.step) THEN
                RAISE EXCEPTION '批量写入时删除的索引未重建（%），事务已撤销', NEW.create_sql;
              END IF;
              RETURN NULL;
            END $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.jiuzhu_indexes_drop(tables text[]) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE r record; n integer := 0; start integer;
            BEGIN
              IF to_regclass('{LIST}') IS NULL THEN
                CREATE TEMPORARY TABLE jiuzhu_dropped_indexes (step integer PRIMARY KEY, create_sql text NOT NULL)
                  ON COMMIT DROP;
                CREATE CONSTRAINT TRIGGER jiuzhu_indexes_made_again AFTER INSERT ON {LIST}
                  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {s}.jiuzhu_indexes_unmade();
              END IF;{own_list}
              SELECT coalesce(max(d.step), 0) INTO start FROM {LIST} d;
              FOR r IN
                SELECT i.relname AS name, format('DROP INDEX %I.%I', '{schema}', i.relname) AS drop_sql,
                       pg_get_indexdef(i.oid) AS create_sql
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(tables) AND t.relnamespace = CAST('{schema}' AS regnamespace)
                  AND t.relname NOT IN ({protected})
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                UNION ALL
                SELECT c.conname, format('ALTER TABLE %I.%I DROP CONSTRAINT %I', '{schema}', t.relname, c.conname),
                       format('ALTER TABLE %I.%I ADD CONSTRAINT %I ', '{schema}', t.relname, c.conname)
                         || pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                WHERE t.relname = ANY(tables) AND t.relnamespace = CAST('{schema}' AS regnamespace)
                  AND t.relname NOT IN ({protected}) AND c.contype = 'u'
                ORDER BY 1
              LOOP
                n := n + 1;
                INSERT INTO {LIST} (step, create_sql) VALUES (start + n, r.create_sql);
                EXECUTE r.drop_sql;
              END LOOP;
              RETURN n;
            END $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.jiuzhu_indexes_create() RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE r record; n integer := 0;
            BEGIN
              IF to_regclass('{LIST}') IS NULL THEN
                RETURN 0;
              END IF;{own_list}
              FOR r IN SELECT d.create_sql FROM {LIST} d ORDER BY d.step LOOP
                EXECUTE r.create_sql;
                n := n + 1;
              END LOOP;
              DELETE FROM {LIST};
              RETURN n;
            END $$;""",
    ]


FUNCTIONS = ("jiuzhu_indexes_drop(text[])", "jiuzhu_indexes_create()", "jiuzhu_indexes_unmade()")


def create_functions(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        for sql in postgres_statements(schema):
            cursor.execute(sql)


def drop_functions(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for signature in FUNCTIONS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {signature}")


class Migration(migrations.Migration):
    dependencies = [("core", "0019_tier4w_event_indexes")]

    operations = [migrations.RunPython(create_functions, drop_functions)]
