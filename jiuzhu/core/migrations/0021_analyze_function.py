"""PostgreSQL: `jiuzhu_analyze(tables)` gathers fresh statistics of these tables of the application's schema as
their owner (SECURITY DEFINER). Before PostgreSQL 17 only a table's owner may ANALYZE it, and the application's
role of a production deployment is not the owner (README): its ANALYZE after a bulk load (the batch assessment's
decisions, a payment roll's lines) was skipped with a warning, and the queries that follow were planned on the
statistics of a small table (a roll's checks: 11 s at 20,000 persons). Statistics are all it changes.
SQLite: nothing (core.bulk_indexes.analyze does not call it there).
"""

from django.db import migrations


def create_function(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        cursor.execute(f"""CREATE OR REPLACE FUNCTION "{schema}".jiuzhu_analyze(tables text[]) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            DECLARE t text; n integer := 0;
            BEGIN
              FOR t IN SELECT c.relname FROM pg_class c WHERE c.relname = ANY(tables) AND c.relkind = 'r'
                         AND c.relnamespace = CAST('{schema}' AS regnamespace) ORDER BY 1 LOOP
                EXECUTE format('ANALYZE %I.%I', '{schema}', t);
                n := n + 1;
              END LOOP;
              RETURN n;
            END $$;""")


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS jiuzhu_analyze(text[])")


class Migration(migrations.Migration):
    dependencies = [("core", "0020_bulk_index_functions")]

    operations = [migrations.RunPython(create_function, drop_function)]
