"""Roles see only their menu; an official cannot open another unit's pages; grants are per Unit."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from guardian.models import UserObjectPermission

from tests.factories import UnitFactory, UserFactory
from tracker.choices import Role
from tracker.common.access import AREAS_BY_KEY, area_required
from tracker.permissions import can_act_for_unit, units_for_user, user_role
from tracker.services import user_set_role

pytestmark = pytest.mark.django_db


def _menu_keys(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {item["key"] for item in response.context["nav_items"]}


def test_admin_menu_has_system_admin_and_officials_do_not(client, actors):
    assert "admin" in _menu_keys(client, actors["admin"])
    for name in ("official_a", "dept_official", "leader", "inspector"):
        assert "admin" not in _menu_keys(client, actors[name]), name


def test_menu_shows_exactly_the_areas_the_role_may_use(client, actors):
    for name, user in actors.items():
        role = user_role(user)
        keys = _menu_keys(client, user)
        for key in keys:
            assert role in AREAS_BY_KEY[key].roles, (name, key)


def test_area_decorator_refuses_roles_outside_the_area(rf: RequestFactory, actors):
    view = area_required("projects")(lambda request: HttpResponse("ok"))
    allowed = {u: view(_req(rf, actors[u])).status_code for u in ("official_a", "dept_official", "leader", "admin")}
    assert set(allowed.values()) == {200}
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        view(_req(rf, actors["inspector"]))


def _req(rf, user):
    request = rf.get("/x/")
    request.user = user
    return request


def test_official_cannot_open_another_units_page(client, official_a, unit_a, unit_b):
    client.force_login(official_a)
    assert client.get(reverse("tracker:unit_detail", args=[unit_a.pk])).status_code == 200
    assert client.get(reverse("tracker:unit_detail", args=[unit_b.pk])).status_code == 404


def test_official_unit_list_shows_only_own_unit(client, official_a, unit_a, unit_b):
    client.force_login(official_a)
    units = list(client.get(reverse("tracker:unit_list")).context["units"])
    assert units == [unit_a]


def test_city_wide_roles_see_every_unit(client, leader, inspector, unit_a, unit_b):
    for user in (leader, inspector):
        client.force_login(user)
        assert client.get(reverse("tracker:unit_detail", args=[unit_b.pk])).status_code == 200


def test_anonymous_is_sent_to_log_in(client, unit_a):
    response = client.get(reverse("tracker:unit_detail", args=[unit_a.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_reporting_is_limited_to_own_unit_even_for_leaders(official_a, leader, admin_user, unit_a, unit_b):
    assert can_act_for_unit(official_a, unit_a)
    assert not can_act_for_unit(official_a, unit_b)
    assert not can_act_for_unit(leader, unit_a)
    assert not can_act_for_unit(admin_user, unit_a)  # superuser status does not bypass the unit grant
    assert list(units_for_user(leader, "report")) == []


def test_grants_are_one_per_unit_and_move_with_the_official(official_a, unit_a, unit_b):
    assert UserObjectPermission.objects.filter(user=official_a).count() == 2  # view + report on unit A
    user_set_role(user=official_a, role=Role.COUNTY_OFFICIAL, unit=unit_b)
    assert list(units_for_user(official_a, "report")) == [unit_b]
    assert UserObjectPermission.objects.filter(user=official_a).count() == 2


def test_becoming_a_leader_drops_unit_grants(official_a, unit_a):
    user_set_role(user=official_a, role=Role.LEADER)
    official_a = type(official_a).objects.get(pk=official_a.pk)
    assert UserObjectPermission.objects.filter(user=official_a).count() == 0
    assert user_role(official_a) == Role.LEADER


def test_global_permission_does_not_widen_an_officials_reach(official_a, unit_a, unit_b):
    from django.contrib.auth.models import Permission

    official_a.user_permissions.add(Permission.objects.get(codename="report_unit"))
    official_a = type(official_a).objects.get(pk=official_a.pk)
    assert list(units_for_user(official_a, "report")) == [unit_a]


def test_unit_scoped_role_without_unit_is_refused(db):
    from django.core.exceptions import ValidationError

    user = UserFactory(username="lonely")
    with pytest.raises(ValidationError):
        user_set_role(user=user, role=Role.COUNTY_OFFICIAL, unit=None)


def test_each_role_lands_on_its_own_home(client, actors):
    # the home page is the role's dashboard (targets.dashboards); admins also keep the system status page
    expected = {
        "official_a": "targets/dashboards/unit.html",
        "dept_official": "targets/dashboards/unit.html",
        "leader": "targets/dashboards/city.html",
        "inspector": "targets/dashboards/inspector.html",
        "admin": "targets/dashboards/city.html",
    }
    for name, template in expected.items():
        client.force_login(actors[name])
        response = client.get(reverse("home"))
        assert template in [t.name for t in response.templates], name
    response = client.get(reverse("home") + "?view=admin")
    assert "targets/home_admin.html" in [t.name for t in response.templates]


def test_unit_factory_is_usable_for_more_units(db):
    assert UnitFactory().pk != UnitFactory().pk
