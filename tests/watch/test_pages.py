"""Warning pages: scoped list, Excel export, the unit's response and the inspector's escalation through the forms,
and the unit dashboard's open-warning panel."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AirStationFactory
from tracker.models import MonitoringWarning, WarningRule


def make_warning(unit, code: str, peak: float = 230) -> MonitoringWarning:
    rule, _ = WarningRule.objects.get_or_create(
        name="AQI 超过 200", defaults={"source": "air", "parameter": "aqi", "threshold": 200, "level": "orange"}
    )
    station = AirStationFactory(code=code, name=f"{unit.name}站", unit=unit)
    return MonitoringWarning.objects.create(
        rule=rule, unit=unit, station=station, subject_key=f"air:{station.pk}", episode_start=dt.date(2026, 1, 5),
        fired_on=dt.date(2026, 1, 5), last_date=dt.date(2026, 1, 6), periods=2, peak_value=peak,
    )  # fmt: skip


@pytest.fixture
def warnings(unit_a, unit_b):
    return make_warning(unit_a, "A1", 230), make_warning(unit_b, "B1", 260)


@pytest.mark.django_db
def test_official_lists_only_own_units_warnings(client_for, official_a, leader, warnings):
    page = client_for(official_a).get(reverse("tracker:warning_list")).content.decode()
    assert "井研县站" in page and "沐川县站" not in page
    page = client_for(leader).get(reverse("tracker:warning_list")).content.decode()
    assert "井研县站" in page and "沐川县站" in page


@pytest.mark.django_db
def test_excel_export_has_the_scoped_rows(client_for, official_b, warnings):
    response = client_for(official_b).get(reverse("tracker:warning_list") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "预警规则", "预警级别", "责任单位")
    assert [(r[3], r[4], r[9]) for r in rows[1:]] == [("沐川县", "沐川县站", 260)]


@pytest.mark.django_db
def test_respond_through_the_form_closes_the_warning(client_for, official_a, warnings):
    w = warnings[0]
    client = client_for(official_a)
    assert "反馈处置情况" in client.get(reverse("tracker:warning_detail", args=[w.pk])).content.decode()
    response = client.post(reverse("tracker:warning_respond", args=[w.pk]), {"version": 0, "response": "工地停工"})
    assert response.status_code == 302
    w.refresh_from_db()
    assert (w.status, w.response) == ("responded", "工地停工")
    page = client.get(reverse("tracker:warning_detail", args=[w.pk])).content.decode()
    assert "工地停工" in page and "反馈处置情况" not in page


@pytest.mark.django_db
def test_escalate_through_the_form_links_the_item(client_for, inspector, warnings):
    w = warnings[0]
    client = client_for(inspector)
    deadline = timezone.localdate() + dt.timedelta(days=20)
    client.post(
        reverse("rectifications:warning_escalate", args=[w.pk]),
        {"version": 0, "responsible_person": "王五", "deadline": deadline.isoformat(), "measures": "", "note": ""},
    )
    w.refresh_from_db()
    assert w.status == "escalated" and w.rectification_item.responsible_person == "王五"
    page = client.get(reverse("tracker:warning_detail", args=[w.pk])).content.decode()
    assert w.rectification_item.code in page


@pytest.mark.django_db
def test_escalation_with_a_past_deadline_is_refused(client_for, inspector, warnings):
    w = warnings[0]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    client_for(inspector).post(
        reverse("rectifications:warning_escalate", args=[w.pk]),
        {"version": 0, "responsible_person": "王五", "deadline": yesterday.isoformat()},
    )
    w.refresh_from_db()
    assert w.status == "open"


@pytest.mark.django_db
def test_unit_dashboard_shows_open_warnings(client_for, official_a, unit_a, warnings):
    page = client_for(official_a).get(reverse("targets:dashboard_unit", args=[unit_a.pk])).content.decode()
    assert "待处置监测预警" in page and "井研县站" in page and "沐川县站" not in page


@pytest.mark.django_db
def test_menu_has_the_watch_entry(client_for, official_a):
    page = client_for(official_a).get(reverse("tracker:warning_list")).content.decode()
    assert f'href="{reverse("tracker:warning_list")}"' in page and "监测预警" in page


@pytest.mark.django_db
def test_city_dashboard_counts_open_warnings_by_unit(client_for, leader, warnings, official_a):
    from tracker.services.watch import warning_respond

    warning_respond(user=official_a, warning_id=warnings[0].pk, expected_version=0, response="已处置")
    page = client_for(leader).get(reverse("targets:dashboard_city")).content.decode()
    # two warnings, one answered: one open, at 沐川县
    assert "条监测预警待责任单位处置" in page and "沐川县 1" in page and "井研县 1" not in page
