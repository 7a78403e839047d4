# The administrator's working-day overrides (core/workdays.py), consulted before chinese-calendar.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0013_justice_department")]
    operations: list = [
        migrations.CreateModel(
            name="WorkdayOverride",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="日期")),
                ("is_working_day", models.BooleanField(verbose_name="是否工作日")),
                ("note", models.CharField(max_length=200, verbose_name="依据")),
                ("set_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="设定时间")),
                ("set_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to=settings.AUTH_USER_MODEL, verbose_name="设定人")),
            ],
            options={"verbose_name": "工作日调整", "verbose_name_plural": "工作日调整", "ordering": ["day"]},
        ),
    ]
