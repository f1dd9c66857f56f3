"""The item list template: drop-downs, and its example row, filled into the data sheet, imports as it is."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from rectifications.models import RectificationItem
from tests.tracker.test_upload_templates import with_example_filled

pytestmark = pytest.mark.django_db


def test_items_template_example_imports(client_for, inspector, unit_a, dept_unit):
    client = client_for(inspector)
    template = client.get(reverse("rectifications:import_template"))
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    cols = sorted(str(dv.sqref).split(":")[0] for dv in wb["数据"].data_validations.dataValidation)
    assert cols == ["C2", "D2", "E2", "I2"]  # area, unit, lead department, term
    data = {
        "kind": "central",
        "name": "模板示例批次",
        "date": timezone.localdate().isoformat(),
        "file": with_example_filled(template.content),
    }
    response = client.post(reverse("rectifications:import"), data)
    assert response.status_code == 302
    item = RectificationItem.objects.get()
    assert (item.code, item.unit, item.lead_department) == ("DC-2026-001", unit_a, dept_unit)


@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader"])
def test_only_importers_download_the_items_template(client_for, actors, who):
    assert client_for(actors[who]).get(reverse("rectifications:import_template")).status_code == 403
