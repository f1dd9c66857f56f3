"""Admin: funds and project master data are edited here; stage, payments and history are read-only records."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.common.admin import ModelAdmin, TabularInline

from . import services
from .models import Fund, Payment, Pilot, PilotMilestone, ProgressReport, Project, StageChange
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
class FundAdmin(ModelAdmin):
    form = FundAdminForm
    list_display = ("name", "level", "year", "area", "amount")
    list_filter = ("level", "year", "area")
    search_fields = ("name",)


class ReadOnlyInline(TabularInline):
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
class ProjectAdmin(ModelAdmin):
    form = ProjectAdminForm
    list_display = ("code", "name", "unit", "fund", "stage", "allocated_amount", "progress")
    list_filter = ("stage", "unit", "fund__year", "fund__level")
    search_fields = ("code", "name")
    list_select_related = ("unit", "fund")
    autocomplete_fields = ("fund", "responsible")
    # Stage moves only through the service (history row + compare-and-set); progress through reports.
    readonly_fields = ("stage", "version", "progress", "actual_start", "actual_completion", "created_at")
    inlines = [PaymentInline, StageChangeInline]


class AdminReversalForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=200)


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    """Payments are a ledger: visible here, never added, edited or deleted (corrections are reversing entries).

    The admin corrects a payment the same way a unit does: the action 「冲销所选支付」 asks for a reason and
    calls `payment_reverse` for each selected payment (a negative entry pointing at it, audited under the admin).
    """

    list_display = ("project", "paid_on", "voucher_no", "amount", "reverses", "entered_by")
    list_select_related = ("project", "reverses", "entered_by")
    search_fields = ("voucher_no", "project__name", "project__code")
    actions = ["reverse_selected"]

    @admin.action(description=_("冲销所选支付（全额，须填写原因）"))
    def reverse_selected(self, request, queryset):
        form = AdminReversalForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for payment in queryset.select_related("project"):
                try:
                    services.payment_reverse(payment=payment, reason=form.cleaned_data["reason"], user=request.user)
                except (ValidationError, PermissionDenied) as exc:
                    detail = "；".join(getattr(exc, "messages", [str(exc)]))
                    self.message_user(request, f"{payment.voucher_no}：{detail}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, gettext("已冲销 %(n)d 笔支付。") % {"n": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("冲销所选支付"),
            "opts": self.model._meta,
            "payments": queryset.select_related("project"),
            "form": form,
            "action": "reverse_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/projects/payment_reverse.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(ModelAdmin):
    list_display = ("project", "reported_on", "progress", "reported_by")
    list_select_related = ("project", "reported_by")
    search_fields = ("project__name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PilotMilestoneInline(TabularInline):
    model = PilotMilestone
    extra = 1
    fields = ("name", "planned_on", "done_on", "evidence")


@admin.register(Pilot)
class PilotAdmin(ModelAdmin):
    """Pilots and their milestone plans are set up here; the lead unit records milestones done on the site."""

    list_display = ("name", "level", "kind", "lead_unit", "status", "due_on")
    list_filter = ("level", "kind", "status")
    filter_horizontal = ("projects", "funds")
    inlines = [PilotMilestoneInline]
