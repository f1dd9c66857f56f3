"""奖惩到人: who may record accountability, who sees which records, and what a record must rest on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rectifications.accountability import accountability_record
from rectifications.models import AccountabilityRecord, Notice
from tests.factories import RectificationItemFactory

pytestmark = pytest.mark.django_db


def _record(user, person, item, **kw):
    return accountability_record(
        user=user,
        person=person,
        kind=kw.pop("kind", "criticism"),
        date=kw.pop("date", timezone.localdate()),
        description=kw.pop("description", "逾期未整改，通报批评。"),
        item=item,
        **kw,
    )


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("official_a", False),
        ("official_b", False),
        ("dept_official", False),
        ("leader", True),
        ("inspector", False),
        ("admin", True),
    ],
)
def test_only_leaders_and_admins_record_accountability(actors, person_a, unit_a, role, allowed):
    item = RectificationItemFactory(unit=unit_a)
    if allowed:
        record = _record(actors[role], person_a, item)
        assert (record.unit_id, record.recorded_by_id) == (unit_a.pk, actors[role].pk)
    else:
        with pytest.raises(PermissionDenied):
            _record(actors[role], person_a, item)
        assert not AccountabilityRecord.objects.exists()


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
def test_a_county_sees_its_own_peoples_records_and_city_roles_all(
    client, actors, leader, person_a, person_b, unit_a, unit_b, role, expected
):
    _record(leader, person_a, RectificationItemFactory(unit=unit_a))
    _record(leader, person_b, RectificationItemFactory(unit=unit_b), kind="interview")
    client.force_login(actors[role])
    response = client.get(reverse("rectifications:accountability_list"))
    assert response.status_code == 200
    assert {r.person.name for r in response.context["table"].page.object_list} == expected


def test_ledger_filters_by_unit_kind_and_year_and_exports(client, leader, person_a, person_b, unit_a, unit_b):
    import io

    import openpyxl

    today = timezone.localdate()
    _record(leader, person_a, RectificationItemFactory(unit=unit_a), kind="criticism")
    _record(leader, person_a, RectificationItemFactory(unit=unit_a), kind="interview", date=today.replace(day=1))
    _record(leader, person_b, RectificationItemFactory(unit=unit_b), kind="interview")
    _record(leader, person_b, RectificationItemFactory(unit=unit_b), kind="commendation", date=dt.date(2024, 3, 1))
    client.force_login(leader)
    url = reverse("rectifications:accountability_list")
    rows = client.get(url, {"kind": "interview"}).context["table"].page.object_list
    assert sorted(r.person.name for r in rows) == ["李志强", "王建国"]
    rows = client.get(url, {"unit": unit_b.pk, "year": 2024}).context["table"].page.object_list
    assert [r.kind for r in rows] == ["commendation"]
    export = client.get(url, {"unit": unit_a.pk, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert len(list(sheet.iter_rows(values_only=True))) == 1 + 2  # header + person A's two records


def test_a_record_needs_a_basis(leader, person_a):
    with pytest.raises(ValidationError) as exc:
        _record(leader, person_a, None)
    assert "至少选择一项依据" in str(exc.value)
    assert not AccountabilityRecord.objects.exists()


def test_the_basis_must_concern_the_persons_unit(leader, person_a, unit_b):
    other_item = RectificationItemFactory(unit=unit_b)
    with pytest.raises(ValidationError) as exc:
        _record(leader, person_a, other_item)
    assert "item" in exc.value.message_dict
    notice = Notice.objects.create(
        item=other_item, unit=unit_b, person="某", level="supervision", created_at=timezone.now()
    )
    with pytest.raises(ValidationError) as exc:
        _record(leader, person_a, None, notice=notice)
    assert "notice" in exc.value.message_dict
    assert not AccountabilityRecord.objects.exists()


def test_a_record_on_a_numbered_supervision_notice(leader, person_a, unit_a):
    from rectifications.documents import notice_number

    item = RectificationItemFactory(unit=unit_a, code="SJ-1")
    notice = Notice.objects.create(item=item, unit=unit_a, person="某", level="supervision", created_at=timezone.now())
    number = notice_number(notice=notice, user=leader)
    record = _record(leader, person_a, None, kind="interview", notice=notice, document_number=number)
    assert record.basis_label == f"{number.text}；督办函（SJ-1）"


def test_leader_records_through_the_form_and_lands_on_the_persons_page(client, leader, person_a, unit_a):
    RectificationItemFactory(unit=unit_a, code="ZG-9")
    client.force_login(leader)
    response = client.post(
        reverse("rectifications:accountability_create"),
        {
            "person": person_a.pk,
            "kind": "criticism",
            "date": timezone.localdate().isoformat(),
            "item_code": "ZG-9",
            "description": "逾期未整改。",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("tracker:person_detail", args=[person_a.pk])
    page = client.get(response["Location"])
    records = next(s for s in page.context["sections"] if s["key"] == "accountability")
    assert [r["cells"][1] for r in records["rows"]] == ["通报批评"]


def test_form_explains_an_unknown_item_code_and_writes_nothing(client, leader, person_a):
    client.force_login(leader)
    response = client.post(
        reverse("rectifications:accountability_create"),
        {"person": person_a.pk, "kind": "interview", "date": timezone.localdate().isoformat(), "item_code": "NONE-1",
         "description": "约谈。"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "没有编号为“NONE-1”的整改问题。" in response.content.decode()
    assert not AccountabilityRecord.objects.exists()


def test_who_recorded_is_in_the_audit_log(leader, person_a, unit_a):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the audit log is PostgreSQL triggers")
    record = _record(leader, person_a, RectificationItemFactory(unit=unit_a))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT app_user FROM audit_log WHERE table_name = 'rectifications_accountabilityrecord' AND row_pk = %s",
            [str(record.pk)],
        )
        assert cur.fetchall() == [(str(leader.pk),)]


def test_accountability_pages_read_in_english(client, leader, person_a, unit_a):
    _record(leader, person_a, RectificationItemFactory(unit=unit_a), kind="interview")
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("rectifications:accountability_list")).content.decode()
    assert "Accountability records" in body and "Formal interview" in body
    form = client.get(reverse("rectifications:accountability_create")).content.decode()
    assert "Record accountability" in form
