"""Admin of the heavy-pollution weather response and river chiefs: forecasts, emergency lists, river chiefs, patrol
rules and fishing cases are edited here; city warnings and patrols move only through the site's services."""

from django.contrib import admin

from tracker.common.admin import ModelAdmin, TabularInline

from ..models import (
    AirForecast,
    EmergencyMeasure,
    EmergencyResponse,
    FishingBanCase,
    PatrolRule,
    RiverChief,
    RiverPatrol,
    RuralSewagePlant,
    WeatherWarning,
    WeatherWarningEvent,
)


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AirForecast)
class AirForecastAdmin(ModelAdmin):
    list_display = ("date", "unit", "aqi_low", "aqi_high", "primary_pollutant", "level", "issued_on")
    list_filter = ("unit", "level", "primary_pollutant")
    date_hierarchy = "date"


class WeatherWarningEventInline(TabularInline):
    model = WeatherWarningEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_level", "to_level", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


@admin.register(WeatherWarning)
class WeatherWarningAdmin(ReadOnlyAdmin):
    """Read-only: issued, changed and lifted on the site (an event per act)."""

    list_display = ("title", "level", "status", "starts_on", "planned_end", "lifted_on")
    list_filter = ("status", "level")
    inlines = [WeatherWarningEventInline]


@admin.register(EmergencyMeasure)
class EmergencyMeasureAdmin(ModelAdmin):
    list_display = ("unit", "source", "enterprise", "from_level", "pm25_reduction", "nox_reduction", "vocs_reduction",
                    "is_active")  # fmt: skip
    list_filter = ("unit", "from_level", "is_active")
    search_fields = ("source", "measure")


@admin.register(EmergencyResponse)
class EmergencyResponseAdmin(ReadOnlyAdmin):
    list_display = ("warning", "unit", "date", "measure", "enterprise", "reported_by")
    list_filter = ("warning", "unit")


@admin.register(PatrolRule)
class PatrolRuleAdmin(ModelAdmin):
    """The patrol frequency each level owes (data: the frequency page reads it)."""

    list_display = ("level", "period", "min_count", "basis")


@admin.register(RiverChief)
class RiverChiefAdmin(ModelAdmin):
    list_display = ("river", "stretch", "section", "level", "person", "unit", "appointed_on", "is_active")
    list_filter = ("level", "river", "unit", "is_active")
    search_fields = ("person__name", "stretch", "river__name")
    autocomplete_fields = ("person",)


@admin.register(RiverPatrol)
class RiverPatrolAdmin(ReadOnlyAdmin):
    list_display = ("date", "chief", "unit", "stretch", "rectification_item")
    list_select_related = ("chief__river", "chief__person", "unit", "rectification_item")
    list_filter = ("unit",)
    date_hierarchy = "date"


@admin.register(FishingBanCase)
class FishingBanCaseAdmin(ModelAdmin):
    list_display = ("case_no", "date", "unit", "river", "kind", "outcome")
    list_filter = ("unit", "kind", "outcome")
    search_fields = ("case_no", "description")


@admin.register(RuralSewagePlant)
class RuralSewagePlantAdmin(ModelAdmin):
    """The register of village plants (their months are reported by the units on the site)."""

    list_display = ("name", "unit", "township", "village", "capacity", "process", "commissioned_on", "is_active")
    list_filter = ("unit", "process", "is_active")
    search_fields = ("name", "village", "township")
