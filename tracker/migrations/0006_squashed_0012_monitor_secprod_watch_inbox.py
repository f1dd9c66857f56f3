# Squashes 16 migrations (0006_monitor_water_body … 0012_merge_0008_entry_inbox_0011_merge_20261201_0148) made on
# parallel branches and joined by merge migrations: water bodies, calendar, air assessment, trophic state; data
# versions; token expiry; the environmental watch; the inbox. Their operations are kept verbatim, in the order
# `migrate` applied them to an empty database; a database that has applied all of them records this one as applied and
# runs nothing (Django's squash semantics). The replaced files are gone (none was deployed): a database that applied
# only some of them cannot move on.

import django.db.models.deletion
import django.utils.timezone
import tracker.models.api
import tracker.models.enterprises
from django.conf import settings
from django.db import migrations, models
from tracker import versions


# from 0006_monitor_water_body
def reassess(apps, schema_editor):
    """Existing readings: class, compliance, completeness and 定类因子 by the rules of this migration (all rivers
    until an admin marks lakes and reservoirs; the ingest service recomputes on every write)."""
    from tracker.standards import water_reading_assess

    Reading = apps.get_model("tracker", "WaterMonthlyReading")
    params = ("do", "codmn", "cod", "bod5", "nh3n", "tp")
    batch = []
    for r in Reading.objects.select_related("section").iterator(chunk_size=2000):
        values = {p: (float(getattr(r, p)) if getattr(r, p) is not None else None) for p in params}
        a = water_reading_assess(values, target_rank=r.section.target_class)
        r.water_class, r.compliant, r.data_complete = a.rank, a.compliant, a.complete
        r.limiting_factors = ",".join(a.limiting_factors)
        batch.append(r)
    Reading.objects.bulk_update(batch, ["water_class", "compliant", "data_complete", "limiting_factors"], 2000)


# from 0007_data_version
# The tables watched then (a migration never reads the growing versions.WATCHED_TABLES).
VERSION_TABLES = (
    "rectifications_rectificationitem",
    "rectifications_transition",
    "rectifications_notice",
    "tracker_measure",
    "tracker_measureprogressreport",
    "projects_project",
    "projects_payment",
    "projects_progressreport",
    "projects_stagechange",
    "tracker_airdailyreading",
    "tracker_airstation",
    "tracker_watermonthlyreading",
    "tracker_watersection",
    "tracker_sewageoutlet",
    "tracker_unit",
    "tracker_warzone",
)


def attach(apps, schema_editor):
    versions.attach(schema_editor, VERSION_TABLES, log=False)  # the first design (counters), frozen here


# from 0007_data_version
def detach(apps, schema_editor):
    versions.detach(schema_editor, VERSION_TABLES)


