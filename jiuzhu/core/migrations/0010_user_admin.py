# User management by administrators (issue 14): an account created or reset by an administrator must change
# its password at the next sign-in.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0009_region_import")]
    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改密码"),
        ),
    ]
