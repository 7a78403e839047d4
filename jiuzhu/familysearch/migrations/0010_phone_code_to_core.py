"""The SMS verification codes moved to core (core.models.PhoneCode, core/sms.py): the rows still in
familysearch's table are copied, in one INSERT … SELECT, before the table goes. Ids are not kept (nothing refers
to a code row); hashes, times, failures and use are, so a code sent just before the upgrade still checks."""

from django.db import migrations

COLUMNS = "purpose, phone_hash, code_hash, client_hash, created_at, expires_at, failures, used_at"


def copy_codes(apps, schema_editor):
    old = apps.get_model("familysearch", "PhoneCode")._meta.db_table
    new = apps.get_model("core", "PhoneCode")._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(f"INSERT INTO {quote(new)} ({COLUMNS}) SELECT {COLUMNS} FROM {quote(old)} ORDER BY id")


def copy_back(apps, schema_editor):
    old = apps.get_model("familysearch", "PhoneCode")._meta.db_table
    new = apps.get_model("core", "PhoneCode")._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(f"INSERT INTO {quote(old)} ({COLUMNS}) SELECT {COLUMNS} FROM {quote(new)} ORDER BY id")
    schema_editor.execute(f"DELETE FROM {quote(new)}")  # moved back, not copied: a second move finds none twice


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0015_phone_code'),
        ('familysearch', '0009_missing_time'),
    ]

    operations = [
        migrations.RunPython(copy_codes, copy_back),
        migrations.DeleteModel(
            name='PhoneCode',
        ),
    ]
