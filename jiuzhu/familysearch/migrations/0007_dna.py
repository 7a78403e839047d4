# DNA 比对 (DnaReferral), and two more kinds of match candidate: a low-income registry person (a foreign key) and a
# person of a source declared through core.candidate_sources (source, source_id), e.g. follow-up's at-risk registry.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('familysearch', '0003_notice'),
        ('registry', '0011_load_speed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DnaReferral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('requested', '已报请公安机关采血'), ('collected', '已采血送检'), ('result', '已反馈比对结果')], default='requested', max_length=10, verbose_name='状态')),
                ('requested_on', models.DateField(verbose_name='报请日期')),
                ('due_on', models.DateField(verbose_name='采血送检期限')),
                ('police_unit', models.CharField(max_length=100, verbose_name='公安机关（派出所）或采血单位')),
                ('collected_on', models.DateField(blank=True, null=True, verbose_name='采血日期')),
                ('sample_number', models.CharField(blank=True, max_length=40, verbose_name='样本编号')),
                ('result', models.CharField(choices=[('pending', '待反馈'), ('matched', '比中'), ('no_match', '未比中')], default='pending', max_length=10, verbose_name='比对结果')),
                ('result_on', models.DateField(blank=True, null=True, verbose_name='结果反馈日期')),
                ('matched_name', models.CharField(blank=True, max_length=50, verbose_name='比中人员姓名')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'DNA 比对',
                'verbose_name_plural': 'DNA 比对',
            },
        ),
        migrations.RemoveConstraint(
            model_name='matchcandidate',
            name='fs_candidate_one_other',
        ),
        migrations.AddField(
            model_name='matchcandidate',
            name='registry_person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='低收入人口库人员'),
        ),
        migrations.AddField(
            model_name='matchcandidate',
            name='source',
            field=models.CharField(blank=True, max_length=40, verbose_name='其他来源'),
        ),
        migrations.AddField(
            model_name='matchcandidate',
            name='source_id',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='其他来源编号'),
        ),
        migrations.AddConstraint(
            model_name='matchcandidate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('other_case__isnull', True), ('registry_person__isnull', True), ('report__isnull', False), ('source_id__isnull', True)), models.Q(('other_case__isnull', False), ('registry_person__isnull', True), ('report__isnull', True), ('source_id__isnull', True)), models.Q(('other_case__isnull', True), ('registry_person__isnull', False), ('report__isnull', True), ('source_id__isnull', True)), models.Q(('other_case__isnull', True), ('registry_person__isnull', True), ('report__isnull', True), ('source_id__isnull', False)), _connector='OR'), name='fs_candidate_one_other_side'),
        ),
        migrations.AddConstraint(
            model_name='matchcandidate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('source', ''), ('source_id__isnull', True)), models.Q(('source_id__isnull', False), models.Q(('source', ''), _negated=True)), _connector='OR'), name='fs_candidate_source_named'),
        ),
        migrations.AddConstraint(
            model_name='matchcandidate',
            constraint=models.UniqueConstraint(fields=('case', 'registry_person'), name='fs_candidate_case_person_once'),
        ),
        migrations.AddConstraint(
            model_name='matchcandidate',
            constraint=models.UniqueConstraint(fields=('case', 'source', 'source_id'), name='fs_candidate_case_source_once'),
        ),
        migrations.AddField(
            model_name='dnareferral',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rescue.rescuecase', verbose_name='救助记录'),
        ),
        migrations.AddField(
            model_name='dnareferral',
            name='collected_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='采血登记人'),
        ),
        migrations.AddField(
            model_name='dnareferral',
            name='requested_by',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报请人'),
        ),
        migrations.AddField(
            model_name='dnareferral',
            name='result_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='结果登记人'),
        ),
        migrations.AddIndex(
            model_name='dnareferral',
            index=models.Index(fields=['status', 'due_on'], name='fs_dna_status_due'),
        ),
        migrations.AddConstraint(
            model_name='dnareferral',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['requested', 'collected'])), fields=('case',), name='fs_dna_one_open'),
        ),
        migrations.AddConstraint(
            model_name='dnareferral',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'requested'), models.Q(('collected_on__isnull', False), models.Q(('sample_number', ''), _negated=True)), _connector='OR'), name='fs_dna_collected_has_sample'),
        ),
        migrations.AddConstraint(
            model_name='dnareferral',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'result'), _negated=True), models.Q(('result', 'pending'), _negated=True), _connector='OR'), name='fs_dna_result_decided'),
        ),
        migrations.AddConstraint(
            model_name='dnareferral',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('result', 'matched'), _negated=True), models.Q(('matched_name', ''), _negated=True), _connector='OR'), name='fs_dna_matched_has_name'),
        ),
    ]
