# The approver's queue (registry/queue_views.py): pending decisions oldest first, keyset by id, optionally by the
# suggested tier.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_roster_benefits")]
    operations = [
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["status", "id"], name="tier_queue"),
        ),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["status", "recommended_tier", "id"], name="tier_queue_tier"),
        ),
    ]
