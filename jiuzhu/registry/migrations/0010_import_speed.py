# Placeholder in the chain; filled by the work that owns it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_decision_speed")]
    operations = []
