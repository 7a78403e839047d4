# The hotline and portal part: the public portal's limits per client address (failed checks, applications).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_referrals")]
    operations = [
        migrations.CreateModel(
            name="PortalAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("purpose", models.CharField(choices=[("status", "进度查询失败"), ("apply", "网上申请")],
                                             default="status", max_length=10)),
                ("client_hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "门户访问限制记录",
                "indexes": [models.Index(fields=["client_hash", "at"], name="portal_attempt_client"),
                            models.Index(fields=["at"], name="portal_attempt_at")],
            },
        ),
    ]
