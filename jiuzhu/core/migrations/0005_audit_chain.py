"""The audit log becomes tamper-evident, and the maintenance switch of 0002 is gone.

Every row carries `prev_hash` (the previous row's `row_hash`, by id; '' for the first row) and
`row_hash` = SHA-256(prev_hash || canonical content of the row), set by the database whatever wrote the
row (`audit()`, an INSERT … SELECT, a bulk insert, raw SQL). `manage.py verify_audit` recomputes the chain
with the very same database function:

- PostgreSQL: `core_auditlog_row_hash(prev, row)` (SQL) is called by a BEFORE INSERT row trigger that takes
  an advisory transaction lock, then gives the row the next id and the hash of the row before it, so ids and
  the chain follow the order in which writers got the lock. The application's role may only INSERT and
  SELECT this table (`manage.py grant_app_role`), so it cannot disable the triggers nor UPDATE.
- SQLite: an AFTER INSERT row trigger sets both hashes with `jiuzhu_audit_row_hash(...)`, a function every
  Django connection registers (jiuzhu.core.audit); the writer holds the database lock (IMMEDIATE
  transactions), so the chain cannot fork. Hashes may be set once; no other column can be updated.

UPDATE, DELETE and TRUNCATE are refused by triggers for every client, with no switch. Tests that flush their
database lift the triggers around the flush themselves (conftest.py), as the table's owner.

Existing rows are chained here, in id order.

Note for later migrations: on SQLite, altering this table rebuilds it and drops its triggers; such a
migration must create them again (`verify_audit` reports missing triggers).
"""

from django.db import migrations, models

CONTENT_COLUMNS = ("id", "at", "actor_id", "username", "organization_id", "ip", "action", "object_type",
                   "object_id", "object_repr", "person_id", "detail")
APPEND_ONLY = "audit log is append-only"

# ---- SQLite -------------------------------------------------------------------------------------
SQLITE_HASH_ARGS = ", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS)
SQLITE = [
    f"""CREATE TRIGGER core_auditlog_chain AFTER INSERT ON core_auditlog BEGIN
        UPDATE core_auditlog SET (prev_hash, row_hash) = (
            SELECT p, jiuzhu_audit_row_hash(p, {SQLITE_HASH_ARGS})
            FROM (SELECT coalesce((SELECT b.row_hash FROM core_auditlog b WHERE b.id < NEW.id
                                   ORDER BY b.id DESC LIMIT 1), '') AS p))
        WHERE id = NEW.id;
        END;""",
    f"""CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE OF {", ".join(CONTENT_COLUMNS)} ON core_auditlog
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;""",
    # The chain trigger sets the hashes of a row just inserted (row_hash still ''); never again.
    f"""CREATE TRIGGER core_auditlog_hash_once BEFORE UPDATE OF prev_hash, row_hash ON core_auditlog
        WHEN OLD.row_hash <> '' BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;""",
    f"""CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;""",
]
SQLITE_TRIGGERS = ("core_auditlog_chain", "core_auditlog_no_update", "core_auditlog_hash_once",
                   "core_auditlog_no_delete")

# ---- PostgreSQL ---------------------------------------------------------------------------------
# Names are schema-qualified (no search_path tricks by other roles); built-ins live in pg_catalog, which
# is always searched first. The advisory lock key is arbitrary but fixed.
CHAIN_LOCK_KEY = 7_301_524_000_013