# from 0009_watch_drinking_readings
def drop_drinking_rules(apps, schema_editor):
    """Going back to before drinking-water rules: their warnings and rules cannot exist under the old checks.
    Plain SQL in dependency order (the historical models' cascades do not follow the rectification item's link)."""
    rules = "SELECT id FROM tracker_warningrule WHERE source = 'drinking'"
    warnings = f"SELECT id FROM tracker_monitoringwarning WHERE rule_id IN ({rules})"
    connection = schema_editor.connection
    # check the deferred foreign keys now, so the constraint changes that follow see no pending trigger events
    immediate = connection.vendor == "postgresql"
    if immediate:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.cursor() as cursor:
        item_columns = {c.name for c in connection.introspection.get_table_description(cursor, "rectifications_rectificationitem")}
    if "source_warning_id" in item_columns:  # the item's link exists while rectifications' watch migration is applied
        schema_editor.execute(
            f"UPDATE rectifications_rectificationitem SET source_warning_id = NULL WHERE source_warning_id IN ({warnings})"
        )
    for statement in (
        f"DELETE FROM tracker_warningreading WHERE warning_id IN ({warnings})",
        f"DELETE FROM tracker_warningevent WHERE warning_id IN ({warnings})",
        f"DELETE FROM tracker_monitoringwarning WHERE rule_id IN ({rules})",
        "DELETE FROM tracker_warningrule WHERE source = 'drinking'",
    ):
        schema_editor.execute(statement)
    if immediate:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    replaces = [
        ('tracker', '0006_monitor_water_body'),
        ('tracker', '0007_monitor_calendar'),
        ('tracker', '0008_monitor_air_assessment'),
        ('tracker', '0009_monitor_trophic'),
        ('tracker', '0007_data_version'),
        ('tracker', '0006_secprod_token_expiry'),
        ('tracker', '0008_merge_0006_secprod_token_expiry_0007_data_version'),
        ('tracker', '0009_merge_20261201_0129'),
        ('tracker', '0010_merge_0009_merge_20261201_0129_0009_monitor_trophic'),
        ('tracker', '0006_watch_rules_warnings'),
        ('tracker', '0007_watch_enterprises'),
        ('tracker', '0008_watch_rural_plants'),
        ('tracker', '0009_watch_drinking_readings'),
        ('tracker', '0011_merge_20261201_0148'),
        ('tracker', '0008_entry_inbox'),
        ('tracker', '0012_merge_0008_entry_inbox_0011_merge_20261201_0148'),
    ]

    dependencies = [
        ('tracker', '0005_audit'),
        ('projects', '0001_initial'),
        ('rectifications', '0001_initial'),
    ]

    operations = [
        # --- 0006_monitor_water_body ---
        migrations.AddField(
            model_name='river',
            name='main_battlefield',
            field=models.BooleanField(default=False, help_text='讲话点名的水污染防治主战场河流（岷江、大渡河、茫溪河等）', verbose_name='主战场'),
        ),
        migrations.AddField(
            model_name='river',
            name='water_body',
            field=models.CharField(choices=[('river', '河流'), ('lake', '湖泊'), ('reservoir', '水库')], default='river', max_length=10, verbose_name='水体类型'),
        ),
        migrations.AddField(
            model_name='watermonthlyreading',
            name='data_complete',
            field=models.BooleanField(default=True, verbose_name='数据齐全'),
        ),
        migrations.AddField(
            model_name='watermonthlyreading',
            name='limiting_factors',
            field=models.CharField(blank=True, max_length=60, verbose_name='定类因子'),
        ),
        migrations.AddField(
            model_name='watermonthlyreading',
            name='tn',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='湖库单独评价，不参与定类', max_digits=7, null=True, verbose_name='总氮'),
        ),
        migrations.AddField(
            model_name='watersection',
            name='water_body',
            field=models.CharField(blank=True, choices=[('river', '河流'), ('lake', '湖泊'), ('reservoir', '水库')], help_text='留空则取所在河流（湖库）的水体类型；湖泊、水库按 GB 3838 表1 湖库总磷限值评价。', max_length=10, verbose_name='水体类型'),
        ),
        migrations.RunPython(reassess, migrations.RunPython.noop),
        # --- 0007_monitor_calendar ---
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('holiday', '法定节假日（休息）'), ('workday', '调休上班日')], max_length=10, verbose_name='类型')),
                ('name', models.CharField(help_text='如：国庆节、春节调休上班', max_length=40, verbose_name='名称')),
            ],
            options={
                'verbose_name': '节假日与调休',
                'verbose_name_plural': '节假日与调休',
                'ordering': ['date'],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['holiday', 'workday'])), name='calendar_day_kind')],
            },
        ),
        # --- 0008_monitor_air_assessment ---
        migrations.CreateModel(
            name='SandDustDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='日期')),
                ('note', models.CharField(help_text='如：省生态环境厅沙尘过程认定文件', max_length=200, verbose_name='依据')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
            ],
            options={
                'verbose_name': '沙尘天气影响日',
                'verbose_name_plural': '沙尘天气影响日',
                'ordering': ['-date'],
            },
        ),
        migrations.AddField(
            model_name='airstation',
            name='counts_for_assessment',
            field=models.BooleanField(default=True, help_text='计入所在单位空气质量考核的点位（区县：本级考核点位；全市：国控站点）', verbose_name='考核点位'),
        ),
        # --- 0009_monitor_trophic ---
        migrations.AddField(
            model_name='watermonthlyreading',
            name='chla',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='mg/m³，湖库营养状态评价', max_digits=7, null=True, verbose_name='叶绿素a'),
        ),
        migrations.AddField(
            model_name='watermonthlyreading',
            name='sd',
            field=models.DecimalField(blank=True, decimal_places=3, help_text='m，湖库营养状态评价', max_digits=7, null=True, verbose_name='透明度'),
        ),
        # --- 0007_data_version ---
        migrations.CreateModel(
            name='DataVersion',
            fields=[
                ('name', models.CharField(max_length=63, primary_key=True, serialize=False, verbose_name='数据表')),
                ('n', models.BigIntegerField(default=0, verbose_name='版本')),
            ],
            options={
                'verbose_name': '数据版本',
                'verbose_name_plural': '数据版本',
                'db_table': 'data_version',
            },
        ),
        migrations.RunPython(attach, detach),
        # --- 0006_secprod_token_expiry ---
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(default=tracker.models.api.default_expiry, help_text='到期后令牌自动失效', verbose_name='失效时间'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='scopes',
            field=models.CharField(help_text='逗号分隔，如 air.readings,water.readings', max_length=200, validators=[tracker.models.api.validate_scopes], verbose_name='权限范围'),
        ),
        # --- 0008_merge_0006_secprod_token_expiry_0007_data_version ---
        # (a merge: no operations)
        # --- 0009_merge_20261201_0129 ---
        # (a merge: no operations)
        # --- 0010_merge_0009_merge_20261201_0129_0009_monitor_trophic ---
        # (a merge: no operations)
        # --- 0006_watch_rules_warnings ---
        migrations.CreateModel(
            name='MonitoringWarning',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject_key', models.CharField(max_length=30, verbose_name='对象')),
                ('episode_start', models.DateField(verbose_name='超限开始')),
                ('fired_on', models.DateField(help_text='连续超限达到规则期数的那一期', verbose_name='触发日期')),
                ('last_date', models.DateField(verbose_name='最近超限')),
                ('periods', models.PositiveIntegerField(default=0, verbose_name='已连续超限期数')),
                ('peak_value', models.FloatField(verbose_name='峰值')),
                ('status', models.CharField(choices=[('open', '待处置'), ('responded', '已处置'), ('escalated', '已转整改')], default='open', max_length=12, verbose_name='状态')),
                ('version', models.PositiveIntegerField(default=0, editable=False)),
                ('response', models.TextField(blank=True, verbose_name='处置情况')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='处置时间')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='生成时间')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处置人')),
                ('section', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='warnings', to='tracker.watersection', verbose_name='断面')),
                ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='warnings', to='tracker.airstation', verbose_name='站点')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='monitoring_warnings', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '监测预警',
                'verbose_name_plural': '监测预警',
                'ordering': ['-fired_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='WarningEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(max_length=12, verbose_name='操作')),
                ('from_status', models.CharField(choices=[('open', '待处置'), ('responded', '已处置'), ('escalated', '已转整改')], max_length=12, verbose_name='原状态')),
                ('to_status', models.CharField(choices=[('open', '待处置'), ('responded', '已处置'), ('escalated', '已转整改')], max_length=12, verbose_name='新状态')),
                ('created_at', models.DateTimeField(verbose_name='时间')),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='tracker.monitoringwarning')),
            ],
            options={
                'verbose_name': '预警处置记录',
                'verbose_name_plural': '预警处置记录',
                'ordering': ['warning', 'created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='WarningRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='规则名称')),
                ('source', models.CharField(choices=[('air', '空气日数据'), ('water', '断面月度监测')], max_length=10, verbose_name='数据来源')),
                ('parameter', models.CharField(choices=[('aqi', 'AQI'), ('pm25', 'PM2.5'), ('pm10', 'PM10'), ('o3_8h', 'O₃ 日最大8小时'), ('so2', 'SO₂'), ('no2', 'NO₂'), ('co', 'CO'), ('do', '溶解氧'), ('codmn', '高锰酸盐指数'), ('cod', '化学需氧量'), ('bod5', '五日生化需氧量'), ('nh3n', '氨氮'), ('tp', '总磷'), ('water_class', '水质类别'), ('class_over_target', '超出目标类别级数')], max_length=20, verbose_name='指标')),
                ('comparison', models.CharField(choices=[('above', '高于'), ('below', '低于')], default='above', max_length=8, verbose_name='比较')),
                ('threshold', models.DecimalField(decimal_places=3, max_digits=10, verbose_name='阈值')),
                ('duration', models.PositiveSmallIntegerField(default=1, help_text='连续超限多少期才预警：空气按天，水质按月。', verbose_name='持续期数')),
                ('scope', models.CharField(choices=[('all', '全市'), ('station', '站点'), ('unit', '责任单位'), ('war_zone', '战区'), ('section', '断面')], default='all', max_length=10, verbose_name='适用范围')),
                ('level', models.CharField(choices=[('yellow', '黄色'), ('orange', '橙色'), ('red', '红色')], default='yellow', max_length=8, verbose_name='预警级别')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('notes', models.TextField(blank=True, verbose_name='依据与说明')),
                ('section', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.watersection', verbose_name='断面')),
                ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.airstation', verbose_name='站点')),
                ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.unit', verbose_name='责任单位')),
                ('war_zone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.warzone', verbose_name='战区')),
            ],
            options={
                'verbose_name': '预警规则',
                'verbose_name_plural': '预警规则',
                'ordering': ['source', 'name'],
            },
        ),
        migrations.AddField(
            model_name='monitoringwarning',
            name='rule',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='warnings', to='tracker.warningrule', verbose_name='规则'),
        ),
        migrations.CreateModel(
            name='WarningReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='日期/月份')),
                ('value', models.FloatField(verbose_name='数值')),
                ('air_reading', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tracker.airdailyreading')),
                ('warning', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='tracker.monitoringwarning')),
                ('water_reading', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tracker.watermonthlyreading')),
            ],
            options={
                'verbose_name': '预警监测数据',
                'verbose_name_plural': '预警监测数据',
                'ordering': ['warning', 'date'],
                'constraints': [models.UniqueConstraint(fields=('warning', 'date'), name='warning_reading_one_per_period')],
            },
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('parameter__in', ('aqi', 'pm25', 'pm10', 'o3_8h', 'so2', 'no2', 'co')), ('source', 'air')), models.Q(('parameter__in', ('do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'water_class', 'class_over_target')), ('source', 'water')), _connector='OR'), name='warningrule_parameter_fits_source'),
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(('duration__gte', 1)), name='warningrule_duration_positive'),
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(('comparison__in', ['above', 'below'])), name='warningrule_comparison_valid'),
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('scope', 'all'), ('section', None), ('station', None), ('unit', None), ('war_zone', None)), models.Q(('scope', 'station'), ('section', None), ('source', 'air'), ('unit', None), ('war_zone', None), ('station__isnull', False)), models.Q(('scope', 'unit'), ('section', None), ('station', None), ('war_zone', None), ('unit__isnull', False)), models.Q(('scope', 'war_zone'), ('section', None), ('source', 'air'), ('station', None), ('unit', None), ('war_zone__isnull', False)), models.Q(('scope', 'section'), ('source', 'water'), ('station', None), ('unit', None), ('war_zone', None), ('section__isnull', False)), _connector='OR'), name='warningrule_scope_object'),
        ),
        migrations.AddIndex(
            model_name='monitoringwarning',
            index=models.Index(fields=['unit', 'status'], name='tracker_mon_unit_id_479ea4_idx'),
        ),
        migrations.AddIndex(
            model_name='monitoringwarning',
            index=models.Index(fields=['rule', 'subject_key', 'last_date'], name='tracker_mon_rule_id_cadc49_idx'),
        ),
        migrations.AddConstraint(
            model_name='monitoringwarning',
            constraint=models.UniqueConstraint(fields=('rule', 'subject_key', 'episode_start'), name='warning_one_per_episode'),
        ),
        migrations.AddConstraint(
            model_name='monitoringwarning',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'responded', 'escalated'])), name='warning_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='monitoringwarning',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('section', None), ('station__isnull', False)), models.Q(('section__isnull', False), ('station', None)), _connector='OR'), name='warning_one_subject'),
        ),
        migrations.AddConstraint(
            model_name='monitoringwarning',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), ('closed_at__isnull', False), _connector='OR'), name='warning_closed_has_time'),
        ),
        # --- 0007_watch_enterprises ---
        migrations.CreateModel(
            name='Enterprise',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True, verbose_name='企业名称')),
                ('credit_code', models.CharField(max_length=18, unique=True, validators=[tracker.models.enterprises.validate_credit_code], verbose_name='统一社会信用代码')),
                ('industry', models.CharField(choices=[('ceramics', '陶瓷'), ('silicon', '多晶硅与光伏'), ('chemical', '化工'), ('cement', '水泥与建材'), ('paper', '造纸'), ('power', '火电与热力'), ('metal', '钢铁与有色'), ('food', '食品与酿造'), ('livestock', '规模化畜禽养殖'), ('sewage', '污水处理'), ('other', '其他')], max_length=12, verbose_name='行业')),
                ('permit_number', models.CharField(blank=True, max_length=40, verbose_name='排污许可证编号')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('is_active', models.BooleanField(default=True, verbose_name='在产')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enterprises', to='tracker.unit', verbose_name='属地单位')),
                ('war_zone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='enterprises', to='tracker.warzone', verbose_name='所属战区')),
            ],
            options={
                'verbose_name': '重点企业',
                'verbose_name_plural': '重点企业',
                'ordering': ['unit__sort_order', 'name'],
            },
        ),
        migrations.AddField(
            model_name='measure',
            name='enterprise',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='measures', to='tracker.enterprise', verbose_name='涉及企业'),
        ),
        migrations.AddField(
            model_name='sewageoutlet',
            name='enterprise',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outlets', to='tracker.enterprise', verbose_name='涉及企业'),
        ),
        migrations.AddConstraint(
            model_name='enterprise',
            constraint=models.CheckConstraint(condition=models.Q(('credit_code__regex', '^[0-9A-HJ-NPQRTUWXY]{18}$')), name='enterprise_code'),
        ),
        migrations.AddConstraint(
            model_name='enterprise',
            constraint=models.CheckConstraint(condition=models.Q(('industry__in', ['ceramics', 'silicon', 'chemical', 'cement', 'paper', 'power', 'metal', 'food', 'livestock', 'sewage', 'other'])), name='enterprise_industry_valid'),
        ),
        # --- 0008_watch_rural_plants ---
        migrations.CreateModel(
            name='RuralSewagePlant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='设施名称')),
                ('township', models.CharField(blank=True, max_length=40, verbose_name='乡镇')),
                ('village', models.CharField(max_length=40, verbose_name='村')),
                ('capacity', models.DecimalField(decimal_places=1, max_digits=8, verbose_name='设计规模（吨/日）')),
                ('process', models.CharField(choices=[('ao', 'A/O'), ('a2o', 'A²/O'), ('wetland', '人工湿地'), ('biofilter', '生物滤池'), ('mbr', 'MBR'), ('packaged', '一体化设备'), ('other', '其他')], max_length=12, verbose_name='处理工艺')),
                ('commissioned_on', models.DateField(blank=True, null=True, verbose_name='投运日期')),
                ('is_active', models.BooleanField(default=True, verbose_name='纳入考核')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rural_plants', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '农村生活污水处理设施',
                'verbose_name_plural': '农村生活污水处理设施',
                'ordering': ['unit__sort_order', 'township', 'village', 'name'],
            },
        ),
        migrations.CreateModel(
            name='RuralPlantMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='该月第一天', verbose_name='月份')),
                ('state', models.CharField(choices=[('running', '正常运行'), ('stopped', '停运'), ('repair', '维修中')], max_length=10, verbose_name='运行状态')),
                ('flow', models.DecimalField(blank=True, decimal_places=1, max_digits=8, null=True, verbose_name='日均处理水量（吨/日）')),
                ('funds', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='运维资金（元）')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='填报时间')),
                ('reported_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='填报人')),
                ('plant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='months', to='tracker.ruralsewageplant', verbose_name='设施')),
            ],
            options={
                'verbose_name': '设施月度运行',
                'verbose_name_plural': '设施月度运行',
                'ordering': ['plant', '-month'],
            },
        ),
        migrations.AddConstraint(
            model_name='ruralsewageplant',
            constraint=models.CheckConstraint(condition=models.Q(('capacity__gt', 0)), name='rural_plant_capacity_positive'),
        ),
        migrations.AddConstraint(
            model_name='ruralsewageplant',
            constraint=models.CheckConstraint(condition=models.Q(('process__in', ['ao', 'a2o', 'wetland', 'biofilter', 'mbr', 'packaged', 'other'])), name='rural_plant_process_valid'),
        ),
        migrations.AddConstraint(
            model_name='ruralplantmonth',
            constraint=models.UniqueConstraint(fields=('plant', 'month'), name='rural_month_one_per_plant'),
        ),
        migrations.AddConstraint(
            model_name='ruralplantmonth',
            constraint=models.CheckConstraint(condition=models.Q(('month__day', 1)), name='rural_month_first_day'),
        ),
        migrations.AddConstraint(
            model_name='ruralplantmonth',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['running', 'stopped', 'repair'])), name='rural_month_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='ruralplantmonth',
            constraint=models.CheckConstraint(condition=models.Q(('flow__isnull', True), ('flow__gte', 0), _connector='OR'), name='rural_month_flow'),
        ),
        migrations.AddConstraint(
            model_name='ruralplantmonth',
            constraint=models.CheckConstraint(condition=models.Q(('funds__gte', 0)), name='rural_month_funds'),
        ),
        # --- 0009_watch_drinking_readings ---
        migrations.CreateModel(
            name='DrinkingWaterReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='该月第一天', verbose_name='月份')),
                ('do', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='溶解氧')),
                ('codmn', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='高锰酸盐指数')),
                ('cod', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='化学需氧量')),
                ('bod5', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='五日生化需氧量')),
                ('nh3n', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='氨氮')),
                ('tp', models.DecimalField(blank=True, decimal_places=3, max_digits=7, null=True, verbose_name='总磷')),
                ('water_class', models.PositiveSmallIntegerField(choices=[(1, 'Ⅰ类'), (2, 'Ⅱ类'), (3, 'Ⅲ类'), (4, 'Ⅳ类'), (5, 'Ⅴ类'), (6, '劣Ⅴ类')], verbose_name='水质类别')),
                ('compliant', models.BooleanField(verbose_name='达标')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
            ],
            options={
                'verbose_name': '水源地月度水质',
                'verbose_name_plural': '水源地月度水质',
                'ordering': ['source', 'month'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='monitoringwarning',
            name='warning_one_subject',
        ),
        migrations.RemoveConstraint(
            model_name='warningrule',
            name='warningrule_parameter_fits_source',
        ),
        migrations.RemoveConstraint(
            model_name='warningrule',
            name='warningrule_scope_object',
        ),
        migrations.AddField(
            model_name='monitoringwarning',
            name='drinking_source',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='warnings', to='tracker.drinkingwatersource', verbose_name='水源地'),
        ),
        migrations.AddField(
            model_name='warningrule',
            name='drinking_source',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracker.drinkingwatersource', verbose_name='水源地'),
        ),
        migrations.AlterField(
            model_name='warningrule',
            name='scope',
            field=models.CharField(choices=[('all', '全市'), ('station', '站点'), ('unit', '责任单位'), ('war_zone', '战区'), ('section', '断面'), ('source', '饮用水水源地')], default='all', max_length=10, verbose_name='适用范围'),
        ),
        migrations.AlterField(
            model_name='warningrule',
            name='source',
            field=models.CharField(choices=[('air', '空气日数据'), ('water', '断面月度监测'), ('drinking', '水源地月度监测')], max_length=10, verbose_name='数据来源'),
        ),
        migrations.AddConstraint(
            model_name='monitoringwarning',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('drinking_source', None), ('section', None), ('station__isnull', False)), models.Q(('drinking_source', None), ('section__isnull', False), ('station', None)), models.Q(('drinking_source__isnull', False), ('section', None), ('station', None)), _connector='OR'), name='warning_one_subject_v2'),
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('parameter__in', ('aqi', 'pm25', 'pm10', 'o3_8h', 'so2', 'no2', 'co')), ('source', 'air')), models.Q(('parameter__in', ('do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'water_class', 'class_over_target')), ('source__in', ('water', 'drinking'))), _connector='OR'), name='warningrule_parameter_fits_source'),
        ),
        migrations.AddConstraint(
            model_name='warningrule',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('drinking_source', None), ('scope', 'all'), ('section', None), ('station', None), ('unit', None), ('war_zone', None)), models.Q(('scope', 'station'), ('section', None), ('source', 'air'), ('unit', None), ('war_zone', None), ('drinking_source', None), ('station__isnull', False)), models.Q(('drinking_source', None), ('scope', 'unit'), ('section', None), ('station', None), ('war_zone', None), ('unit__isnull', False)), models.Q(('scope', 'war_zone'), ('section', None), ('source', 'air'), ('station', None), ('unit', None), ('drinking_source', None), ('war_zone__isnull', False)), models.Q(('scope', 'section'), ('source', 'water'), ('station', None), ('unit', None), ('war_zone', None), ('drinking_source', None), ('section__isnull', False)), models.Q(('scope', 'source'), ('source', 'drinking'), ('station', None), ('unit', None), ('war_zone', None), ('drinking_source__isnull', False), ('section', None)), _connector='OR'), name='warningrule_scope_object_v2'),
        ),
        migrations.AddField(
            model_name='drinkingwaterreading',
            name='source',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='readings', to='tracker.drinkingwatersource', verbose_name='水源地'),
        ),
        migrations.AddField(
            model_name='warningreading',
            name='drinking_reading',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tracker.drinkingwaterreading'),
        ),
        migrations.AddConstraint(
            model_name='drinkingwaterreading',
            constraint=models.UniqueConstraint(fields=('source', 'month'), name='drinking_reading_source_month'),
        ),
        migrations.AddConstraint(
            model_name='drinkingwaterreading',
            constraint=models.CheckConstraint(condition=models.Q(('month__day', 1)), name='drinking_reading_first_day'),
        ),
        migrations.AddConstraint(
            model_name='drinkingwaterreading',
            constraint=models.CheckConstraint(condition=models.Q(('water_class__gte', 1), ('water_class__lte', 6)), name='drinking_reading_class'),
        ),
        # runs first when migrating backwards (the upgrade test rolls a seeded demo back)
        migrations.RunPython(migrations.RunPython.noop, drop_drinking_rules),
        # --- 0011_merge_20261201_0148 ---
        # (a merge: no operations)
        # --- 0008_entry_inbox ---
        migrations.AddField(
            model_name='measure',
            name='assigned_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='交办人'),
        ),
        migrations.CreateModel(
            name='InboxEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('item_rejected', '销号申请被退回'), ('notice', '提醒函/警示函'), ('value_returned', '填报数据被退回'), ('project_stalled', '项目停滞'), ('measure_overdue', '任务逾期'), ('measure_due', '任务临期'), ('measure_assigned', '新交办任务'), ('project_decided', '储备项目审核')], max_length=20, verbose_name='类别')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(blank=True, verbose_name='内容')),
                ('url', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('key', models.CharField(blank=True, max_length=120)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='inbox', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '站内消息',
                'verbose_name_plural': '站内消息',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['user', 'read_at'], name='inbox_user_unread')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('user', 'key'), name='inbox_once_per_key')],
            },
        ),
        # --- 0012_merge_0008_entry_inbox_0011_merge_20261201_0148 ---
        # (a merge: no operations)
    ]
