# Hand-written: the sign-in lockout moved to django-axes (its AccessAttempt table), so the
# hand-written counter goes. Running lockouts are not carried over: they end within 15 minutes anyway.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_task_runs"),
    ]

    operations = [
        migrations.DeleteModel(name="SignInThrottle"),
    ]
