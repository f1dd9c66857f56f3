# Squashes 6 migrations (0002_rural_sewage_fund_area … 0005_merge_20261201_0209) made on parallel branches and joined
# by merge migrations: rural sewage fund area, pilots, reserve proposals, payment ledger order. Their operations are
# kept verbatim, in the order `migrate` applied them to an empty database; a database that has applied all of them
# records this one as applied and runs nothing (Django's squash semantics). The replaced files are gone (none was
# deployed): a database that applied only some of them cannot move on.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ('projects', '0002_rural_sewage_fund_area'),
        ('projects', '0003_pilots'),
        ('projects', '0003_entry_reserve_proposals'),
        ('projects', '0004_merge_0003_entry_reserve_proposals_0003_pilots'),
        ('projects', '0002_tables_payment_ledger_order'),
        ('projects', '0005_merge_20261201_0209'),
    ]

    dependencies = [
        ('projects', '0001_initial'),
        ('tracker', '0006_squashed_0012_monitor_secprod_watch_inbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- 0002_rural_sewage_fund_area ---
        migrations.AlterField(
            model_name='fund',
            name='area',
            field=models.CharField(choices=[('air', '大气'), ('water', '水'), ('soil', '土壤'), ('rural', '农村环境'), ('rural_sewage', '农村生活污水'), ('waste', '固废'), ('ecology', '生态')], max_length=20, verbose_name='资金领域'),
        ),
        # --- 0003_pilots ---
        migrations.CreateModel(
            name='Pilot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True, verbose_name='试点名称')),
                ('level', models.CharField(choices=[('national', '国家级'), ('provincial', '省级'), ('city', '市级')], max_length=20, verbose_name='级别')),
                ('kind', models.CharField(choices=[('waste_free', '无废城市'), ('three_lines', '三线一单减污降碳协同'), ('eod', 'EOD模式'), ('near_zero_carbon', '近零碳园区'), ('soil_risk', '土壤风险管控'), ('heavy_metal', '耕地土壤重金属成因排查'), ('other', '其他试点示范')], max_length=20, verbose_name='类别')),
                ('status', models.CharField(choices=[('applying', '申报中'), ('building', '建设中'), ('accepted', '已验收'), ('paused', '暂缓')], default='building', max_length=20, verbose_name='状态')),
                ('approved_on', models.DateField(blank=True, null=True, verbose_name='获批日期')),
                ('due_on', models.DateField(blank=True, null=True, verbose_name='计划完成日期')),
                ('goal', models.TextField(blank=True, verbose_name='建设目标')),
                ('funds', models.ManyToManyField(blank=True, related_name='pilots', to='projects.fund', verbose_name='支撑资金')),
                ('lead_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pilots', to='tracker.unit', verbose_name='牵头单位')),
                ('projects', models.ManyToManyField(blank=True, related_name='pilots', to='projects.project', verbose_name='支撑项目')),
            ],
            options={
                'verbose_name': '试点示范',
                'verbose_name_plural': '试点示范',
                'ordering': ['level', 'name'],
            },
        ),
        migrations.CreateModel(
            name='PilotMilestone',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, verbose_name='节点')),
                ('planned_on', models.DateField(verbose_name='计划完成日期')),
                ('done_on', models.DateField(blank=True, null=True, verbose_name='实际完成日期')),
                ('evidence', models.TextField(blank=True, verbose_name='完成情况及佐证')),
                ('pilot', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='projects.pilot', verbose_name='试点')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
            ],
            options={
                'verbose_name': '试点节点',
                'verbose_name_plural': '试点节点',
                'ordering': ['pilot', 'planned_on', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('done_on__isnull', True), models.Q(('evidence', ''), _negated=True), _connector='OR'), name='pilot_milestone_done_has_evidence')],
            },
        ),
        # --- 0003_entry_reserve_proposals ---
        migrations.AddField(
            model_name='project',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='审核时间'),
        ),
        migrations.AddField(
            model_name='project',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人'),
        ),
        migrations.AddField(
            model_name='project',
            name='decision_note',
            field=models.CharField(blank=True, max_length=200, verbose_name='审核意见'),
        ),
        migrations.AddField(
            model_name='project',
            name='proposal_status',
            field=models.CharField(blank=True, choices=[('proposed', '待审核'), ('accepted', '已纳入储备'), ('declined', '未纳入')], default='', max_length=10, verbose_name='储备申报状态'),
        ),
        migrations.AddField(
            model_name='project',
            name='proposed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申报人'),
        ),
        # --- 0004_merge_0003_entry_reserve_proposals_0003_pilots ---
        # (a merge: no operations)
        # --- 0002_tables_payment_ledger_order ---
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['paid_on', 'id'], name='payment_ledger_order'),
        ),
        # --- 0005_merge_20261201_0209 ---
        # (a merge: no operations)
    ]
