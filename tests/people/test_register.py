"""The people register: who sees whom, the person's page, and links that must stay within the record's unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import MeasureFactory, PersonFactory, ProjectFactory, RectificationItemFactory

pytestmark = pytest.mark.django_db


def _names(response) -> set[str]:
    return {p.name for p in response.context["table"].page.object_list}


@pytest.mark.parametrize(
    "role, expected",
    [
        ("official_a", {"王建国"}),
        ("official_b", {"李志强"}),
        ("dept_official", set()),
        ("leader", {"王建国", "李志强"}),
        ("inspector", {"王建国", "李志强"}),
        ("admin", {"王建国", "李志强"}),
    ],
)
def test_register_shows_a_county_its_own_people_and_city_roles_everyone(
    client, actors, person_a, person_b, role, expected
):
    client.force_login(actors[role])
    response = client.get(reverse("tracker:person_list"))
    assert response.status_code == 200
    assert _names(response) == expected


def test_register_filters_by_unit_and_exports_the_same_rows(client, leader, person_a, person_b):
    import io

    import openpyxl

    client.force_login(leader)
    response = client.get(reverse("tracker:person_list"), {"unit": person_b.unit_id})
    assert _names(response) == {"李志强"}
    export = client.get(reverse("tracker:person_list"), {"unit": person_b.unit_id, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "职务", "所在单位")
    assert [r[0] for r in rows[1:]] == ["李志强"]


def test_another_countys_person_is_not_found(client, official_a, person_b):
    client.force_login(official_a)
    assert client.get(reverse("tracker:person_detail", args=[person_b.pk])).status_code == 404


def test_person_page_lists_tasks_items_and_projects_linked_to_the_person(client, leader, person_a, unit_a):
    MeasureFactory(unit=unit_a, title="砖瓦窑提标改造", responsible=person_a)
    RectificationItemFactory(unit=unit_a, code="T-ZG-1", responsible=person_a)
    ProjectFactory(unit=unit_a, name="污水管网改造", responsible=person_a)
    MeasureFactory(unit=unit_a, title="别人的任务")  # not linked: not listed
    client.force_login(leader)
    response = client.get(reverse("tracker:person_detail", args=[person_a.pk]))
    sections = {s["key"]: s for s in response.context["sections"]}
    assert [r["cells"][1] for r in sections["measures"]["rows"]] == ["砖瓦窑提标改造"]
    assert [r["cells"][0] for r in sections["items"]["rows"]] == ["T-ZG-1"]
    assert [r["cells"][1] for r in sections["projects"]["rows"]] == ["污水管网改造"]


def test_inspectors_get_no_projects_section(client, inspector, person_a, unit_a):
    ProjectFactory(unit=unit_a, responsible=person_a)
    client.force_login(inspector)
    response = client.get(reverse("tracker:person_detail", args=[person_a.pk]))
    assert "projects" not in {s["key"] for s in response.context["sections"]}


def test_task_page_shows_the_persons_name_where_the_title_was(client, official_a, person_a, unit_a):
    m = MeasureFactory(unit=unit_a, responsible_person="分管副县长", responsible=person_a)
    client.force_login(official_a)
    body = client.get(reverse("tracker:measure_detail", args=[m.pk])).content.decode()
    assert "王建国（分管副县长）" in body


def test_a_record_cannot_name_a_person_of_another_unit(unit_a, person_b):
    m = MeasureFactory(unit=unit_a, responsible=person_b)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "responsible" in exc.value.message_dict


def test_task_assignment_form_refuses_a_person_of_another_unit(client, dept_official, unit_a, person_b):
    from tracker.models import Measure

    client.force_login(dept_official)
    response = client.post(
        reverse("tracker:measure_assign"),
        {
            "unit": unit_a.pk,
            "title": "任务",
            "area": "water",
            "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "responsible": person_b.pk,
        },
    )
    assert response.status_code == 200
    assert "责任人须为该记录责任单位的人员。" in response.content.decode()
    assert not Measure.objects.exists()


def test_task_assignment_with_a_person_keeps_the_post_as_the_title(client, dept_official, unit_a, person_a):
    from tracker.models import Measure

    client.force_login(dept_official)
    response = client.post(
        reverse("tracker:measure_assign"),
        {
            "unit": unit_a.pk,
            "title": "任务",
            "area": "water",
            "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "responsible": person_a.pk,
        },
    )
    assert response.status_code == 302
    m = Measure.objects.get()
    assert (m.responsible_id, m.responsible_person) == (person_a.pk, "分管副县长")


def test_register_page_reads_in_english(client, leader, person_a):
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("tracker:person_list")).content.decode()
    assert "People register" in body
    assert "责任人名册" not in body


def test_person_ensure_is_idempotent_and_admins_only(admin_user, leader, unit_a):
    from django.core.exceptions import PermissionDenied

    from tracker.services.people import person_ensure

    first = person_ensure(user=admin_user, unit=unit_a, name="赵德明", post="县长")
    again = person_ensure(user=admin_user, unit=unit_a, name="赵德明 ", post="县长")
    assert first.pk == again.pk
    with pytest.raises(PermissionDenied):
        person_ensure(user=leader, unit=unit_a, name="钱某", post="县长")
    assert PersonFactory._meta.model.objects.count() == 1
