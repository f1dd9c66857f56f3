"""Writes for units and people. Roles are groups; a unit-scoped role comes with guardian grants on its unit."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from ..choices import UNIT_SCOPED_ROLES, Role
from ..models import Unit, User

UNIT_PERMS = ("tracker.view_unit_data", "tracker.report_unit")


def roles_ensure_groups() -> dict[Role, Group]:
    """Create the role groups if missing (idempotent) and return them by role."""
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic
def user_set_role(*, user: User, role: Role, unit: Unit | None = None) -> User:
    """Give `user` exactly one role. Unit-scoped roles need a unit, and get view/report grants on it only.

    City-wide roles hold no unit grants: their reach comes from the role itself.
    """
    role = Role(role)
    if role in UNIT_SCOPED_ROLES and unit is None:
        raise ValidationError(_("区县填报员和市级部门填报员必须指定所属单位。"))
    groups = roles_ensure_groups()
    user.groups.remove(*[g for r, g in groups.items() if r != role])
    user.groups.add(groups[role])
    user.is_staff = role == Role.ADMIN
    user.unit = unit if role in UNIT_SCOPED_ROLES else None
    user.save(update_fields=["is_staff", "unit"])
    _sync_unit_grants(user, unit if role in UNIT_SCOPED_ROLES else None)
    user._eco_role = role  # type: ignore[attr-defined]  # the role cache of tracker.common.access.user_role
    return user


def _sync_unit_grants(user: User, unit: Unit | None) -> None:
    """Leave the user holding grants on `unit` alone (or on nothing)."""
    for perm in UNIT_PERMS:
        held = get_objects_for_user(user, perm, klass=Unit, accept_global_perms=False, with_superuser=False)
        for other in held:
            if unit is None or other.pk != unit.pk:
                remove_perm(perm, user, other)
        if unit is not None:
            assign_perm(perm, user, unit)
