from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from tracker.common.admin import ModelAdmin, PlausibleDates, TabularInline

from ..choices import Role
from ..forms.units import AdminUserChangeForm, AdminUserCreationForm
from ..models import ApiToken, CalendarDay, Person, Unit, User, WarZone
from ..permissions import user_role
from ..services import user_set_role


@admin.register(Unit)
class UnitAdmin(PlausibleDates, GuardedModelAdmin):
    list_display = ("code", "name", "kind", "war_zone", "sort_order", "is_active")
    list_filter = ("kind", "war_zone", "is_active")
    search_fields = ("code", "name")
    ordering = ("sort_order", "code")


class UnitInline(TabularInline):
    model = Unit
    fields = ("code", "name", "kind")
    readonly_fields = ("code", "name", "kind")
    extra = 0
    can_delete = False
    verbose_name_plural = _("成员单位（在责任单位中修改所属战区）")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WarZone)
class WarZoneAdmin(ModelAdmin):
    list_display = ("name", "code", "lead_unit", "sort_order")
    inlines = [UnitInline]


@admin.register(User)
class UserAdmin(PlausibleDates, DjangoUserAdmin):
    """Role and unit are set through `user_set_role`, so groups and unit grants always agree."""

    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    list_display = ("username", "full_name", "role_label", "unit", "is_active", "last_login")
    list_filter = ("groups", "unit", "is_active")
    search_fields = ("username", "full_name", "phone")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "title", "phone", "email")}),
        (_("角色与单位"), {"fields": ("role", "unit", "is_active")}),
        (_("登录记录"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "role", "unit", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("角色"))
    def role_label(self, obj):
        role = user_role(obj)
        return role.label if role else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        role = form.cleaned_data.get("role")
        if role:
            user_set_role(user=obj, role=Role(role), unit=form.cleaned_data.get("unit"))
            self.message_user(request, _("已设置角色和单位权限。"), messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Tokens are issued by `manage.py issue_api_token` (shown once); here they are listed and revoked."""

    list_display = ("name", "prefix", "scopes", "is_active", "expires_at", "created_at", "last_used_at")
    list_editable = ("is_active",)
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(ModelAdmin):
    """Public holidays and make-up working days (from the State Council's annual notice); deadlines and warning
    colours count working days by them. The daily warning job applies a change on its next run."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(ModelAdmin):
    """The people register; pages for leaders and counties come with the accountability records."""

    list_display = ("name", "post", "unit", "phone", "is_active")
    list_filter = ("unit", "is_active")
    search_fields = ("name", "post", "phone")
    autocomplete_fields = ("unit",)
