# The street part's models: sightings (发现报告), station locations, patrol teams, patrols, weather alerts.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rescue", "0001_cases"), ("intake", "0005_scope_path"),
                    migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name='PatrolTeam',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='巡查队名称')),
                ('area', models.CharField(help_text='如：火车站、汽车站、城区桥洞、银行自助厅', max_length=300, verbose_name='巡查区域')),
                ('is_active', models.BooleanField(default=True, verbose_name='在用')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('members', models.ManyToManyField(blank=True, related_name='patrol_teams', to=settings.AUTH_USER_MODEL, verbose_name='队员')),
                ('station', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='patrol_teams', to='core.organization', verbose_name='救助管理站')),
            ],
            options={
                'verbose_name': '巡查队',
                'verbose_name_plural': '巡查队',
            },
        ),
        migrations.CreateModel(
            name='Patrol',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shift_start', models.DateTimeField(verbose_name='开始时间')),
                ('shift_end', models.DateTimeField(verbose_name='结束时间')),
                ('area', models.CharField(max_length=300, verbose_name='巡查区域')),
                ('campaign', models.CharField(blank=True, choices=[('', '无专项行动'), ('winter', '寒冬送温暖'), ('summer', '夏季送清凉')], max_length=10, verbose_name='专项行动')),
                ('weather_alert', models.BooleanField(default=False, verbose_name='极端天气预警期间')),
                ('status', models.CharField(choices=[('planned', '已排班'), ('recorded', '已巡查'), ('cancelled', '已取消')], default='planned', max_length=10, verbose_name='状态')),
                ('findings', models.TextField(blank=True, max_length=2000, verbose_name='巡查情况')),
                ('recorded_at', models.DateTimeField(blank=True, null=True)),
                ('planned_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.region', verbose_name='巡查地区')),
                ('station', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organization', verbose_name='救助管理站')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='patrols', to='rescue.patrolteam', verbose_name='巡查队')),
            ],
            options={
                'verbose_name': '街面巡查',
                'verbose_name_plural': '街面巡查',
                'ordering': ['-shift_start', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Sighting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reporter_kind', models.CharField(choices=[('citizen', '群众（网上报告）'), ('hotline', '救助热线'), ('police', '公安'), ('city_management', '城管'), ('sanitation', '环卫工人'), ('driver', '出租车、网约车司机'), ('patrol', '街面巡查'), ('other', '其他')], max_length=20, verbose_name='报告来源')),
                ('reporter_name', models.CharField(blank=True, max_length=50, verbose_name='报告人')),
                ('reporter_phone', models.CharField(blank=True, max_length=20, verbose_name='报告人电话')),
                ('region_path', models.CharField(max_length=120)),
                ('place', models.CharField(max_length=200, verbose_name='发现地点')),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='纬度')),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='经度')),
                ('coordinate_system', models.CharField(blank=True, choices=[('wgs84', '手机定位、卫星定位的经纬度'), ('gcj02', '高德、腾讯等国内地图上的经纬度')], max_length=10, verbose_name='录入坐标系')),
                ('seen_at', models.DateTimeField(verbose_name='发现时间')),
                ('description', models.TextField(max_length=2000, verbose_name='情况描述')),
                ('photo_key', models.CharField(blank=True, max_length=64)),
                ('photo_content_type', models.CharField(blank=True, max_length=40)),
                ('reported_at', models.DateTimeField(verbose_name='报告时间')),
                ('source_ref', models.CharField(blank=True, max_length=60)),
                ('client_hash', models.CharField(blank=True, max_length=64)),
                ('status', models.CharField(choices=[('reported', '待派遣'), ('dispatched', '已派遣，待接触'), ('contacted', '已接触，待处置'), ('closed', '已处置')], default='reported', max_length=12, verbose_name='状态')),
                ('dispatched_at', models.DateTimeField(blank=True, null=True, verbose_name='派遣时间')),
                ('dispatch_distance_m', models.PositiveIntegerField(blank=True, null=True, verbose_name='距救助站（米）')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='rescue.patrolteam', verbose_name='派给巡查队')),
                ('contacted_at', models.DateTimeField(blank=True, null=True, verbose_name='首次接触时间')),
                ('contact_note', models.CharField(blank=True, max_length=500, verbose_name='接触情况')),
                ('outcome', models.CharField(blank=True, choices=[('brought_in', '引导（护送）入站'), ('hospital', '送医救治'), ('refused', '拒绝救助'), ('not_found', '未找到')], max_length=12, verbose_name='处置结果')),
                ('outcome_at', models.DateTimeField(blank=True, null=True, verbose_name='处置时间')),
                ('outcome_note', models.CharField(blank=True, max_length=500, verbose_name='处置说明')),
                ('left_food', models.BooleanField(default=False, verbose_name='留下食物')),
                ('left_clothing', models.BooleanField(default=False, verbose_name='留下衣被')),
                ('left_information', models.BooleanField(default=False, verbose_name='告知救助信息')),
                ('hospital_name', models.CharField(blank=True, max_length=100, verbose_name='送往医院')),
                ('case_id', models.BigIntegerField(blank=True, null=True, verbose_name='救助记录编号')),
                ('contacted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('outcome_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('patrol', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='rescue.patrol', verbose_name='巡查')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.region', verbose_name='发现地区')),
                ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organization', verbose_name='派遣至')),
            ],
            options={
                'verbose_name': '发现报告',
                'verbose_name_plural': '发现报告',
                'ordering': ['-reported_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='StationLocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('latitude', models.DecimalField(decimal_places=6, max_digits=9, verbose_name='纬度')),
                ('longitude', models.DecimalField(decimal_places=6, max_digits=9, verbose_name='经度')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('set_at', models.DateTimeField(auto_now=True, verbose_name='设定时间')),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('station', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='street_location', to='core.organization', verbose_name='救助管理站')),
            ],
            options={
                'verbose_name': '救助管理站位置',
                'verbose_name_plural': '救助管理站位置',
            },
        ),
        migrations.CreateModel(
            name='WeatherAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('cold', '寒潮、低温、冰冻'), ('heat', '高温'), ('storm', '暴雨、台风'), ('other', '其他极端天气')], max_length=10, verbose_name='预警类型')),
                ('starts_on', models.DateField(verbose_name='开始日期')),
                ('ends_on', models.DateField(verbose_name='结束日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='预警内容')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.region', verbose_name='预警地区')),
            ],
            options={
                'verbose_name': '极端天气预警',
                'verbose_name_plural': '极端天气预警',
            },
        ),
        migrations.AddConstraint(
            model_name='patrolteam',
            constraint=models.UniqueConstraint(fields=('station', 'name'), name='rescue_patrol_team_name'),
        ),
        migrations.AddIndex(
            model_name='patrol',
            index=models.Index(fields=['station', '-shift_start'], name='rescue_patrol_station'),
        ),
        migrations.AddConstraint(
            model_name='patrol',
            constraint=models.CheckConstraint(condition=models.Q(('shift_end__gt', models.F('shift_start'))), name='rescue_patrol_shift_order'),
        ),
        migrations.AddIndex(
            model_name='sighting',
            index=models.Index(fields=['station', 'status', '-reported_at'], name='rescue_sighting_station'),
        ),
        migrations.AddIndex(
            model_name='sighting',
            index=models.Index(fields=['client_hash', 'reported_at'], name='rescue_sighting_client'),
        ),
        migrations.AddConstraint(
            model_name='sighting',
            constraint=models.UniqueConstraint(condition=models.Q(('source_ref', ''), _negated=True), fields=('source_ref',), name='rescue_sighting_source_once'),
        ),
        migrations.AddConstraint(
            model_name='sighting',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome__gt', ''), ('status', 'closed')), models.Q(models.Q(('status', 'closed'), _negated=True), ('outcome', '')), _connector='OR'), name='rescue_sighting_outcome_when_closed'),
        ),
        migrations.AddConstraint(
            model_name='weatheralert',
            constraint=models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='rescue_alert_dates'),
        ),
    ]
