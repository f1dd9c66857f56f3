# Squashes 9 migrations (0002_monitor_calendar … 0006_merge_20261201_0153) made on parallel branches and joined by
# merge migrations: working-day calendar and review plans, document numbers, items from monitoring warnings and
# enterprises, the item ledger order. Their operations are kept verbatim, in the order `migrate` applied them to an
# empty database; a database that has applied all of them records this one as applied and runs nothing (Django's
# squash semantics). The replaced files are gone (none was deployed): a database that applied only some of them cannot
# move on.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


# from 0002_monitor_calendar
def mark_closed_late(apps, schema_editor):
    """Items already closed after their deadline (calendar days: no holidays were kept before this migration)."""
    Item = apps.get_model("rectifications", "RectificationItem")
    Item.objects.filter(status="closed", closed_on__gt=F("deadline")).update(closed_late=True)


class Migration(migrations.Migration):

    replaces = [
        ('rectifications', '0002_monitor_calendar'),
        ('rectifications', '0003_monitor_review_plan'),
        ('rectifications', '0002_documents'),
        ('rectifications', '0004_merge_0002_documents_0003_monitor_review_plan'),
        ('rectifications', '0002_watch_item_from_warning'),
        ('rectifications', '0003_watch_item_enterprise'),
        ('rectifications', '0005_merge_20261201_0148'),
        ('rectifications', '0002_tables_item_ledger_order'),
        ('rectifications', '0006_merge_20261201_0153'),
    ]

    dependencies = [
        ('rectifications', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('tracker', '0006_squashed_0012_monitor_secprod_watch_inbox'),
    ]

    operations = [
        # --- 0002_monitor_calendar ---
        migrations.AddField(
            model_name='notice',
            name='sent_on',
            field=models.DateField(help_text='预警作业的日期：每个问题每个工作日最多升级一级', null=True, verbose_name='发出日期'),
        ),
        migrations.AddField(
            model_name='rectificationitem',
            name='closed_late',
            field=models.BooleanField(default=False, help_text='销号日期晚于整改时限（按工作日顺延后的时限）', verbose_name='逾期销号'),
        ),
        migrations.RunPython(mark_closed_late, migrations.RunPython.noop),
        # --- 0003_monitor_review_plan ---
        migrations.CreateModel(
            name='ReviewPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True, verbose_name='计划名称')),
                ('closed_before', models.DateField(help_text='复查在此日期及以前销号的问题', verbose_name='销号截止日期')),
                ('rule', models.CharField(choices=[('all', '全部复查'), ('sample', '随机抽查')], default='all', max_length=10, verbose_name='选取方式')),
                ('sample_percent', models.PositiveSmallIntegerField(default=100, verbose_name='抽查比例(%)')),
                ('due', models.DateField(verbose_name='复查完成时限')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='制定时间')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='制定人')),
                ('inspection', models.ForeignKey(blank=True, help_text='留空则覆盖所有批次', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='review_plans', to='rectifications.inspection', verbose_name='来源批次')),
            ],
            options={
                'verbose_name': '回头看计划',
                'verbose_name_plural': '回头看计划',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ReviewCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('result', models.CharField(choices=[('pending', '待复查'), ('passed', '复查通过'), ('rebound', '发现反弹')], default='pending', max_length=10, verbose_name='复查结果')),
                ('checked_on', models.DateField(blank=True, null=True, verbose_name='复查日期')),
                ('note', models.TextField(blank=True, verbose_name='复查说明')),
                ('checked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='review_checks', to='rectifications.rectificationitem')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checks', to='rectifications.reviewplan')),
            ],
            options={
                'verbose_name': '回头看复查记录',
                'verbose_name_plural': '回头看复查记录',
                'ordering': ['plan', 'item__code'],
            },
        ),
        migrations.AddConstraint(
            model_name='reviewplan',
            constraint=models.CheckConstraint(condition=models.Q(('sample_percent__gte', 1), ('sample_percent__lte', 100)), name='review_plan_percent'),
        ),
        migrations.AddConstraint(
            model_name='reviewcheck',
            constraint=models.UniqueConstraint(fields=('plan', 'item'), name='review_check_once_per_plan'),
        ),
        migrations.AddConstraint(
            model_name='reviewcheck',
            constraint=models.CheckConstraint(condition=models.Q(('result__in', ['pending', 'passed', 'rebound'])), name='review_result'),
        ),
        # --- 0002_documents ---
        migrations.CreateModel(
            name='DocumentTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('reminder', '提醒函'), ('warning', '警示函'), ('supervision', '督办函'), ('interview', '约谈通知'), ('bulletin', '整改通报')], max_length=20, unique=True, verbose_name='文种')),
                ('issuer', models.CharField(max_length=80, verbose_name='发文机关')),
                ('prefix', models.CharField(help_text='如“乐环督办”，文号为 乐环督办〔2026〕3号', max_length=20, verbose_name='发文字号前缀')),
                ('title', models.CharField(max_length=120, verbose_name='标题')),
                ('body', models.TextField(help_text='每行一段；可用 {unit}、{person}、{code} 等占位符。', verbose_name='正文')),
            ],
            options={
                'verbose_name': '公文模板',
                'verbose_name_plural': '公文模板',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='DocumentNumber',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('reminder', '提醒函'), ('warning', '警示函'), ('supervision', '督办函'), ('interview', '约谈通知'), ('bulletin', '整改通报')], max_length=20, verbose_name='文种')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('serial', models.PositiveIntegerField(verbose_name='序号')),
                ('prefix', models.CharField(max_length=20, verbose_name='发文字号前缀')),
                ('period_start', models.DateField(blank=True, null=True, verbose_name='通报起始日')),
                ('period_end', models.DateField(blank=True, null=True, verbose_name='通报截止日')),
                ('issued_at', models.DateTimeField(verbose_name='编号时间')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='编号人')),
                ('notice', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='document_number', to='rectifications.notice')),
            ],
            options={
                'verbose_name': '发文字号',
                'verbose_name_plural': '发文字号',
                'ordering': ['-year', 'kind', '-serial'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'year', 'serial'), name='rect_docnum_unique_serial'), models.UniqueConstraint(condition=models.Q(('notice__isnull', True)), fields=('kind', 'period_start', 'period_end'), name='rect_docnum_one_per_bulletin_period'), models.CheckConstraint(condition=models.Q(('notice__isnull', False), models.Q(('period_end__isnull', False), ('period_start__isnull', False)), _connector='OR'), name='rect_docnum_has_subject')],
            },
        ),
        # --- 0004_merge_0002_documents_0003_monitor_review_plan ---
        # (a merge: no operations)
        # --- 0002_watch_item_from_warning ---
        migrations.AddField(
            model_name='rectificationitem',
            name='source_warning',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rectification_item', to='tracker.monitoringwarning', verbose_name='来源监测预警'),
        ),
        migrations.AlterField(
            model_name='inspection',
            name='kind',
            field=models.CharField(choices=[('central', '中央生态环境保护督察'), ('provincial', '省级督察'), ('unannounced', '四不两直暗查暗访'), ('review', '回头看'), ('public', '群众举报'), ('monitoring', '监测预警转办')], max_length=20, verbose_name='类型'),
        ),
        # --- 0003_watch_item_enterprise ---
        migrations.AddField(
            model_name='rectificationitem',
            name='enterprise',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rectification_items', to='tracker.enterprise', verbose_name='涉及企业'),
        ),
        # --- 0005_merge_20261201_0148 ---
        # (a merge: no operations)
        # --- 0002_tables_item_ledger_order ---
        migrations.AddIndex(
            model_name='rectificationitem',
            index=models.Index(models.Case(models.When(status='closed', then=models.Value(1)), default=models.Value(0)), models.F('deadline'), models.F('code'), models.F('id'), name='rect_item_ledger_order'),
        ),
        # --- 0006_merge_20261201_0153 ---
        # (a merge: no operations)
    ]
