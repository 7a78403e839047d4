"""The warning table written in bulk by comparison runs (~174k rows at 1M persons x 10M feed rows) writes fewer
index entries and checks no foreign key per row:
- warning_open_unique (warning_key, open only) and warning_key (warning_key, for lead_services) become one
  unique index on warning_key: a key is never raised twice, open or closed, by a run or a lead;
- referred_to's own index goes (warning_referred leads with it) and warning_referred becomes partial, NOT NULL;
  closed_by's index becomes partial, NOT NULL (a new warning is referred to and closed by nobody);
- indicator, run, person, household and region keep their indexes but lose the database constraint (the
  bulk-write foreign-key rule: the run proves the parents in its own transaction, runs._drop_orphans).
On SQLite the AlterFields rebuild the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0017_pay_audit_person_set'),
        ('monitoring', '0005_conference_grant_review_sheet'),
        ('registry', '0014_decision_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='warning',
            name='warning_open_unique',
        ),
        migrations.RemoveIndex(
            model_name='warning',
            name='warning_referred',
        ),
        migrations.RemoveIndex(
            model_name='warning',
            name='warning_key',
        ),
        migrations.AlterField(
            model_name='warning',
            name='closed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='warning',
            name='household',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household'),
        ),
        migrations.AlterField(
            model_name='warning',
            name='indicator',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='warnings', to='monitoring.indicator'),
        ),
        migrations.AlterField(
            model_name='warning',
            name='person',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person'),
        ),
        migrations.AlterField(
            model_name='warning',
            name='referred_to',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organization', verbose_name='转介部门'),
        ),
        migrations.AlterField(
            model_name='warning',
            name='region',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.region', verbose_name='属地'),
        ),
        migrations.AlterField(
            model_name='warning',
            name='run',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='warnings', to='monitoring.comparisonrun'),
        ),
        migrations.AddIndex(
            model_name='warning',
            index=models.Index(condition=models.Q(('referred_to__isnull', False)), fields=['referred_to', 'status'], name='warning_referred'),
        ),
        migrations.AddIndex(
            model_name='warning',
            index=models.Index(condition=models.Q(('closed_by__isnull', False)), fields=['closed_by'], name='warning_closed_by'),
        ),
        migrations.AddConstraint(
            model_name='warning',
            constraint=models.UniqueConstraint(fields=('warning_key',), name='warning_key_unique'),
        ),
    ]
