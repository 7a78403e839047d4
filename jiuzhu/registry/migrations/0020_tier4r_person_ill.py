# The tier assessment reads the seriously ill (~4 % of persons) from this partial index, not the whole table.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0018_event_fk_rule'),
        ('registry', '0019_load_decision_household_include'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('serious_illness', ''), _negated=True),
                               fields=['household', 'serious_illness'], name='person_ill'),
        ),
    ]
