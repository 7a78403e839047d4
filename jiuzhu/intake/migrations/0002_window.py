# The window part: a county's list newest first.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [
        migrations.AddIndex(
            model_name='application',
            index=models.Index(fields=['-submitted_at', '-id'], name='application_newest'),
        ),
    ]
