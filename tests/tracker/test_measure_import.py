"""Bulk assignment of tasks from the template: drop-downs, preview, all or nothing, permission re-checked."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tracker.measure_imports import measures_import, measures_template
from tracker.models import InboxEntry, Measure

pytestmark = pytest.mark.django_db


def filled(rows) -> io.BytesIO:
    wb = openpyxl.load_workbook(io.BytesIO(measures_template()))
    for row in rows:
        wb["数据"].append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "tasks.xlsx"
    return out


def soon(days=30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_template_offers_drop_downs_for_unit_area_and_source(unit_a):
    wb = openpyxl.load_workbook(io.BytesIO(measures_template()))
    cols = sorted(str(dv.sqref).split(":")[0] for dv in wb["数据"].data_validations.dataValidation)
    assert cols == ["A2", "D2", "E2"]
    options = [list(c) for c in wb["选项"].iter_cols(values_only=True)]
    assert options[1][:5] == ["领域", "大气", "水", "土壤", "无废城市"]


def test_preview_then_import_assigns_every_row_and_tells_each_unit(actors, unit_a, unit_b):
    rows = [
        [unit_a.code, "", "城区道路扬尘专项整治", "大气", "扬尘源", "王五", soon(), ""],
        [unit_b.code, "", "黑臭水体整治", "水", "", "赵六", soon(60), "完成截污"],
    ]
    preview = measures_import(user=actors["dept_official"], upload=filled(rows), dry_run=True)
    assert preview.errors == [] and not Measure.objects.exists()
    done = measures_import(user=actors["dept_official"], upload=filled(rows), dry_run=False)
    assert done.saved
    assert sorted(Measure.objects.values_list("unit__code", "area", "source_type", "assigned_by__username")) == sorted(
        [(unit_a.code, "air", "dust", "dept_official"), (unit_b.code, "water", "", "dept_official")]
    )
    assert sorted(InboxEntry.objects.values_list("user__username", flat=True)) == ["official_a", "official_b"]


def test_a_bad_row_saves_nothing(actors, unit_a):
    rows = [
        [unit_a.code, "", "城区道路扬尘专项整治", "大气", "扬尘源", "王五", soon(), ""],
        [unit_a.code, "", "黑臭水体整治", "水", "扬尘源", "赵六", "2020-01-01", ""],
    ]
    result = measures_import(user=actors["admin"], upload=filled(rows), dry_run=False)
    assert [str(e) for e in result.errors] == [
        "第 3 行「污染源类型」列：只有大气任务有污染源类型",
        "第 3 行「完成时限」列：完成时限不能早于今天",
    ]
    assert not Measure.objects.exists() and not InboxEntry.objects.exists()


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_only_departments_and_admins_import(client_for, actors, unit_a, who):
    rows = [[unit_a.code, "", "任务", "水", "", "王五", soon(), ""]]
    with pytest.raises(PermissionDenied):
        measures_import(user=actors[who], upload=filled(rows), dry_run=False)
    assert client_for(actors[who]).get(reverse("tracker:measure_import")).status_code == 403
    assert not Measure.objects.exists()


def test_the_page_previews_then_confirms(client_for, actors, unit_a):
    client = client_for(actors["admin"])
    rows = [[unit_a.code, "", "任务甲", "水", "", "王五", soon(), ""]]
    page = client.post(reverse("tracker:measure_import"), {"action": "preview", "file": filled(rows)})
    assert "将交办 1 项任务" in page.content.decode() and not Measure.objects.exists()
    response = client.post(reverse("tracker:measure_import"), {"action": "confirm"})
    assert response.status_code == 302 and Measure.objects.get().title == "任务甲"
