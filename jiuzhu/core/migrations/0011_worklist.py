# The auditors' work list counts recent rows of one action (disclosure limits): an index on (action, at).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0010_user_admin")]
    operations = [
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["action", "at"], name="audit_action_at"),
        ),
    ]
