# RiverPatrol.item is gone: the link lives on the item now (rectifications 0009 added
# RectificationItem.source_patrol and copied every link), so tracker points at no other app.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0017_inbox_kinds_risk_and_weather'),
        ('rectifications', '0009_rectificationitem_source_patrol'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='riverpatrol',
            name='item',
        ),
    ]
