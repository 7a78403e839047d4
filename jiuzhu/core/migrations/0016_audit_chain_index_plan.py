"""The audit chain trigger (0005) reads the chain's head with `ORDER BY id DESC LIMIT 1`. PL/pgSQL plans that
query once per session and keeps the plan: planned while the log was small (a fresh database, a new deployment),
it is a sequential scan, and every row of a later INSERT … SELECT then scans the whole log — quadratic. The payment
roll's bank file (40,000 payees) took 148 s on PostgreSQL instead of 1 s. With sequential scans disabled inside
the trigger the head is always read through the primary key's index (one page per row, whatever the log's size).
SQLite's trigger is unchanged."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION core_auditlog_chain() SET enable_seqscan = off")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION core_auditlog_chain() RESET enable_seqscan")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0015_phone_code"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
