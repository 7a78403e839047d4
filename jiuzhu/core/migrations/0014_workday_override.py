# Placeholder in the migration chain for the administrator's working-day overrides (intake's referrals part).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0013_justice_department")]
    operations: list = []
