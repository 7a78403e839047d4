"""The seeded indicator catalogue (monitoring/indicators_seed.py): 24 indicators in the four classes, each
with a national default version on every province (core's region tree has no national node)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from jiuzhu.monitoring.indicators_seed import seed_indicators

    seed_indicators(apps.get_model("monitoring", "Indicator"), apps.get_model("monitoring", "IndicatorVersion"),
                    apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_feeds"), ("core", "0003_load_regions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
