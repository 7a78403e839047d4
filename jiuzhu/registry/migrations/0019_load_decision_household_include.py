# tier_household_status carries recommended_tier and person (PostgreSQL INCLUDE; same entries, no new index):
# the 待审批建议 list filter probes each household of a place from the index alone (issue 14, "Under load").

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0018_load_covering_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='tierdecision',
            name='tier_household_status',
        ),
        migrations.AddIndex(
            model_name='tierdecision',
            index=models.Index(fields=['household', 'status'], include=('recommended_tier', 'person'),
                               name='tier_household_status'),
        ),
    ]