def postgres_statements(schema: str, sequence: str) -> list[str]:
    s = f'"{schema}"'
    return [
        # The row's text is a ROW(...) literal: unambiguous (record_out quotes what needs quoting, NULL is
        # empty, '' is ""), independent of session settings (the time is formatted explicitly, in UTC).
        # STABLE, like to_char, so that the planner inlines it into the trigger: half the cost of IMMUTABLE.
        f"""CREATE OR REPLACE FUNCTION {s}.core_auditlog_row_hash(prev text, r {s}.core_auditlog) RETURNS text
            LANGUAGE sql STABLE PARALLEL SAFE AS $$
              SELECT encode(sha256(convert_to(prev || ROW(
                r.id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), r.actor_id, r.username,
                r.organization_id, r.ip, r.action, r.object_type, r.object_id, r.object_repr, r.person_id,
                r.detail)::text, 'UTF8')), 'hex')
            $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.core_auditlog_chain() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE prev text;
            BEGIN
              -- Under REPEATABLE READ a writer would not see the row committed just before it got the lock.
              IF current_setting('transaction_isolation') <> 'read committed' THEN
                RAISE EXCEPTION '审计日志只能在 READ COMMITTED 事务中写入';
              END IF;
              PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
              NEW.id := nextval('{sequence}'::regclass);
              SELECT a.row_hash INTO prev FROM {s}.core_auditlog a ORDER BY a.id DESC LIMIT 1;
              NEW.prev_hash := coalesce(prev, '');
              NEW.row_hash := {s}.core_auditlog_row_hash(NEW.prev_hash, NEW);
              RETURN NEW;
            END $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.core_auditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$;""",
        f"""CREATE TRIGGER core_auditlog_chain BEFORE INSERT ON {s}.core_auditlog
            FOR EACH ROW EXECUTE FUNCTION {s}.core_auditlog_chain();""",
        f"""CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON {s}.core_auditlog
            FOR EACH ROW EXECUTE FUNCTION {s}.core_auditlog_append_only();""",
        f"""CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON {s}.core_auditlog
            FOR EACH STATEMENT EXECUTE FUNCTION {s}.core_auditlog_append_only();""",
        f"""CREATE TRIGGER core_auditlog_no_truncate BEFORE TRUNCATE ON {s}.core_auditlog
            FOR EACH STATEMENT EXECUTE FUNCTION {s}.core_auditlog_append_only();""",
    ]


POSTGRES_TRIGGERS = ("core_auditlog_chain", "core_auditlog_no_update", "core_auditlog_no_delete",
                     "core_auditlog_no_truncate")
POSTGRES_BACKFILL = """
DO $$
DECLARE r core_auditlog; prev text := '';
BEGIN
  FOR r IN SELECT * FROM core_auditlog ORDER BY id LOOP
    r.prev_hash := prev;
    prev := core_auditlog_row_hash(r.prev_hash, r);
    UPDATE core_auditlog SET prev_hash = r.prev_hash, row_hash = prev WHERE id = r.id;
  END LOOP;
END $$;"""


def drop_0002(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            for name in ("core_auditlog_no_update", "core_auditlog_no_delete", "core_auditlog_no_truncate"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON core_auditlog")
            cursor.execute("DROP FUNCTION IF EXISTS core_auditlog_append_only()")
        else:
            for name in ("core_auditlog_no_update", "core_auditlog_no_delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def chain(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_schema(), pg_get_serial_sequence('core_auditlog', 'id')")
            schema, sequence = cursor.fetchone()
            statements = postgres_statements(schema, sequence)
            cursor.execute(statements[0])  # the hash function, used by the backfill
            cursor.execute(POSTGRES_BACKFILL)
            for sql in statements[1:]:
                cursor.execute(sql)
        else:
            from jiuzhu.core.audit import register_sqlite_functions

            register_sqlite_functions(None, connection)
            cursor.execute("SELECT id FROM core_auditlog ORDER BY id")
            columns = ", ".join(CONTENT_COLUMNS)
            prev = ""
            for (row_id,) in cursor.fetchall():  # in id order: each row's hash needs the one before it
                cursor.execute(f"SELECT jiuzhu_audit_row_hash(%s, {columns}) FROM core_auditlog WHERE id = %s",
                               [prev, row_id])
                row_hash = cursor.fetchone()[0]
                cursor.execute("UPDATE core_auditlog SET prev_hash = %s, row_hash = %s WHERE id = %s",
                               [prev, row_hash, row_id])
                prev = row_hash
            for sql in SQLITE:
                cursor.execute(sql)


def unchain(apps, schema_editor):
    """Back to 0004's state: append-only triggers, no chain (and no maintenance switch either)."""
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            for name in POSTGRES_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON core_auditlog")
            cursor.execute("DROP FUNCTION IF EXISTS core_auditlog_chain()")
            cursor.execute("DROP FUNCTION IF EXISTS core_auditlog_row_hash(text, core_auditlog)")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def restore_0002(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"""CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger
                LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$;""")
            cursor.execute("""CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
                FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only();""")
            cursor.execute("""CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
                FOR EACH STATEMENT EXECUTE FUNCTION core_auditlog_append_only();""")
            cursor.execute("""CREATE TRIGGER core_auditlog_no_truncate BEFORE TRUNCATE ON core_auditlog
                FOR EACH STATEMENT EXECUTE FUNCTION core_auditlog_append_only();""")
        else:
            cursor.execute(f"""CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;""")
            cursor.execute(f"""CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;""")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_capabilities")]

    operations = [
        migrations.RunPython(drop_0002, restore_0002),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="row_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(chain, unchain),
    ]
