"""Admin: funds and project master data are edited here; stage, payments and history are read-only records."""

from django import forms
from django.contrib import admin

from .models import Fund, Payment, ProgressReport, Project, StageChange
from .services import fund_allocation_check, fund_amount_check


class FundAdminForm(forms.ModelForm):
    """A fund's amount cannot go below what its projects are allocated.

    The admin validates and saves in one transaction, so the fund row locked here stays locked until the save.
    """

    def clean(self):
        data = super().clean()
        if self.instance.pk and "amount" in self.changed_data and data.get("amount") is not None:
            try:
                fund_amount_check(fund_id=self.instance.pk, amount=data["amount"])
            except forms.ValidationError as exc:
                self.add_error("amount", exc)
        return data


class ProjectAdminForm(forms.ModelForm):
    """A project's allocation must fit in what its fund has left (fund row locked until the admin's save)."""

    def clean(self):
        data = super().clean()
        fund, amount = data.get("fund"), data.get("allocated_amount")
        touched = not self.instance.pk or {"fund", "allocated_amount"} & set(self.changed_data)
        if touched and fund is not None and amount is not None:
            try:
                fund_allocation_check(fund_id=fund.pk, project_id=self.instance.pk, amount=amount)
            except forms.ValidationError as exc:
                self.add_error("allocated_amount", exc)
        return data


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    form = FundAdminForm
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
    form = ProjectAdminForm
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
