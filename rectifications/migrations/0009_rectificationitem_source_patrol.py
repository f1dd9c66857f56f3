# The link between a river patrol and the rectification item its finding became turns round: it was
# tracker.RiverPatrol.item (tracker pointing up at rectifications), it is RectificationItem.source_patrol (like
# source_warning). This migration adds the new field and copies every link; tracker 0018 then drops the old one.

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    RiverPatrol = apps.get_model("tracker", "RiverPatrol")
    RectificationItem = apps.get_model("rectifications", "RectificationItem")
    for patrol_id, item_id in RiverPatrol.objects.filter(item__isnull=False).values_list("pk", "item_id"):
        RectificationItem.objects.filter(pk=item_id).update(source_patrol_id=patrol_id)


def copy_links_back(apps, schema_editor):
    RiverPatrol = apps.get_model("tracker", "RiverPatrol")
    RectificationItem = apps.get_model("rectifications", "RectificationItem")
    for item_id, patrol_id in RectificationItem.objects.filter(source_patrol__isnull=False).values_list(
        "pk", "source_patrol_id"
    ):
        RiverPatrol.objects.filter(pk=patrol_id).update(item_id=item_id)


class Migration(migrations.Migration):

    dependencies = [
        ('rectifications', '0008_accountability_records'),
        ('tracker', '0017_inbox_kinds_risk_and_weather'),
    ]

    operations = [
        migrations.AddField(
            model_name='rectificationitem',
            name='source_patrol',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rectification_item', to='tracker.riverpatrol', verbose_name='来源巡河记录'),
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]
