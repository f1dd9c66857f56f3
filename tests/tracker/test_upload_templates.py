"""The templates of the monitoring uploads: the example row of the instructions sheet, filled into the data
sheet, imports through the upload page as it is."""

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import AirStationFactory, WaterSectionFactory
from tracker.models import AirDailyReading, WaterMonthlyReading

pytestmark = pytest.mark.django_db


def with_example_filled(raw: bytes) -> io.BytesIO:
    """Copy the example row (the last row of 「填写说明」) into 「数据」 under the header."""
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    guide = list(wb["填写说明"].iter_rows(values_only=True))
    header, example = guide[-2], guide[-1]
    assert list(header[: wb["数据"].max_column]) == [c.value for c in wb["数据"][1]]
    wb["数据"].append(list(example))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "filled.xlsx"
    return out


def test_air_template_example_imports(client_for, admin_user, unit_a):
    station = AirStationFactory(unit=unit_a)
    client = client_for(admin_user)
    template = client.get(reverse("tracker:air_template"))
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in wb["数据"][1]][:3] == ["站点编码", "日期", "SO2"]
    assert wb["选项"].sheet_state == "hidden"
    response = client.post(reverse("tracker:air_upload"), {"file": with_example_filled(template.content)})
    assert response.status_code == 302
    reading = AirDailyReading.objects.get()
    assert (reading.station, reading.pm25, reading.aqi is not None) == (station, 35, True)


def test_water_template_example_imports(client_for, admin_user, unit_a):
    section = WaterSectionFactory(unit=unit_a)
    client = client_for(admin_user)
    template = client.get(reverse("tracker:water_template"))
    assert template.status_code == 200
    response = client.post(reverse("tracker:water_readings_upload"), {"file": with_example_filled(template.content)})
    assert response.status_code == 302
    reading = WaterMonthlyReading.objects.get()
    assert (reading.section, str(reading.tp)) == (section, "0.080")


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_only_importers_download_the_reading_templates(client_for, actors, who):
    client = client_for(actors[who])
    assert client.get(reverse("tracker:air_template")).status_code == 403
    assert client.get(reverse("tracker:water_template")).status_code == 403
