"""TierDecision's indexes, cut so that a batch assessment's suggestions (pending, household-level, not imported)
write 5 index entries each instead of 9 (SQLite; PostgreSQL adds the primary key):
- tier_force_list (tier, status, household) becomes (tier, household) for decisions in force only;
- tier_pending_list (recommended_tier, status, household) goes: the 待审批建议 filter seeks tier_queue_tier;
- the person and import_batch foreign keys' indexes become partial, NOT NULL (tier_person, tier_import_batch).
The foreign keys' own indexes are dropped by name as found, not by AlterField, which on SQLite rebuilds the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _drop_fk_indexes(apps, schema_editor):
    model = apps.get_model("registry", "TierDecision")
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    for column in ("person_id", "import_batch_id"):
        for name, info in constraints.items():
            if info["columns"] == [column] and info["index"] and not info["unique"] and not info["primary_key"] \
                    and not name.startswith("tier_"):
                schema_editor.execute(schema_editor._delete_index_sql(model, name))


def _restore_fk_indexes(apps, schema_editor):
    model = apps.get_model("registry", "TierDecision")
    for column in ("person", "import_batch"):
        field = model._meta.get_field(column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0013_person_fewer_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='tierdecision',
            name='tier_force_list',
        ),
        migrations.RemoveIndex(
            model_name='tierdecision',
            name='tier_pending_list',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='tierdecision',
                    name='import_batch',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            related_name='decision_rows', to='registry.importbatch'),
                ),
                migrations.AlterField(
                    model_name='tierdecision',
                    name='person',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            related_name='tier_decisions', to='registry.person'),
                ),
            ],
            database_operations=[migrations.RunPython(_drop_fk_indexes, _restore_fk_indexes)],
        ),
        migrations.AddIndex(
            model_name='tierdecision',
            index=models.Index(condition=models.Q(('status__in', ['confirmed', 'overridden'])),
                               fields=['tier', 'household'], name='tier_force_list'),
        ),
        migrations.AddIndex(
            model_name='tierdecision',
            index=models.Index(condition=models.Q(('person__isnull', False)), fields=['person'], name='tier_person'),
        ),
        migrations.AddIndex(
            model_name='tierdecision',
            index=models.Index(condition=models.Q(('import_batch__isnull', False)), fields=['import_batch'],
                               name='tier_import_batch'),
        ),
    ]
