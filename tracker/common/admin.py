"""The admin's shared base classes: every ModelAdmin and inline of the platform derives from these.

Why here and not as validators on the model fields: the bound is about what a person types, like the forms'
`tracker.fields.DateField`; one place covers every date and datetime field of every admin — the ones inherited
from Django (`User.date_joined`, `last_login`), inlines, and admins added later (a test walks the admin registry
and refuses a class not built on these) — without an AlterField migration on some sixty columns.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from tracker.fields import check_plausible_date


class PlausibleDates:
    """Date and datetime fields edited in the admin are refused outside 2000-01-01…2100-12-31, like the forms."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.DateField):  # DateTimeField is a DateField
            field.validators = [*field.validators, check_plausible_date]
        return field


class ModelAdmin(PlausibleDates, admin.ModelAdmin):
    pass


class TabularInline(PlausibleDates, admin.TabularInline):
    pass


class StackedInline(PlausibleDates, admin.StackedInline):
    pass
