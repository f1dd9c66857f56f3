from django.contrib import admin
from django.utils import timezone

from tracker.common.admin import ModelAdmin, TabularInline

from ..models import DrinkingWaterSource, OutletStepChange, River, SewageOutlet, WaterMonthlyReading, WaterSection
from ..services.water import outlet_register


@admin.register(River)
class RiverAdmin(ModelAdmin):
    list_display = ("name", "sort_order")


@admin.register(WaterSection)
class WaterSectionAdmin(ModelAdmin):
    list_display = ("code", "name", "river", "level", "unit", "target_class", "is_active")
    list_filter = ("level", "river", "unit", "is_active")
    search_fields = ("code", "name")


@admin.register(WaterMonthlyReading)
class WaterMonthlyReadingAdmin(ModelAdmin):
    """Readings come in through the upload page, the API or the command, which compute class and compliance."""

    list_display = ("section", "month", "water_class", "compliant")
    list_filter = ("water_class", "compliant", "section__river")
    list_select_related = ("section",)
    date_hierarchy = "month"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OutletStepChangeInline(TabularInline):
    model = OutletStepChange
    extra = 0
    can_delete = False
    fields = ("work_date", "from_step", "to_step", "actor", "created_at", "note", "document_name")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SewageOutlet)
class SewageOutletAdmin(ModelAdmin):
    """The step moves only through the workflow (the unit's official); here it is read-only."""

    list_display = ("code", "name", "river", "unit", "outlet_type", "step", "deadline")
    list_filter = ("step", "outlet_type", "unit", "river")
    search_fields = ("code", "name")
    readonly_fields = ("step",)
    autocomplete_fields = ("responsible",)
    inlines = [OutletStepChangeInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            outlet_register(outlet=obj, user=request.user, work_date=timezone.localdate())


@admin.register(DrinkingWaterSource)
class DrinkingWaterSourceAdmin(ModelAdmin):
    list_display = ("name", "unit", "level", "protection_status", "last_inspection")
    list_filter = ("level", "protection_status", "unit")
    search_fields = ("name",)
