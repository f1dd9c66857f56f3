"""Bulk import of targets: the template round trip, dry-run preview, all or nothing, permissions re-checked."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from targets.imports import targets_import, targets_template
from targets.models import Target
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(unit_a, unit_b):
    rate = IndicatorFactory(code="imp_rate", name="优良天数率")
    pm = IndicatorFactory(code="imp_pm25", name="PM2.5", unit_of_measure="µg/m³")
    Target.objects.create(indicator=rate, unit=unit_a, year=2026, value=90, baseline=88.5)
    Target.objects.create(indicator=pm, unit=unit_b, year=2026, value=35)
    return rate, pm


def snapshot():
    return sorted(Target.objects.values_list("unit__code", "indicator__code", "year", "value", "baseline"))


def upload(raw: bytes, name="targets.xlsx"):
    f = io.BytesIO(raw)
    f.name = name
    return f


def sheet_rows(raw: bytes, title="数据"):
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    return wb, [list(r) for r in wb[title].iter_rows(values_only=True)]


def test_template_has_chinese_headers_dropdowns_and_an_example(setup):
    wb, rows = sheet_rows(targets_template(year=2026))
    assert rows[0] == ["单位代码", "单位名称", "指标代码", "指标名称", "年度", "目标值", "基数"]
    assert len(rows) == 3  # header + the year's two targets
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in wb["数据"].data_validations.dataValidation}
    assert set(lists) == {"A2", "C2"}  # unit code and indicator code columns
    assert wb["选项"].sheet_state == "hidden"
    guide = [c for r in wb["填写说明"].iter_rows(values_only=True) for c in r if c is not None]
    assert "示例（仅供参考，不会导入）：" in guide


def test_round_trip_export_import_is_identical(admin_user, setup):
    before = snapshot()
    result = targets_import(user=admin_user, upload=upload(targets_template(year=2026)), dry_run=False)
    assert result.errors == [] and result.saved
    assert (result.created, result.updated) == (0, 0)  # every row is "same"
    assert snapshot() == before


def edited(raw: bytes, changes: dict, extra_rows=()):
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["数据"]
    for (r, c), v in changes.items():
        ws.cell(row=r, column=c, value=v)
    for row in extra_rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_dry_run_previews_and_saves_nothing_then_confirm_writes(admin_user, setup, unit_b):
    raw = edited(targets_template(year=2026), {(2, 6): 92}, [[unit_b.code, "", "imp_rate", "", 2026, 85, ""]])
    before = snapshot()
    preview = targets_import(user=admin_user, upload=upload(raw), dry_run=True)
    assert (preview.created, preview.updated, preview.saved) == (1, 1, False)
    assert snapshot() == before
    targets_import(user=admin_user, upload=upload(raw), dry_run=False)
    assert Target.objects.get(unit=setup[0].targets.first().unit, indicator=setup[0]).value == 92
    assert Target.objects.get(unit=unit_b, indicator=setup[0]).value == 85


def test_a_bad_row_saves_nothing_and_names_row_and_column(admin_user, setup, unit_b):
    raw = edited(
        targets_template(year=2026),
        {(2, 6): 92},
        [[unit_b.code, "", "no_such", "", 2026, 85, ""], [unit_b.code, "", "imp_rate", "", "二〇二六", "x", ""]],
    )
    before = snapshot()
    result = targets_import(user=admin_user, upload=upload(raw), dry_run=False)
    assert not result.saved and snapshot() == before  # the good edit in row 2 was not saved either
    assert [str(e) for e in result.errors] == [
        "第 4 行「指标代码」列：没有代码为“no_such”的指标",
        "第 5 行「年度」列：年度须为 2000–2100 的四位数字",
        "第 5 行「目标值」列：请填写数字",
    ]


def test_a_key_twice_in_the_file_is_an_error(admin_user, setup, unit_b):
    raw = edited(targets_template(year=2026), {}, [[unit_b.code, "", "imp_pm25", "", 2026, 30, ""]])
    result = targets_import(user=admin_user, upload=upload(raw), dry_run=False)
    assert [str(e) for e in result.errors] == ["第 4 行：与第 3 行重复（同一单位、指标、年度）"]
    assert Target.objects.get(unit=unit_b).value == 35


@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector"])
def test_only_admins_import(client_for, actors, setup, who):
    with pytest.raises(PermissionDenied):
        targets_import(user=actors[who], upload=upload(targets_template(year=2026)), dry_run=False)
    client = client_for(actors[who])
    assert client.get(reverse("targets:target_import")).status_code == 403
    assert client.get(reverse("targets:target_template")).status_code == 403


def test_the_page_previews_then_confirms_the_same_file(client_for, admin_user, setup, unit_b):
    raw = edited(targets_template(year=2026), {}, [[unit_b.code, "", "imp_rate", "", 2026, 85, ""]])
    client = client_for(admin_user)
    page = client.post(reverse("targets:target_import"), {"action": "preview", "file": upload(raw)})
    assert "将新增 1 条、更新 0 条" in page.content.decode()
    assert Target.objects.count() == 2
    response = client.post(reverse("targets:target_import"), {"action": "confirm"})
    assert response.status_code == 302 and Target.objects.count() == 3
