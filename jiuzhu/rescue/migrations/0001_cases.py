# The cases part's models (placeholder until it is written).
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [("core", "0014_workday_override"), ("registry", "0011_load_speed")]
    operations: list = []
