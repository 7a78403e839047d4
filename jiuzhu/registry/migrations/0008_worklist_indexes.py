# Indexes of the home work lists (registry/worklist.py); each count is a capped, indexed query.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_list_indexes")]
    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(("death_date__isnull", False)), fields=["death_date"],
                               name="person_deceased"),
        ),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["status", "created_at"], name="tier_status_created"),
        ),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["status", "valid_to"], name="tier_status_valid_to"),
        ),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(condition=models.Q(("status", "recommended"), ("facts__has_key", "warnings")),
                               fields=["status", "household"], name="tier_pending_warned"),
        ),
    ]
