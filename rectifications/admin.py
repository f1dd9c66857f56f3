"""Admin: inspections editable; item status, colour and history are read-only (they move only by services)."""

from django.contrib import admin

from .models import Evidence, Inspection, Notice, ProgressReport, RectificationItem, Transition


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "date")
    list_filter = ("kind",)
    search_fields = ("name",)


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "actor", "created_at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationItem)
class RectificationItemAdmin(admin.ModelAdmin):
    list_display = ("code", "unit", "lead_department", "responsible_person", "deadline", "status", "colour")
    list_filter = ("status", "colour", "area", "inspection")
    search_fields = ("code", "description", "responsible_person")
    list_select_related = ("unit", "lead_department")
    raw_id_fields = ("inspection",)
    autocomplete_fields = ("enterprise",)
    readonly_fields = (
        "source_warning",
        "status",
        "colour",
        "version",
        "status_changed_at",
        "closed_on",
        "rebound_count",
        "dept_verified_by",
        "dept_verified_at",
    )
    inlines = [TransitionInline]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("item", "unit", "person", "level", "created_at", "read_at")
    list_filter = ("level",)
    readonly_fields = ("item", "unit", "person", "level", "created_at", "read_at")


admin.site.register(ProgressReport)
admin.site.register(Evidence)
