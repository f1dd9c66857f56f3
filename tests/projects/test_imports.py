"""Bulk imports of funds and projects: template round trip, a bad row (or a row the service refuses) saves
nothing, only holders of `allocate_funds` import (a county cannot import funds), re-checked in the service."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from projects.choices import FundLevel, Stage
from projects.imports import FundImporter, ProjectImporter
from projects.models import Fund, Project
from projects.services import fund_save
from tests.factories import FundFactory, ProjectFactory

pytestmark = pytest.mark.django_db
D = Decimal


def as_upload(raw: bytes) -> io.BytesIO:
    f = io.BytesIO(raw)
    f.name = "import.xlsx"
    return f


def edited(raw: bytes, changes: dict | None = None, extra_rows=()) -> io.BytesIO:
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["数据"]
    for (r, c), v in (changes or {}).items():
        ws.cell(row=r, column=c, value=v)
    for row in extra_rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return as_upload(out.getvalue())


def funds():
    return sorted(Fund.objects.values_list("name", "level", "year", "area", "amount", "note"))


def projects():
    return sorted(
        Project.objects.values_list(
            "code", "name", "unit__code", "fund__name", "stage", "investment", "allocated_amount",
            "planned_start", "planned_completion", "responsible_person", "proposal_status",
        )
    )  # fmt: skip


@pytest.fixture
def world(unit_a, unit_b):
    f1 = FundFactory(name="2025中央水", level=FundLevel.CENTRAL, year=2025, amount=D("1000000.50"), note="川财1号")
    f2 = FundFactory(name="2026市级", level=FundLevel.CITY, year=2026, amount=D("300000"))
    ProjectFactory(code="XM1", unit=unit_a, fund=f1, allocated_amount=D("600000.25"), investment=D("900000.75"))
    ProjectFactory(
        code="XM2", unit=unit_b, fund=None, allocated_amount=D("0"), investment=D("50000"), stage=Stage.RESERVE,
        planned_start=None, planned_completion=None, responsible_person="",
    )  # fmt: skip
    return f1, f2


@pytest.mark.parametrize(("importer", "snapshot"), [(FundImporter, funds), (ProjectImporter, projects)])
def test_round_trip_export_import_gives_identical_rows(admin_user, world, importer, snapshot):
    before = snapshot()
    result = importer().run(user=admin_user, upload=as_upload(importer().template(user=admin_user)), dry_run=False)
    assert result.errors == [] and result.saved and (result.created, result.updated) == (0, 0)
    assert snapshot() == before


def test_new_project_enters_the_reserve_and_is_allocated_through_the_service(admin_user, world, unit_b):
    upload = edited(
        ProjectImporter().template(user=admin_user),
        {},
        [["XM3", "管网工程", unit_b.code, "", "2026市级", 250000, 200000, "2026-03-01", "2026-12-31", "李四"]],
    )
    result = ProjectImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert result.saved and result.created == 1
    p = Project.objects.get(code="XM3")
    assert (p.stage, p.fund.name, p.allocated_amount, p.investment) == (
        Stage.RESERVE,
        "2026市级",
        D("200000"),
        D("250000"),
    )


def test_an_allocation_beyond_the_fund_rolls_back_the_whole_file(admin_user, world, unit_b):
    # 2026市级 has 300,000: XM3 takes 200,000 (fits), XM4 another 150,000 → 350,000 > 300,000 → refused
    upload = edited(
        ProjectImporter().template(user=admin_user),
        {(2, 2): "改名"},
        [
            ["XM3", "甲", unit_b.code, "", "2026市级", 250000, 200000, "", "", ""],
            ["XM4", "乙", unit_b.code, "", "2026市级", 250000, 150000, "", "", ""],
        ],
    )
    before = projects()
    result = ProjectImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert not result.saved and projects() == before
    assert len(result.errors) == 1 and str(result.errors[0]).startswith("第 5 行：分配被拒绝")


def test_a_bad_row_saves_nothing_and_names_row_and_column(admin_user, world):
    upload = edited(
        FundImporter().template(user=admin_user),
        {(2, 5): 2000000},
        [["新资金", "乡级", "二〇二六", "水", "-5", ""]],
    )
    before = funds()
    result = FundImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert not result.saved and funds() == before
    assert [str(e) for e in result.errors] == [
        "第 4 行「资金级别」列：请从下拉列表选择",
        "第 4 行「资金年度」列：资金年度须为 2000–2100 的四位数字",
        "第 4 行「下达我市金额（元）」列：请填写不小于 0 的金额（元）",
    ]


def test_a_fund_cannot_drop_below_what_its_projects_hold(admin_user, world):
    upload = edited(FundImporter().template(user=admin_user), {(3, 5): 500000})  # row 3 = 2025中央水 (600,000.25 used)
    result = FundImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert not result.saved and "资金金额不能低于已分配给项目的 600,000.25 元" in str(result.errors[0])
    assert Fund.objects.get(name="2025中央水").amount == D("1000000.50")


@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector"])
@pytest.mark.parametrize("importer", [FundImporter, ProjectImporter])
def test_a_county_cannot_import_funds_or_projects(actors, admin_user, world, who, importer):
    raw = importer().template(user=admin_user)
    with pytest.raises(PermissionDenied):
        importer().run(user=actors[who], upload=as_upload(raw), dry_run=False)


def test_the_service_rechecks_the_capability(official_a):
    with pytest.raises(PermissionDenied):
        fund_save(user=official_a, name="x", level="city", year=2026, area="water", amount=D(1))
    assert not Fund.objects.filter(name="x").exists()


@pytest.mark.parametrize("name", ["fund", "project"])
def test_the_pages_preview_then_confirm(client_for, admin_user, world, name):
    client = client_for(admin_user)
    template = client.get(reverse(f"projects:{name}_template"))
    assert template.status_code == 200
    page = client.post(reverse(f"projects:{name}_import"), {"action": "preview", "file": as_upload(template.content)})
    assert "预览：将新增 0 条、更新 0 条" in page.content.decode()
    assert client.post(reverse(f"projects:{name}_import"), {"action": "confirm"}).status_code == 302
