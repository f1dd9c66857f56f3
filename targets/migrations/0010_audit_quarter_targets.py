"""First-quarter targets (开门红) are commitments like the year's targets: the audit trigger records every change."""

from django.db import migrations

from tracker.common import audit


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0009_glossary_renames"),
        ("tracker", "0005_audit"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, se: audit.attach_tables(se, ["targets_quartertarget"]),
            lambda apps, se: audit.detach_tables(se, ["targets_quartertarget"]),
        ),
    ]
