"""Admin: inspections editable; item status, colour and history are read-only (they move only by services)."""

from django.contrib import admin

from tracker.common.admin import ModelAdmin, TabularInline

from .models import (
    AccountabilityRecord,
    DocumentNumber,
    DocumentTemplate,
    Evidence,
    Inspection,
    Notice,
    ProgressReport,
    RectificationItem,
    Transition,
)


@admin.register(Inspection)
class InspectionAdmin(ModelAdmin):
    list_display = ("name", "kind", "date")
    list_filter = ("kind",)
    search_fields = ("name",)


class TransitionInline(TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "actor", "created_at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationItem)
class RectificationItemAdmin(ModelAdmin):
    list_display = ("code", "unit", "lead_department", "responsible_person", "deadline", "status", "colour")
    list_filter = ("status", "colour", "area", "inspection")
    search_fields = ("code", "description", "responsible_person")
    list_select_related = ("unit", "lead_department")
    raw_id_fields = ("inspection",)
    autocomplete_fields = ("enterprise", "responsible")
    readonly_fields = (
        "source_warning",
        "source_patrol",
        "status",
        "colour",
        "version",
        "status_changed_at",
        "closed_on",
        "closed_late",
        "rebound_count",
        "dept_verified_by",
        "dept_verified_at",
    )
    inlines = [TransitionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "deadline" in form.changed_data:
            # the colour is derived from the deadline: recompute it now, not at tomorrow's job
            from django.utils import timezone

            from .services import rectification_colours_recompute

            rectification_colours_recompute(on=timezone.localdate(), item_ids=[obj.pk])


@admin.register(Notice)
class NoticeAdmin(ModelAdmin):
    """Notices are sent by the daily warning job (rectifications.services), never typed here: read-only.

    (Its add form had every field read-only, so 增加 → 保存 wrote a notice without an item: a 500.)
    """

    list_display = ("item", "unit", "person", "level", "created_at", "read_at")
    list_filter = ("level",)
    readonly_fields = ("item", "unit", "person", "level", "created_at", "read_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecordAdmin(ModelAdmin):
    """Progress reports and evidence come in through the services (type-checked files, the unit's own official):
    the admin reads them; adding one here would bypass the upload checks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(RecordAdmin):
    list_display = ("item", "reported_on", "progress", "reported_by")
    list_select_related = ("item", "reported_by")


@admin.register(Evidence)
class EvidenceAdmin(RecordAdmin):
    list_display = ("item", "original_name", "mime", "size", "uploaded_by", "created_at")
    list_select_related = ("item", "uploaded_by")


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ModelAdmin):
    """The wording of notices and bulletins; without a row the built-in wording is used."""

    list_display = ("kind", "issuer", "prefix", "title")


@admin.register(DocumentNumber)
class DocumentNumberAdmin(ModelAdmin):
    """Issued document numbers: a register to read, never edited (a number once sent is never reused)."""

    list_display = ("__str__", "kind", "year", "serial", "notice", "period_start", "period_end", "issued_by")
    list_filter = ("kind", "year")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ModelAdmin):
    """奖惩问责记录: recorded on the site by leaders and admins; the admin corrects a slip (the audit log keeps it)."""

    list_display = ("date", "person", "unit", "kind", "recorded_by")
    list_filter = ("kind", "unit")
    search_fields = ("person__name", "description")
    autocomplete_fields = ("person",)
    raw_id_fields = ("document_number", "item", "notice")
    readonly_fields = ("unit", "recorded_by", "recorded_at")
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False  # recorded through the site's form (the service checks the basis and who records)
