from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_region_paths(apps, schema_editor):
    """One UPDATE … SET region_path = (the region's path): set-based, however many applications there are."""
    Application = apps.get_model("intake", "Application")
    Region = apps.get_model("core", "Region")
    Application.objects.update(region_path=Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0014_workday_override"),
        ("intake", "0004_hotline_portal"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="region_path",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.RunPython(copy_region_paths, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["region_path"], name="application_scope", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(condition=models.Q(("status__in", ["submitted", "materials_pending", "in_progress"]),
                                                  ("overdue_notified_on__isnull", False)),
                               fields=["region_path"], name="application_overdue", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["channel", "-submitted_at", "-id"], name="application_channel"),
        ),
    ]
