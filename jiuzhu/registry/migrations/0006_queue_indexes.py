# The approver's queue (registry/queue_views.py): pending decisions oldest first, keyset by id, optionally by the
# suggested tier; the approver's own latest decisions (本人最近审批, for undo).
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
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["decided_by", "decided_at"], name="tier_decided_by"),
        ),
    ]
