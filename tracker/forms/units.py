from django import forms
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from ..choices import UNIT_SCOPED_ROLES, Role
from ..models import User
from ..permissions import user_role


class _RoleUnitMixin(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        unit = cleaned.get("unit")
        if role in UNIT_SCOPED_ROLES and unit is None:
            self.add_error("unit", _("区县填报员和市级部门填报员必须选择所属单位。"))
        if role not in UNIT_SCOPED_ROLES and unit is not None:
            self.add_error("unit", _("该角色面向全市，不属于某个单位，请清空所属单位。"))
        return cleaned


class AdminUserCreationForm(_RoleUnitMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "unit")


class AdminUserChangeForm(_RoleUnitMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "title", "phone", "email", "unit", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            role = user_role(self.instance)
            self.fields["role"].initial = role.value if role else None
