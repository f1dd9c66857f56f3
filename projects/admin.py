"""Admin: funds and project master data are edited here; stage, payments and history are read-only records."""

from django.contrib import admin

from .models import Fund, Payment, ProgressReport, Project, StageChange


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "year", "area", "amount")
    list_filter = ("level", "year", "area")
    search_fields = ("name",)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("paid_on", "voucher_no", "amount", "reverses", "note", "entered_by", "entered_at")
    readonly_fields = fields


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ("changed_at", "from_stage", "to_stage", "reason", "changed_by")
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "fund", "stage", "allocated_amount", "progress")
    list_filter = ("stage", "unit", "fund__year", "fund__level")
    search_fields = ("code", "name")
    list_select_related = ("unit", "fund")
    autocomplete_fields = ("fund",)
    # Stage moves only through the service (history row + compare-and-set); progress through reports.
    readonly_fields = ("stage", "version", "progress", "actual_start", "actual_completion", "created_at")
    inlines = [PaymentInline, StageChangeInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Payments are a ledger: visible here, never added, edited or deleted (corrections are reversing entries)."""

    list_display = ("project", "paid_on", "voucher_no", "amount", "reverses", "entered_by")
    list_select_related = ("project", "reverses", "entered_by")
    search_fields = ("voucher_no", "project__name", "project__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ("project", "reported_on", "progress", "reported_by")
    list_select_related = ("project", "reported_by")
    search_fields = ("project__name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
