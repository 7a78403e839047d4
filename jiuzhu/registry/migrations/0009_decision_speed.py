# The tier assessment at a million households (issue 14): the inputs' hash a re-run compares to skip unchanged
# households (input_key), and the 收入记录覆盖不足 work list reading a flag column (warned) instead of parsing every
# decision's JSON facts on each INSERT for the partial index's condition; suggestions kept out of the approver's
# and the expiry indexes.
from django.db import migrations, models


def mark_warned(apps, schema_editor):
    decision = apps.get_model("registry", "TierDecision")
    decision.objects.filter(facts__has_key="warnings").exclude(facts__warnings=[]).update(warned=True)


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_worklist_indexes")]
    operations = [
        migrations.RemoveIndex(model_name="tierdecision", name="tier_pending_warned"),
        migrations.AddField(model_name="tierdecision", name="input_key",
                            field=models.BigIntegerField(blank=True, null=True)),
        migrations.AddField(model_name="tierdecision", name="warned",
                            field=models.BooleanField(db_default=False, default=False)),
        migrations.RunPython(mark_warned, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(condition=models.Q(("status", "recommended"), ("warned", True)), fields=["household"],
                               name="tier_pending_warned"),
        ),
        # Suggestions (no approver, no validity yet) stay out of these two: two index entries fewer per row written.
        migrations.RemoveIndex(model_name="tierdecision", name="tier_decided_by"),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(condition=models.Q(("decided_by__isnull", False)), fields=["decided_by", "decided_at"],
                               name="tier_decided_by"),
        ),
        migrations.RemoveIndex(model_name="tierdecision", name="tier_status_valid_to"),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(condition=models.Q(("valid_to__isnull", False)), fields=["status", "valid_to"],
                               name="tier_status_valid_to"),
        ),
    ]
