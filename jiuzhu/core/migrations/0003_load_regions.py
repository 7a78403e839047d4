"""The national province/city/county tree (GB/T 2260, from python-stdnum) with cpca centroids."""

from django.db import migrations


def forwards(apps, schema_editor):
    from jiuzhu.core.regions import load_national_regions

    load_national_regions(apps.get_model("core", "Region"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
