"""Means-test entries are voided with a reason, never deleted (issue 14)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.AddField(model_name="incomeitem", name="voided_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间")),
        migrations.AddField(model_name="incomeitem", name="voided_by",
                            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="作废人")),
        migrations.AddField(model_name="incomeitem", name="void_reason",
                            field=models.CharField(blank=True, max_length=200, verbose_name="作废理由")),
        migrations.AddField(model_name="asset", name="voided_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间")),
        migrations.AddField(model_name="asset", name="voided_by",
                            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="作废人")),
        migrations.AddField(model_name="asset", name="void_reason",
                            field=models.CharField(blank=True, max_length=200, verbose_name="作废理由")),
        migrations.AddField(model_name="expense", name="voided_at",
                            field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间")),
        migrations.AddField(model_name="expense", name="voided_by",
                            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="作废人")),
        migrations.AddField(model_name="expense", name="void_reason",
                            field=models.CharField(blank=True, max_length=200, verbose_name="作废理由")),
    ]
