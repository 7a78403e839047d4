# Placeholder in the migration chain, filled by the part that owns it (so parallel work never renumbers).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations: list = []
