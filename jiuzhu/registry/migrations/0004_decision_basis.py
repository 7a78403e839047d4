# A batch assessment compares its results with the household's live decisions (pending, confirmed,
# overridden): one decision per household (and 单人户 member) and run key among live decisions only, so
# inputs seen before may be suggested again once the earlier decision was superseded. The run key and the
# household have no index of their own (never looked up alone; tier_household_status serves the household):
# two indexes fewer to maintain when a run writes a million decisions.
import django.db.models.deletion
from django.db import migrations, models

LIVE = ["recommended", "confirmed", "overridden"]


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_documents")]

    operations = [
        migrations.AlterField(
            model_name="tierdecision", name="household",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="tier_decisions", to="registry.household"),
        ),
        migrations.AlterField(model_name="tierdecision", name="run_key",
                              field=models.CharField(blank=True, max_length=64)),
        migrations.RemoveConstraint(model_name="tierdecision", name="one_household_decision_per_run"),
        migrations.RemoveConstraint(model_name="tierdecision", name="one_member_decision_per_run"),
        migrations.AddConstraint(
            model_name="tierdecision",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("run_key", ""), _negated=True), ("person__isnull", True),
                                   ("status__in", LIVE)),
                fields=("household", "run_key"), name="one_household_decision_per_run"),
        ),
        migrations.AddConstraint(
            model_name="tierdecision",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("run_key", ""), _negated=True), ("person__isnull", False),
                                   ("status__in", LIVE)),
                fields=("household", "person", "run_key"), name="one_member_decision_per_run"),
        ),
    ]
