# Squashes 3 migrations (0003_water … 0004_merge_0003_air_0003_water) made on parallel branches and joined by merge
# migrations: air and water monitoring. Their operations are kept verbatim, in the order `migrate` applied them to an
# empty database; a database that has applied all of them records this one as applied and runs nothing (Django's
# squash semantics). The replaced files are gone (none was deployed): a database that applied only some of them cannot
# move on.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ('tracker', '0003_water'),
        ('tracker', '0003_air'),
        ('tracker', '0004_merge_0003_air_0003_water'),
    ]

    dependencies = [
        ('tracker', '0002_api_token'),
    ]

    operations = [
        # --- 0003_water ---
        migrations.CreateModel(
            name='River',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=40, unique=True, verbose_name='河流名称')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
            ],
            options={
                'verbose_name': '河流',
                'verbose_name_plural': '河流',
                'ordering': ['sort_order', 'name'],
            },
        ),
        migrations.CreateModel(
            name='DrinkingWaterSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='水源地名称')),
                ('level', models.CharField(choices=[('county', '县级及以上'), ('township', '乡镇')], max_length=12, verbose_name='级别')),
                ('protection_status', models.CharField(choices=[('delineated', '已划定并规范化建设'), ('partial', '已划定，设施待完善'), ('pending', '划定中'), ('problem', '存在环境问题')], max_length=12, verbose_name='保护区状态')),
                ('last_inspection', models.DateField(blank=True, null=True, verbose_name='最近检查日期')),
                ('notes', models.TextField(blank=True, verbose_name='备注')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='drinking_sources', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '饮用水水源地',
                'verbose_name_plural': '饮用水水源地',
                'ordering': ['unit__sort_order', 'level', 'name'],
            },
        ),
        migrations.CreateModel(
            name='SewageOutlet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40, unique=True, verbose_name='排口编码')),
                ('name', models.CharField(max_length=80, verbose_name='排口名称')),
                ('outlet_type', models.CharField(choices=[('industrial', '工业排污口'), ('municipal', '城镇生活污水排污口'), ('agricultural', '农业排口'), ('other', '其他排口')], max_length=16, verbose_name='排口类型')),
                ('step', models.CharField(choices=[('survey', '排查'), ('monitor', '监测'), ('trace', '溯源'), ('remediate', '整治'), ('done', '完成')], default='survey', max_length=12, verbose_name='当前环节')),
                ('deadline', models.DateField(verbose_name='整治时限')),
                ('version', models.PositiveIntegerField(default=0, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                ('river', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outlets', to='tracker.river', verbose_name='受纳水体')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sewage_outlets', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '入河排污口',
                'verbose_name_plural': '入河排污口',
                'ordering': ['unit__sort_order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='OutletStepChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_step', models.CharField(blank=True, choices=[('survey', '排查'), ('monitor', '监测'), ('trace', '溯源'), ('remediate', '整治'), ('done', '完成')], max_length=12, verbose_name='原环节')),
                ('to_step', models.CharField(choices=[('survey', '排查'), ('monitor', '监测'), ('trace', '溯源'), ('remediate', '整治'), ('done', '完成')], max_length=12, verbose_name='新环节')),
                ('created_at', models.DateTimeField(verbose_name='操作时间')),
                ('work_date', models.DateField(verbose_name='工作日期')),
                ('note', models.TextField(verbose_name='说明')),
                ('document', models.FileField(blank=True, max_length=255, upload_to='', verbose_name='方案/佐证材料')),
                ('document_name', models.CharField(blank=True, max_length=120, verbose_name='原文件名')),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('outlet', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='tracker.sewageoutlet', verbose_name='排口')),
            ],
            options={
                'verbose_name': '排口环节变更',
                'verbose_name_plural': '排口环节变更',
                'ordering': ['outlet', 'created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='WaterSection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=30, unique=True, verbose_name='断面编码')),
                ('name', models.CharField(max_length=60, verbose_name='断面名称')),
                ('level', models.CharField(choices=[('national', '国考'), ('provincial', '省考'), ('city', '市考')], max_length=12, verbose_name='考核级别')),
                ('target_class', models.PositiveSmallIntegerField(choices=[(1, 'Ⅰ类'), (2, 'Ⅱ类'), (3, 'Ⅲ类'), (4, 'Ⅳ类'), (5, 'Ⅴ类'), (6, '劣Ⅴ类')], verbose_name='目标水质类别')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('river', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sections', to='tracker.river', verbose_name='所在河流')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='water_sections', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '水质断面',
                'verbose_name_plural': '水质断面',
                'ordering': ['river__sort_order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='WaterMonthlyReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='该月第一天', verbose_name='月份')),
                ('do', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='溶解氧')),
                ('codmn', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='高锰酸盐指数')),
                ('cod', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='化学需氧量')),
                ('bod5', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='五日生化需氧量')),
                ('nh3n', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='氨氮')),
                ('tp', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='总磷')),
                ('water_class', models.PositiveSmallIntegerField(choices=[(1, 'Ⅰ类'), (2, 'Ⅱ类'), (3, 'Ⅲ类'), (4, 'Ⅳ类'), (5, 'Ⅴ类'), (6, '劣Ⅴ类')], null=True, verbose_name='水质类别')),
                ('compliant', models.BooleanField(null=True, verbose_name='达标')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='tracker.watersection', verbose_name='断面')),
            ],
            options={
                'verbose_name': '断面月度监测',
                'verbose_name_plural': '断面月度监测',
                'ordering': ['section', 'month'],
            },
        ),
        migrations.AddIndex(
            model_name='sewageoutlet',
            index=models.Index(fields=['unit', 'step'], name='tracker_sew_unit_id_9ba8ba_idx'),
        ),
        migrations.AddConstraint(
            model_name='sewageoutlet',
            constraint=models.CheckConstraint(condition=models.Q(('step__in', ['survey', 'monitor', 'trace', 'remediate', 'done'])), name='sewage_outlet_step_valid'),
        ),
        migrations.AddConstraint(
            model_name='sewageoutlet',
            constraint=models.CheckConstraint(condition=models.Q(('outlet_type__in', ['industrial', 'municipal', 'agricultural', 'other'])), name='sewage_outlet_type_valid'),
        ),
        migrations.AddIndex(
            model_name='outletstepchange',
            index=models.Index(fields=['to_step', 'work_date'], name='tracker_out_to_step_bd1e3c_idx'),
        ),
        migrations.AddConstraint(
            model_name='outletstepchange',
            constraint=models.CheckConstraint(condition=models.Q(('to_step__in', ['survey', 'monitor', 'trace', 'remediate', 'done'])), name='outlet_change_to_step_valid'),
        ),
        migrations.AddConstraint(
            model_name='outletstepchange',
            constraint=models.CheckConstraint(condition=models.Q(('from_step', ''), ('from_step__in', ['survey', 'monitor', 'trace', 'remediate', 'done']), _connector='OR'), name='outlet_change_from_step_valid'),
        ),
        migrations.AddConstraint(
            model_name='watersection',
            constraint=models.CheckConstraint(condition=models.Q(('target_class__gte', 1), ('target_class__lte', 6)), name='water_section_target'),
        ),
        migrations.AddIndex(
            model_name='watermonthlyreading',
            index=models.Index(fields=['month'], name='tracker_wat_month_442c2d_idx'),
        ),
        migrations.AddConstraint(
            model_name='watermonthlyreading',
            constraint=models.UniqueConstraint(fields=('section', 'month'), name='water_reading_section_month'),
        ),
        migrations.AddConstraint(
            model_name='watermonthlyreading',
            constraint=models.CheckConstraint(condition=models.Q(('month__day', 1)), name='water_reading_month_first_day'),
        ),
        migrations.AddConstraint(
            model_name='watermonthlyreading',
            constraint=models.CheckConstraint(condition=models.Q(('water_class__isnull', True), models.Q(('water_class__gte', 1), ('water_class__lte', 6)), _connector='OR'), name='water_reading_class_range'),
        ),
        # --- 0003_air ---
        migrations.CreateModel(
            name='AirStation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=20, unique=True, verbose_name='站点编码')),
                ('name', models.CharField(max_length=60, verbose_name='站点名称')),
                ('level', models.CharField(choices=[('national', '国控'), ('provincial', '省控'), ('city', '市控')], max_length=12, verbose_name='站点级别')),
                ('lon', models.FloatField(blank=True, null=True, verbose_name='经度')),
                ('lat', models.FloatField(blank=True, null=True, verbose_name='纬度')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='air_stations', to='tracker.unit', verbose_name='所在单位')),
                ('war_zone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='air_stations', to='tracker.warzone', verbose_name='所属战区')),
            ],
            options={
                'verbose_name': '空气监测站点',
                'verbose_name_plural': '空气监测站点',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='AirDailyReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='日期')),
                ('so2', models.FloatField(blank=True, null=True, verbose_name='SO₂')),
                ('no2', models.FloatField(blank=True, null=True, verbose_name='NO₂')),
                ('pm10', models.FloatField(blank=True, null=True, verbose_name='PM10')),
                ('co', models.FloatField(blank=True, null=True, verbose_name='CO (mg/m³)')),
                ('o3_8h', models.FloatField(blank=True, null=True, verbose_name='O₃ 日最大8小时')),
                ('pm25', models.FloatField(blank=True, null=True, verbose_name='PM2.5')),
                ('aqi', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='AQI')),
                ('category', models.CharField(blank=True, max_length=8, verbose_name='类别')),
                ('primary_pollutants', models.CharField(blank=True, max_length=40, verbose_name='首要污染物')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('station', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='tracker.airstation', verbose_name='站点')),
            ],
            options={
                'verbose_name': '空气日数据',
                'verbose_name_plural': '空气日数据',
                'ordering': ['station', 'date'],
            },
        ),
        migrations.CreateModel(
            name='Measure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=30, unique=True, verbose_name='任务编号')),
                ('title', models.CharField(max_length=200, verbose_name='任务名称')),
                ('description', models.TextField(blank=True, verbose_name='工作要求')),
                ('area', models.CharField(choices=[('air', '大气'), ('water', '水'), ('soil', '土壤'), ('wastefree', '无废城市')], max_length=12, verbose_name='领域')),
                ('source_type', models.CharField(blank=True, choices=[('industrial', '工业源'), ('mobile', '移动源'), ('dust', '扬尘源'), ('domestic', '生活源')], max_length=12, verbose_name='污染源类型')),
                ('responsible_person', models.CharField(max_length=40, verbose_name='责任人')),
                ('deadline', models.DateField(verbose_name='完成时限')),
                ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='形象进度 (%)')),
                ('last_report_date', models.DateField(blank=True, null=True, verbose_name='最近报告日期')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measures', to='tracker.unit', verbose_name='责任单位')),
                ('war_zone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='measures', to='tracker.warzone', verbose_name='所属战区')),
            ],
            options={
                'verbose_name': '攻坚任务',
                'verbose_name_plural': '攻坚任务',
                'ordering': ['deadline', 'code'],
            },
        ),
        migrations.CreateModel(
            name='MeasureProgressReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='报告日期')),
                ('progress', models.PositiveSmallIntegerField(verbose_name='形象进度 (%)')),
                ('note', models.TextField(verbose_name='进展情况')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='填报时间')),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='tracker.measure', verbose_name='任务')),
                ('reported_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='填报人')),
            ],
            options={
                'verbose_name': '任务进展报告',
                'verbose_name_plural': '任务进展报告',
                'ordering': ['-date', '-created_at'],
            },
        ),
        migrations.AddConstraint(
            model_name='airstation',
            constraint=models.CheckConstraint(condition=models.Q(('lon__isnull', True), models.Q(('lon__gte', -180), ('lon__lte', 180)), _connector='OR'), name='airstation_lon'),
        ),
        migrations.AddConstraint(
            model_name='airstation',
            constraint=models.CheckConstraint(condition=models.Q(('lat__isnull', True), models.Q(('lat__gte', -90), ('lat__lte', 90)), _connector='OR'), name='airstation_lat'),
        ),
        migrations.AddIndex(
            model_name='airdailyreading',
            index=models.Index(fields=['date'], name='airreading_date'),
        ),
        migrations.AddConstraint(
            model_name='airdailyreading',
            constraint=models.UniqueConstraint(fields=('station', 'date'), name='airreading_one_per_station_day'),
        ),
        migrations.AddConstraint(
            model_name='airdailyreading',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('so2__isnull', True), ('so2__gte', 0), _connector='OR'), models.Q(('no2__isnull', True), ('no2__gte', 0), _connector='OR'), models.Q(('pm10__isnull', True), ('pm10__gte', 0), _connector='OR'), models.Q(('co__isnull', True), ('co__gte', 0), _connector='OR'), models.Q(('o3_8h__isnull', True), ('o3_8h__gte', 0), _connector='OR'), models.Q(('pm25__isnull', True), ('pm25__gte', 0), _connector='OR')), name='airreading_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='measure',
            constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='measure_progress_max_100'),
        ),
        migrations.AddConstraint(
            model_name='measure',
            constraint=models.CheckConstraint(condition=models.Q(('area', 'air'), ('source_type', ''), _connector='OR'), name='measure_source_type_only_for_air'),
        ),
        migrations.AddConstraint(
            model_name='measureprogressreport',
            constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='measurereport_progress_max_100'),
        ),
        # --- 0004_merge_0003_air_0003_water ---
        # (a merge: no operations)
    ]
