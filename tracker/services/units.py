"""Writes for units and people. Roles are groups; a unit-scoped role comes with guardian grants on its unit."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from ..choices import UNIT_SCOPED_ROLES, Role
from ..common.access import has_cap
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


# letters and digits that cannot be mistaken for one another when read aloud or copied from a screen
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_password(length: int = 12) -> str:
    """A random initial password (never stored in clear, shown once to the admin who created the account)."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


@transaction.atomic
def user_save(
    *,
    user,
    username: str,
    full_name: str,
    role: Role,
    unit: Unit | None,
    title: str = "",
    phone: str = "",
    is_active: bool = True,
) -> tuple[User, str | None]:
    """Create or update (by username) an account with its one role and unit (through `user_set_role`).

    A new account gets a random one-time password, returned here to be shown once and never stored in clear;
    an existing account's password is left alone. Passwords never come from an imported file.
    """
    if not has_cap(user, "manage_users"):
        raise PermissionDenied(_("只有系统管理员可以管理用户。"))
    account = User.objects.filter(username=username).first()
    password = None
    if account is None:
        account = User(username=username)
        password = one_time_password()
        validate_password(password, account)
        account.set_password(password)
    elif account.is_superuser and not has_cap(user, "admin_site"):
        raise PermissionDenied(_("不能修改超级管理员。"))
    account.full_name, account.title, account.phone, account.is_active = full_name, title, phone, is_active
    account.full_clean(exclude=["password", "unit"])
    account.save()
    user_set_role(user=account, role=role, unit=unit)
    return account, password
