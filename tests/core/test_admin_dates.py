"""Dates typed in the admin are bounded to 2000-01-01…2100-12-31, like the forms (issue 19, item 12).

One place (`tracker.common.admin.PlausibleDates`) for every date and datetime field of every admin; the registry
test refuses an admin or inline that is not built on it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import Project
from tests.factories import MeasureFactory, ProjectFactory
from tracker.common.admin import PlausibleDates
from tracker.models import Measure, User

OUT_OF_RANGE = "超出允许范围"
OUR_APPS = {"tracker", "projects", "rectifications", "targets"}


def _post_data(response) -> dict:
    """The change form's current values, as the browser would post them back (inline management forms too)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    for inline in response.context["inline_admin_formsets"]:
        mgmt = inline.formset.management_form
        for name in mgmt.fields:
            data[f"{mgmt.prefix}-{name}"] = mgmt[name].value()
    return data


def test_every_admin_and_inline_of_the_platform_bounds_its_dates():
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        found.append(model._meta.label)
        assert isinstance(model_admin, PlausibleDates), f"{type(model_admin).__name__} is not built on PlausibleDates"
        for inline in model_admin.inlines:
            assert issubclass(inline, PlausibleDates), f"{inline.__name__} is not built on PlausibleDates"
    assert {"projects.Project", "tracker.Measure", "tracker.User", "tracker.Unit"} <= set(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "typed", "refused"),
    [
        ("planned_start", "0001-01-01", True),
        ("planned_start", "1999-12-31", True),
        ("planned_completion", "2101-01-01", True),
        ("planned_start", "2000-01-01", False),  # the first day allowed
        ("planned_completion", "2100-12-31", False),  # the last day allowed
    ],
)
def test_the_project_admin_refuses_a_date_out_of_range(client_for, admin_user, unit_a, field, typed, refused):
    project = ProjectFactory(unit=unit_a)
    client = client_for(admin_user)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = _post_data(client.get(url))
    data[field] = typed
    response = client.post(url, data)
    if refused:
        assert response.status_code == 200 and OUT_OF_RANGE in response.content.decode()
        assert getattr(Project.objects.get(pk=project.pk), field) == getattr(project, field)  # unchanged
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert getattr(Project.objects.get(pk=project.pk), field) == date.fromisoformat(typed)


@pytest.mark.django_db
def test_the_measure_admin_refuses_a_deadline_in_the_year_9999(client_for, admin_user, unit_a):
    measure = MeasureFactory(unit=unit_a)
    client = client_for(admin_user)
    url = reverse("admin:tracker_measure_change", args=[measure.pk])
    data = _post_data(client.get(url))
    data["deadline"] = "9999-12-31"
    response = client.post(url, data)
    assert response.status_code == 200 and OUT_OF_RANGE in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).deadline == measure.deadline
    data["deadline"] = "2027-06-30"
    assert client.post(url, data).status_code == 302
    assert Measure.objects.get(pk=measure.pk).deadline == date(2027, 6, 30)


@pytest.mark.django_db
def test_a_datetime_field_inherited_from_django_is_bounded_too(rf, admin_user):
    # User.date_joined comes from Django's AbstractUser: no model validator could be added to it without a copy
    request = rf.get("/")
    request.user = admin_user
    field = admin.site._registry[User].formfield_for_dbfield(User._meta.get_field("date_joined"), request)
    with pytest.raises(ValidationError, match=OUT_OF_RANGE):
        field.clean(["1999-12-31", "23:00:00"])
    assert field.clean(["2026-03-01", "09:30:00"]).year == 2026
