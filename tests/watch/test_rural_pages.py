"""Rural sewage pages: the unit reports a month through the form; stopped plants are listed as warnings; Excel."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import RuralPlantMonth, RuralSewagePlant


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def plants(unit_a, unit_b):
    a = RuralSewagePlant.objects.create(name="井研王村污水站", village="王村", unit=unit_a, capacity=50, process="ao")
    b = RuralSewagePlant.objects.create(name="沐川一村污水站", village="一村", unit=unit_b, capacity=30, process="mbr")
    return a, b


@pytest.mark.django_db
def test_report_through_the_form_and_stopped_plant_is_warned(client_for, official_a, leader, plants):
    a, _b = plants
    client = client_for(official_a)
    response = client.post(
        reverse("tracker:rural_plant_detail", args=[a.pk]),
        {"month": f"{last_month():%Y-%m}", "state": "stopped", "flow": "", "funds": "0", "note": "水泵损坏"},
    )
    assert response.status_code == 302
    assert RuralPlantMonth.objects.get().state == "stopped"
    page = client_for(leader).get(reverse("tracker:rural_plant_list")).content.decode()
    stopped = page.split('data-table="stopped"')[1].split("</table>")[0]
    assert "井研王村污水站" in stopped and "沐川一村污水站" not in stopped


@pytest.mark.django_db
def test_leader_cannot_report(client_for, leader, plants):
    a, _b = plants
    response = client_for(leader).post(
        reverse("tracker:rural_plant_detail", args=[a.pk]), {"month": f"{last_month():%Y-%m}", "state": "running"}
    )
    assert response.status_code == 403 and not RuralPlantMonth.objects.exists()


@pytest.mark.django_db
def test_list_is_scoped_and_exports(client_for, official_b, plants):
    _a, b = plants
    RuralPlantMonth.objects.create(
        plant=b, month=last_month(), state="running", flow=Decimal("20"), funds=Decimal("800")
    )
    client = client_for(official_b)
    page = client.get(reverse("tracker:rural_plant_list")).content.decode()
    assert "沐川一村污水站" in page and "井研王村污水站" not in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("tracker:rural_plant_list") + "?export=xlsx").content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert [(r[0], r[7], r[8], r[9]) for r in rows[1:]] == [("沐川一村污水站", "正常运行", 20, 800)]
