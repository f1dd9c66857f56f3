# The link between a river patrol and the rectification item its finding became turns round: it was
# tracker.RiverPatrol.item (tracker pointing up at rectifications), it is RectificationItem.source_patrol (like
# source_warning). This migration adds the new field and copies every link; tracker 0018 then drops the old one.

import django.db.models.deletion
from django.db import migrations, models


def _checked_now(schema_editor, update) -> None:
    """Run `update` with the foreign keys checked at once: a deferred check left pending would make the column
    change that follows in the same transaction fail ("pending trigger events") on PostgreSQL."""
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    update()
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def copy_links(apps, schema_editor):
    RiverPatrol = apps.get_model("tracker", "RiverPatrol")
    RectificationItem = apps.get_model("rectifications", "RectificationItem")

    def update():
        for patrol_id, item_id in RiverPatrol.objects.filter(item__isnull=False).values_list("pk", "item_id"):
            RectificationItem.objects.filter(pk=item_id).update(source_patrol_id=patrol_id)

    _checked_now(schema_editor, update)


def copy_links_back(apps, schema_editor):
    RiverPatrol = apps.get_model("tracker", "RiverPatrol")
    RectificationItem = apps.get_model("rectifications", "RectificationItem")

    def update():
        links = RectificationItem.objects.filter(source_patrol__isnull=False).values_list("pk", "source_patrol_id")
        for item_id, patrol_id in links:
            RiverPatrol.objects.filter(pk=patrol_id).update(item_id=item_id)

    _checked_now(schema_editor, update)


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
