# Benefits imported with a roster (issue 15): the decision's source, class, batch and row; 特困 support;
# payment accounts (account encrypted); a person's ethnicity; the batch's content key.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_decision_basis")]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='content_key',
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name='person',
            name='ethnicity',
            field=models.CharField(blank=True, max_length=12, verbose_name='民族'),
        ),
        migrations.AddField(
            model_name='tierdecision',
            name='benefit_class',
            field=models.CharField(blank=True, choices=[('A', 'A类（一类）'), ('B', 'B类（二类）'), ('C', 'C类（三类）'), ('D', 'D类（四类）')], max_length=2, verbose_name='保障类别'),
        ),
        migrations.AddField(
            model_name='tierdecision',
            name='import_batch',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decision_rows', to='registry.importbatch'),
        ),
        migrations.AddField(
            model_name='tierdecision',
            name='import_row',
            field=models.CharField(blank=True, max_length=80, verbose_name='导入行'),
        ),
        migrations.AddField(
            model_name='tierdecision',
            name='source',
            field=models.CharField(choices=[('assessed', '评估认定'), ('imported', '名册导入')], default='assessed', max_length=10, verbose_name='来源'),
        ),
        migrations.CreateModel(
            name='DestituteSupport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('support_mode', models.CharField(blank=True, choices=[('centralized', '集中供养'), ('dispersed', '分散供养')], max_length=12, verbose_name='供养方式')),
                ('institution', models.CharField(blank=True, max_length=100, verbose_name='供养机构')),
                ('self_care', models.CharField(blank=True, choices=[('able', '生活能够自理'), ('partly', '生活部分不能自理'), ('unable', '生活完全不能自理')], max_length=8, verbose_name='自理能力')),
                ('basic_standard', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='基本生活标准（元/月）')),
                ('care_standard', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='照料护理标准（元/月）')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household')),
                ('import_batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.importbatch')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='destitute_support', to='registry.person')),
                ('tier_decision', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.tierdecision')),
            ],
            options={
                'verbose_name': '特困供养信息',
                'verbose_name_plural': '特困供养信息',
            },
        ),
        migrations.CreateModel(
            name='PaymentAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank_name', models.CharField(blank=True, max_length=60, verbose_name='开户银行')),
                ('account_cipher', models.TextField(blank=True)),
                ('account_hash', models.CharField(blank=True, db_index=True, max_length=64)),
                ('account_tail', models.CharField(blank=True, max_length=4, verbose_name='账号后四位')),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_accounts', to='registry.household')),
                ('import_batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.importbatch')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person')),
            ],
            options={
                'verbose_name': '收款账户',
                'verbose_name_plural': '收款账户',
            },
        ),
    ]
