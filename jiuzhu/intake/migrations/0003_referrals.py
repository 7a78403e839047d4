# The referrals part: partial indexes for the work lists at 1M applications.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_window")]
    operations = [
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status', 'returned')), fields=['application_item'], name='referral_returned'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('overdue_notified_on__isnull', False), ('status__in', ('sent', 'accepted'))), fields=['due_date'], name='referral_overdue'),
        ),
    ]
