# Warning handling (issue 16): field visits, referrals, case conferences, terminations, kept files; overdue stamp.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0003_rules'),
        ('registry', '0011_load_speed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='warning',
            name='overdue_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='超期标记时间'),
        ),
        migrations.CreateModel(
            name='WarningConference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('held_on', models.DateField(verbose_name='议事日期')),
                ('participants', models.CharField(max_length=300, verbose_name='参会人员')),
                ('decision', models.TextField(max_length=2000, verbose_name='议定事项')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name='议定金额（元）')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='conferences', to='monitoring.warning')),
            ],
            options={
                'verbose_name': '一事一议',
            },
        ),
        migrations.CreateModel(
            name='WarningFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('visit', '核实照片或材料'), ('answer', '部门答复材料'), ('rebuttal', '未死亡证明')], max_length=10, verbose_name='用途')),
                ('original_filename', models.CharField(max_length=200, verbose_name='文件名')),
                ('content_type', models.CharField(max_length=40, verbose_name='文件格式')),
                ('size', models.PositiveIntegerField(verbose_name='大小（字节）')),
                ('sha256', models.CharField(max_length=64)),
                ('file_key', models.CharField(max_length=64, unique=True)),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='files', to='monitoring.warning')),
            ],
            options={
                'verbose_name': '预警材料',
            },
        ),
        migrations.CreateModel(
            name='WarningVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('visited_on', models.DateField(verbose_name='核实日期')),
                ('visitors', models.CharField(max_length=200, verbose_name='核实人员')),
                ('findings', models.TextField(max_length=2000, verbose_name='核实情况')),
                ('result', models.CharField(choices=[('confirmed', '情况属实'), ('partly', '部分属实'), ('not_confirmed', '情况不实')], max_length=15, verbose_name='核实结论')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('file', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='monitoring.warningfile')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='monitoring.warning')),
            ],
            options={
                'verbose_name': '入户核实',
            },
        ),
        migrations.CreateModel(
            name='WarningReferral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('request', models.CharField(max_length=500, verbose_name='转介事项')),
                ('due_date', models.DateField(verbose_name='答复期限')),
                ('referred_at', models.DateTimeField(auto_now_add=True)),
                ('answer', models.TextField(blank=True, max_length=2000, verbose_name='部门答复')),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('answer_file', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='monitoring.warningfile')),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organization', verbose_name='转介部门')),
                ('referred_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='monitoring.warning')),
            ],
            options={
                'verbose_name': '转介部门',
                'indexes': [models.Index(fields=['organization', 'answered_at', 'due_date'], name='referral_inbox')],
            },
        ),
        migrations.CreateModel(
            name='WarningTermination',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('end_date', models.DateField(verbose_name='终止日期')),
                ('reason', models.CharField(max_length=300, verbose_name='终止理由')),
                ('status', models.CharField(choices=[('pending', '待审批'), ('approved', '已停保'), ('rejected', '未批准')], default='pending', max_length=10, verbose_name='状态')),
                ('proposed_at', models.DateTimeField(auto_now_add=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.CharField(blank=True, max_length=300, verbose_name='审批意见')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('grant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.assistancegrant')),
                ('proposed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('tier_decision', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.tierdecision')),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='terminations', to='monitoring.warning')),
            ],
            options={
                'verbose_name': '核查终止',
                'indexes': [models.Index(fields=['status', 'proposed_at'], name='termination_queue')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('grant__isnull', True), ('tier_decision__isnull', False)), models.Q(('grant__isnull', False), ('tier_decision__isnull', True)), _connector='OR'), name='termination_has_one_target')],
            },
        ),
    ]
