"""Environmental watch admin: rules are edited here; warnings are read here and moved only through the site."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tracker.common.admin import ModelAdmin, TabularInline

from ..choices import AIR_PARAMETERS, RURAL_PARAMETERS, WATER_PARAMETERS, WatchScope, WatchSource
from ..credit_code import credit_code_problem
from ..models import Enterprise, MonitoringWarning, WarningEvent, WarningReading, WarningRule

_SCOPE_FIELD = {
    WatchScope.STATION: "station",
    WatchScope.UNIT: "unit",
    WatchScope.WAR_ZONE: "war_zone",
    WatchScope.SECTION: "section",
    WatchScope.SOURCE: "drinking_source",
}


class WarningRuleForm(forms.ModelForm):
    """Says in Chinese what the database constraints would refuse (parameter vs source, scope vs its object)."""

    class Meta:
        model = WarningRule
        fields = [
            "name", "source", "parameter", "comparison", "threshold", "duration", "scope",
            "station", "unit", "war_zone", "section", "drinking_source", "level", "is_active", "notes",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        source, parameter, scope = data.get("source"), data.get("parameter"), data.get("scope")
        allowed = {WatchSource.AIR: AIR_PARAMETERS, WatchSource.RURAL: RURAL_PARAMETERS}.get(source, WATER_PARAMETERS)
        if parameter and parameter not in allowed:
            self.add_error("parameter", _("该指标不属于所选数据来源。"))
        wanted = _SCOPE_FIELD.get(scope)
        for field in _SCOPE_FIELD.values():
            if field == wanted and not data.get(field):
                self.add_error(field, _("按此范围预警时必须选择。"))
            elif field != wanted and data.get(field):
                self.add_error(field, _("与所选适用范围不符，请留空。"))
        if scope == WatchScope.STATION and source != WatchSource.AIR:
            self.add_error("scope", _("站点范围只适用于空气数据。"))
        if scope == WatchScope.SECTION and source != WatchSource.WATER:
            self.add_error("scope", _("断面范围只适用于断面水质数据。"))
        if scope == WatchScope.SOURCE and source != WatchSource.DRINKING:
            self.add_error("scope", _("水源地范围只适用于水源地水质数据。"))
        if scope == WatchScope.WAR_ZONE and source != WatchSource.AIR:
            self.add_error("scope", _("战区范围只适用于空气数据。"))
        return data


@admin.register(WarningRule)
class WarningRuleAdmin(ModelAdmin):
    form = WarningRuleForm
    list_display = ("name", "source", "parameter", "comparison", "threshold", "duration", "scope", "level", "is_active")
    list_filter = ("source", "scope", "level", "is_active")
    search_fields = ("name",)


class WarningReadingInline(TabularInline):
    model = WarningReading
    extra = 0
    can_delete = False
    fields = ("date", "value")
    readonly_fields = fields


class WarningEventInline(TabularInline):
    model = WarningEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


@admin.register(MonitoringWarning)
class MonitoringWarningAdmin(ModelAdmin):
    """Read-only: a warning is created by the rule evaluation and closed by the unit or an inspector on the site."""

    list_display = ("rule", "unit", "subject_key", "episode_start", "fired_on", "last_date", "peak_value", "status")
    list_filter = ("status", "rule", "unit")
    list_select_related = ("rule", "unit")
    inlines = [WarningReadingInline, WarningEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry", "unit", "war_zone", "permit_number", "address", "is_active"]

    def clean_credit_code(self):
        # people type lower case and stray spaces; the check itself is GB 32100-2015 (tracker.credit_code)
        code = (self.cleaned_data.get("credit_code") or "").strip().upper()
        problem = credit_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


@admin.register(Enterprise)
class EnterpriseAdmin(ModelAdmin):
    form = EnterpriseForm
    list_display = ("name", "credit_code", "industry", "unit", "war_zone", "permit_number", "is_active")
    list_filter = ("industry", "unit", "war_zone", "is_active")
    search_fields = ("name", "credit_code", "permit_number")
