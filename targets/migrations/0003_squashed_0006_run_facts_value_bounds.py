# Squashes 8 migrations (0003_secprod_value_bounds … 0006_merge_20261201_0157) made on parallel branches and joined by
# merge migrations: value bounds, the run outbox, the run's stored facts, English indicator names, indicator ranges.
# Their operations are kept verbatim, in the order `migrate` applied them to an empty database; a database that has
# applied all of them records this one as applied and runs nothing (Django's squash semantics). The replaced files are
# gone (none was deployed): a database that applied only some of them cannot move on.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# from 0003_assess_run_facts
def backfill_legacy_rows(apps, schema_editor):
    """Rows of earlier runs: the compared value is the raw one, the maximum the item's (their text is kept)."""
    from django.db.models import F, OuterRef, Subquery

    snapshot = apps.get_model("targets", "ScoreSnapshot")
    item = apps.get_model("targets", "AssessmentItem")
    snapshot.objects.filter(value__isnull=True).update(
        value=F("raw_value"),
        max_points=Subquery(item.objects.filter(pk=OuterRef("item_id")).values("max_points")[:1]),
    )


class Migration(migrations.Migration):

    replaces = [
        ('targets', '0003_secprod_value_bounds'),
        ('targets', '0003_faults_run_outbox'),
        ('targets', '0004_merge_20261201_0044'),
        ('targets', '0003_assess_run_facts'),
        ('targets', '0004_assess_indicator_name_en'),
        ('targets', '0005_merge_20261201_0154'),
        ('targets', '0005_entry_indicator_range'),
        ('targets', '0006_merge_20261201_0157'),
    ]

    dependencies = [
        ('targets', '0002_geo_boundary'),
        ('tracker', '0005_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # --- 0003_secprod_value_bounds ---
        migrations.AlterField(
            model_name='datavalue',
            name='value',
            field=models.FloatField(validators=[django.core.validators.MinValueValidator(-1000000000000.0), django.core.validators.MaxValueValidator(1000000000000.0)], verbose_name='数值'),
        ),
        migrations.AlterField(
            model_name='target',
            name='baseline',
            field=models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-1000000000000.0), django.core.validators.MaxValueValidator(1000000000000.0)], verbose_name='基数'),
        ),
        migrations.AlterField(
            model_name='target',
            name='value',
            field=models.FloatField(validators=[django.core.validators.MinValueValidator(-1000000000000.0), django.core.validators.MaxValueValidator(1000000000000.0)], verbose_name='目标值'),
        ),
        migrations.AddConstraint(
            model_name='datavalue',
            constraint=models.CheckConstraint(condition=models.Q(('value__gte', -1000000000000.0), ('value__lte', 1000000000000.0)), name='datavalue_bounded'),
        ),
        # --- 0003_faults_run_outbox ---
        migrations.AddField(
            model_name='scoringrun',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近心跳'),
        ),
        migrations.AddField(
            model_name='scoringrun',
            name='requeues',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='重新排队次数'),
        ),
        migrations.AddField(
            model_name='scoringrun',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='发送时间'),
        ),
        # --- 0004_merge_20261201_0044 ---
        # (a merge: no operations)
        # --- 0003_assess_run_facts ---
        # runs computed before the facts were stored keep their text (shown as it was); new runs leave it blank
        migrations.RenameField(
            model_name='scoresnapshot',
            old_name='explanation',
            new_name='legacy_explanation',
        ),
        migrations.AlterField(
            model_name='scoresnapshot',
            name='legacy_explanation',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.AddField(
            model_name='assessmentitem',
            name='na_policy',
            field=models.CharField(choices=[('zero', '不涉及得 0 分'), ('full', '不涉及得满分'), ('rescale', '不涉及折算')], default='zero', help_text='单位无考核对象（无排污口、断面、站点或资金）或经认定不涉及时如何计分', max_length=10, verbose_name='不涉及时'),
        ),
        migrations.AddField(
            model_name='assessmentitem',
            name='veto',
            field=models.BooleanField(default=False, help_text='未达标的单位排在所有未被否决的单位之后', verbose_name='一票否决'),
        ),
        migrations.AddField(
            model_name='assessmentscheme',
            name='caps',
            field=models.JSONField(blank=True, default=dict, help_text='如 {"bonus": {"overall": 5, "air": 2}, "deduction": {"overall": 10, "rectification": 3}}', verbose_name='加减分上限'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='accrual',
            field=models.CharField(blank=True, choices=[('', '按数据来源自动'), ('flow', '期间均值（流量）'), ('stock', '存量比率'), ('count', '累计次数'), ('level', '当日状态')], default='', help_text='决定年末预测与挽回所需：期间均值、存量比率、累计次数或当日状态', max_length=10, verbose_name='累积方式'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='precision',
            field=models.PositiveSmallIntegerField(blank=True, help_text='按此精度比较与显示；留空按计量单位：% 为 1 位，浓度为整数，综合指数为 2 位', null=True, verbose_name='发布精度（小数位）'),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='applicable',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='baseline',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='detail',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='item_rank',
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='max_points',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='na_reason',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='need_amount',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='need_kind',
            field=models.CharField(blank=True, max_length=12),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='need_total',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='points_at_risk',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='points_lost',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='projected',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='status',
            field=models.CharField(choices=[('met', '达标'), ('missed', '未达标'), ('na', '不涉及'), ('no_data', '暂无数据'), ('no_target', '未设定目标'), ('neutral', '—')], default='neutral', max_length=10),
        ),
        migrations.AddField(
            model_name='scoresnapshot',
            name='value',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='scoringrun',
            name='items_frozen',
            field=models.JSONField(blank=True, default=list, verbose_name='计分时的考核项'),
        ),
        migrations.AddField(
            model_name='scoringrun',
            name='previous_run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='targets.scoringrun', verbose_name='对比的上期'),
        ),
        migrations.AddField(
            model_name='scoringrun',
            name='replaced_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='targets.scoringrun', verbose_name='被替代为'),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='base',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='bonus',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='deduction',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='movement',
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='points_at_risk',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='points_lost',
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='previous_rank',
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='scale',
            field=models.FloatField(default=1.0),
        ),
        migrations.AddField(
            model_name='unitscore',
            name='vetoed',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='status',
            field=models.CharField(choices=[('queued', '排队中'), ('running', '计算中'), ('succeeded', '已完成'), ('failed', '失败'), ('superseded', '已被替代')], default='queued', max_length=10, verbose_name='状态'),
        ),
        migrations.CreateModel(
            name='NotApplicable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('reason', models.CharField(max_length=200, verbose_name='认定理由')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='认定时间')),
                ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='targets.indicator')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tracker.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '不涉及认定',
                'verbose_name_plural': '不涉及认定',
                'constraints': [models.UniqueConstraint(fields=('indicator', 'unit', 'year'), name='notapplicable_unique'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='notapplicable_has_reason')],
            },
        ),
        migrations.RunPython(backfill_legacy_rows, migrations.RunPython.noop),
        # --- 0004_assess_indicator_name_en ---
        migrations.AddField(
            model_name='indicator',
            name='name_en',
            field=models.CharField(blank=True, help_text='英文界面的计分说明使用', max_length=100, verbose_name='英文名称'),
        ),
        # --- 0005_merge_20261201_0154 ---
        # (a merge: no operations)
        # --- 0005_entry_indicator_range ---
        migrations.AddField(
            model_name='indicator',
            name='max_value',
            field=models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-1000000000000.0), django.core.validators.MaxValueValidator(1000000000000.0)], verbose_name='填报上限'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='min_value',
            field=models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(-1000000000000.0), django.core.validators.MaxValueValidator(1000000000000.0)], verbose_name='填报下限'),
        ),
        # --- 0006_merge_20261201_0157 ---
        # (a merge: no operations)
    ]
