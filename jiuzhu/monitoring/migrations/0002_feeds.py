# Placeholder in the chain; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = []
