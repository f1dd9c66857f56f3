from django.contrib import admin

from tracker.common.admin import ModelAdmin, TabularInline

from ..models import AirDailyReading, AirStation, Measure, MeasureProgressReport, SandDustDay


@admin.register(AirStation)
class AirStationAdmin(ModelAdmin):
    list_display = ("code", "name", "level", "unit", "war_zone", "counts_for_assessment", "is_active")
    list_filter = ("level", "counts_for_assessment", "war_zone", "unit", "is_active")
    search_fields = ("code", "name")


@admin.register(AirDailyReading)
class AirDailyReadingAdmin(ModelAdmin):
    """Readings come in through the upload page, the endpoint or the command; here they are looked at."""

    list_display = ("station", "date", "pm25", "pm10", "o3_8h", "aqi", "category", "primary_pollutants")
    list_filter = ("category", "station__war_zone")
    search_fields = ("station__code", "station__name")
    date_hierarchy = "date"
    list_select_related = ("station",)
    readonly_fields = ("aqi", "category", "primary_pollutants", "updated_at")

    def has_change_permission(self, request, obj=None):
        return False  # AQI is computed at ingest; a hand edit here would leave it stale

    def has_add_permission(self, request):
        return False


class ReportInline(TabularInline):
    model = MeasureProgressReport
    extra = 0
    readonly_fields = ("date", "progress", "note", "reported_by", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(ModelAdmin):
    """Measures are set up here; progress moves only through units' reports (read-only in admin)."""

    list_display = ("code", "title", "area", "war_zone", "source_type", "unit", "deadline", "progress")
    list_filter = ("area", "war_zone", "source_type", "unit")
    search_fields = ("code", "title", "responsible_person", "responsible__name")
    autocomplete_fields = ("responsible",)
    readonly_fields = ("progress", "last_report_date", "created_at")
    inlines = [ReportInline]


@admin.register(SandDustDay)
class SandDustDayAdmin(ModelAdmin):
    """Sand-dust days: PM10 and PM2.5 of these days are left out of every assessment figure."""

    list_display = ("date", "note", "created_at")
    date_hierarchy = "date"
