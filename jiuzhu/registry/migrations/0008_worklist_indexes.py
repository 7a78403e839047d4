# Placeholder in the migration chain (issue 14/15 work is split by helper); operations are added by its owner.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_list_indexes")]
    operations = []
