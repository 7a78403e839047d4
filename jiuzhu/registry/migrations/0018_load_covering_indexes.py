# The scoped lists' place indexes carry the columns the list pages read (PostgreSQL INCLUDE; SQLite's indexes
# carry the rowid anyway and ignore include, so there this only rebuilds the same indexes): a township's
# households and persons are read by index-only scans (issue 14, "Under load").

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0017_tier3_decision_household_fk'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='household',
            name='household_region',
        ),
        migrations.AddIndex(
            model_name='household',
            index=models.Index(fields=['region', 'is_active'], include=('id',), name='household_region'),
        ),
        migrations.RemoveIndex(
            model_name='person',
            name='person_region_birth',
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['region', 'birth_date'], include=('household', 'id'),
                               name='person_region_birth'),
        ),
    ]
