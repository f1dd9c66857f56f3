"""Names only (issue 14's glossary): Indicator.measure → unit_of_measure (it collided with 'measure', the task
model) and DataValue.audited → verified (核定数; it collided with the audit log's @audited). Data untouched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0008_risk_followups"),
    ]

    operations = [
        migrations.RenameField(model_name="indicator", old_name="measure", new_name="unit_of_measure"),
        migrations.RenameField(model_name="datavalue", old_name="audited", new_name="verified"),
    ]
