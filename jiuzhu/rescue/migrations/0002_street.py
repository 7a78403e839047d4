# The street part's models (placeholder until it is written).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("rescue", "0001_cases"), ("intake", "0005_scope_path")]
    operations: list = []
