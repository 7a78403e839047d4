# A batch assessment compares its results with the household's live decisions (pending, confirmed,
# overridden): one decision per household (and 单人户 member) and run key among live decisions only, so
# inputs seen before may be suggested again once the earlier decision was superseded.
from django.db import migrations, models

LIVE = ["recommended", "confirmed", "overridden"]


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_documents")]

    operations = [
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
