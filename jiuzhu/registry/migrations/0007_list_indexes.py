# The household and person lists (registry/lists.py): a name prefix searched by range on the name index, and
# the 认定层级 / 待审批建议 filters reading household ids of one tier from the decisions' index alone.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_queue_indexes")]
    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name"], name="person_name"),
        ),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["tier", "status", "household"], name="tier_force_list"),
        ),
        # tier_lists (tier, status) is the beginning of tier_force_list, which serves its queries alike.
        migrations.RemoveIndex(model_name="tierdecision", name="tier_lists"),
        migrations.AddIndex(
            model_name="tierdecision",
            index=models.Index(fields=["recommended_tier", "status", "household"], name="tier_pending_list"),
        ),
    ]
