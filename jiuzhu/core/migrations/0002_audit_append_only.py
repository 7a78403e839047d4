"""Database triggers that refuse UPDATE and DELETE on the audit log from any client, raw SQL included.

The only way past them is a per-connection maintenance switch that no application code sets
(jiuzhu.core.audit.open_audit_maintenance): a DBA's retention job, or a test database being emptied."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
       WHEN jiuzhu_audit_maintenance() = 0
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS core_auditlog_no_update;", "DROP TRIGGER IF EXISTS core_auditlog_no_delete;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' AND current_setting('jiuzhu.audit_maintenance', true) = 'on' THEN
           RETURN NULL;  -- statement-level TRUNCATE / maintenance DELETE: let it through
         END IF;
         RAISE EXCEPTION 'audit log is append-only';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
       FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only();""",
    """CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
       FOR EACH STATEMENT WHEN (current_setting('jiuzhu.audit_maintenance', true) IS DISTINCT FROM 'on')
       EXECUTE FUNCTION core_auditlog_append_only();""",
    """CREATE TRIGGER core_auditlog_no_truncate BEFORE TRUNCATE ON core_auditlog
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditlog_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_update ON core_auditlog;",
    "DROP TRIGGER IF EXISTS core_auditlog_no_delete ON core_auditlog;",
    "DROP TRIGGER IF EXISTS core_auditlog_no_truncate ON core_auditlog;",
    "DROP FUNCTION IF EXISTS core_auditlog_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
