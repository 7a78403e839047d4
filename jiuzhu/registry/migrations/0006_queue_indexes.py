# The approver's queue (registry/queue_views.py): pending decisions oldest first, keyset by id, optionally by the
# suggested tier; the approver's own latest decisions (本人最近审批, for undo).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_roster_benefits"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        # decided_by's own index duplicated the first column of tier_decided_by (which serves every lookup by
        # approver, and the PROTECT check when a user is deleted): one index fewer for each decision written.
        migrations.AlterField(
            model_name="tierdecision", name="decided_by",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to=settings.AUTH_USER_MODEL),
        ),
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
