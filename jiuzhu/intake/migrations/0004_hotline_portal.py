# The hotline and portal part: failed progress checks on the public portal (its rate limit).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_referrals")]
    operations = [
        migrations.CreateModel(
            name="PortalAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("client_hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "进度查询失败记录",
                "indexes": [models.Index(fields=["client_hash", "at"], name="portal_attempt_client"),
                            models.Index(fields=["at"], name="portal_attempt_at")],
            },
        ),
    ]
