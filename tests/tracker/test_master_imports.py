"""Bulk imports of stations, sections, outlets and users: template round trip (export → import → identical rows),
a bad row saves nothing, the capability re-checked in the service, passwords never from the file."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import AirStationFactory, RiverFactory, SewageOutletFactory, WaterSectionFactory
from tracker.master_imports import OutletImporter, SectionImporter, StationImporter, UserImporter
from tracker.models import AirStation, OutletStepChange, SewageOutlet, User, WaterSection
from tracker.services.masterdata import station_save

pytestmark = pytest.mark.django_db


def as_upload(raw: bytes, name="import.xlsx") -> io.BytesIO:
    f = io.BytesIO(raw)
    f.name = name
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


def stations():
    return sorted(
        AirStation.objects.values_list(
            "code", "name", "level", "unit__code", "war_zone__name", "lon", "lat", "counts_for_assessment", "is_active"
        )
    )


def sections():
    return sorted(
        WaterSection.objects.values_list(
            "code", "name", "river__name", "level", "unit__code", "target_class", "water_body", "is_active"
        )
    )


def outlets():
    return sorted(
        SewageOutlet.objects.values_list("code", "name", "river__name", "unit__code", "outlet_type", "step", "deadline")
    )


@pytest.fixture
def world(unit_a, unit_b):
    river = RiverFactory(name="岷江")
    AirStationFactory(code="S1", name="市监测站", unit=unit_a, lon=103.76, lat=29.57)
    AirStationFactory(code="S2", name="乐山大佛", unit=unit_b, counts_for_assessment=False, lon=None, lat=None)
    WaterSectionFactory(code="W1", name="悦来渡口", river=river, unit=unit_a, target_class=3)
    WaterSectionFactory(code="W2", name="水库断面", river=river, unit=unit_b, target_class=2, water_body="reservoir")
    SewageOutletFactory(code="P1", name="污水厂排口", river=river, unit=unit_a, deadline=dt.date(2030, 6, 30))
    return river


# --- the template -----------------------------------------------------------------------------------------


def test_template_has_chinese_headers_an_example_and_hidden_drop_downs(admin_user, world):
    wb = openpyxl.load_workbook(io.BytesIO(StationImporter().template(user=admin_user)))
    rows = list(wb["数据"].iter_rows(values_only=True))
    assert rows[0][:3] == ("站点编码", "站点名称", "站点级别")
    assert len(rows) == 3  # header + the two stations
    cols = sorted(str(dv.sqref).split(":")[0] for dv in wb["数据"].data_validations.dataValidation)
    assert cols == ["C2", "D2", "F2", "I2", "J2"]  # level, unit, war zone, assessment point, active
    assert wb["选项"].sheet_state == "hidden"
    guide = [c for r in wb["填写说明"].iter_rows(values_only=True) for c in r if c is not None]
    assert "示例（仅供参考，不会导入）：" in guide and "市监测站" in guide


# --- round trips --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("importer", "snapshot"),
    [(StationImporter, stations), (SectionImporter, sections), (OutletImporter, outlets)],
)
def test_round_trip_export_import_gives_identical_rows(admin_user, world, importer, snapshot):
    before = snapshot()
    result = importer().run(user=admin_user, upload=as_upload(importer().template(user=admin_user)), dry_run=False)
    assert result.errors == [] and result.saved
    assert (result.created, result.updated) == (0, 0)  # every row "same"
    assert snapshot() == before


def test_users_round_trip_and_no_password_changes(admin_user, actors):
    before = sorted(User.objects.values_list("username", "full_name", "unit__code", "password", "is_active"))
    result = UserImporter().run(
        user=admin_user, upload=as_upload(UserImporter().template(user=admin_user)), dry_run=False
    )
    assert result.errors == [] and result.saved and (result.created, result.updated) == (0, 0)
    assert sorted(User.objects.values_list("username", "full_name", "unit__code", "password", "is_active")) == before
    assert result.secrets == []


# --- new and changed rows -----------------------------------------------------------------------------------


def test_preview_saves_nothing_then_confirm_creates_and_updates(admin_user, world, unit_b):
    raw = StationImporter().template(user=admin_user)

    def upload():
        return edited(
            raw, {(2, 2): "市监测站（新址）"}, [["S3", "新站", "市控", unit_b.code, "", "", "", "", "否", "是"]]
        )

    before = stations()
    preview = StationImporter().run(user=admin_user, upload=upload(), dry_run=True)
    assert (preview.created, preview.updated, preview.saved) == (1, 1, False) and stations() == before
    StationImporter().run(user=admin_user, upload=upload(), dry_run=False)
    assert AirStation.objects.get(code="S1").name == "市监测站（新址）"
    s3 = AirStation.objects.get(code="S3")
    assert (s3.level, s3.unit, s3.counts_for_assessment) == ("city", unit_b, False)


def test_a_new_outlet_is_registered_at_survey_with_its_history_row(admin_user, world, unit_b):
    raw = OutletImporter().template(user=admin_user)
    upload = edited(raw, {}, [["P2", "新排口", "岷江", unit_b.code, "", "工业排污口", "2031-01-31"]])
    result = OutletImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert result.saved
    p2 = SewageOutlet.objects.get(code="P2")
    assert (p2.step, p2.outlet_type, p2.deadline) == ("survey", "industrial", dt.date(2031, 1, 31))
    assert list(OutletStepChange.objects.filter(outlet=p2).values_list("to_step", "actor")) == [
        ("survey", admin_user.pk)
    ]


def test_a_bad_row_saves_nothing_and_names_row_and_column(admin_user, world, unit_b):
    raw = SectionImporter().template(user=admin_user)
    upload = edited(
        raw,
        {(2, 2): "改名"},
        [
            ["W3", "新断面", "无此河", "国考", unit_b.code, "", "Ⅲ类", "", "是"],
            ["W4", "另一断面", "岷江", "国考", "999999", "", "Ⅶ类", "", "也许"],
            ["W1", "重复", "岷江", "国考", unit_b.code, "", "Ⅲ类", "", "是"],
        ],
    )
    before = sections()
    result = SectionImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert not result.saved and sections() == before  # the good edit in row 2 was not saved either
    assert [str(e) for e in result.errors] == [
        "第 4 行「所在河流」列：没有名为“无此河”的河流",
        "第 5 行「责任单位代码」列：没有代码为“999999”的单位",
        "第 5 行「目标水质类别」列：请从下拉列表选择（Ⅰ类～劣Ⅴ类）",
        "第 5 行「启用」列：请填写“是”或“否”",
        "第 6 行「断面编码」列：与第 2 行重复（断面编码 相同）",
    ]


# --- users -----------------------------------------------------------------------------------------------------


def test_new_users_get_a_one_time_password_shown_once_and_role_and_unit_through_the_service(admin_user, unit_a):
    from tracker.common.access import has_cap

    upload = edited(
        UserImporter().template(user=admin_user),
        {},
        [
            ["newcounty", "新填报员", "区县填报员", unit_a.code, "", "科员", "", "是"],
            ["newleader", "新领导", "市领导", "", "", "", "", "是"],
        ],
    )
    result = UserImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert result.saved and [s["username"] for s in result.secrets] == ["newcounty", "newleader"]
    county = User.objects.get(username="newcounty")
    assert county.unit == unit_a and has_cap(county, "act_for_unit")
    assert county.check_password(result.secrets[0]["password"])
    assert county.has_perm("tracker.report_unit", unit_a)
    assert has_cap(User.objects.get(username="newleader"), "read_city_wide")


def test_user_import_refuses_a_password_column_value_nowhere_and_a_missing_unit(admin_user, unit_a):
    upload = edited(
        UserImporter().template(user=admin_user),
        {},
        [["x1", "甲", "区县填报员", "", "", "", "", "是"], ["x2", "乙", "督察员", unit_a.code, "", "", "", "是"]],
    )
    result = UserImporter().run(user=admin_user, upload=upload, dry_run=False)
    assert [str(e) for e in result.errors] == [
        "第 2 行「所属单位代码」列：区县填报员和市级部门填报员必须填所属单位",
        "第 3 行「所属单位代码」列：市领导、督察员、系统管理员不属于单位，请留空",
    ]
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


# --- permissions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector"])
@pytest.mark.parametrize("importer", [StationImporter, SectionImporter, OutletImporter, UserImporter])
def test_only_admins_import_master_data_and_users(actors, admin_user, world, who, importer):
    raw = importer().template(user=admin_user)
    with pytest.raises(PermissionDenied):
        importer().run(user=actors[who], upload=as_upload(raw), dry_run=False)
    with pytest.raises(PermissionDenied):
        importer().template(user=actors[who])


def test_the_service_rechecks_the_capability(official_a, unit_a):
    with pytest.raises(PermissionDenied):
        station_save(
            user=official_a, code="X", name="x", level="city", unit=unit_a, war_zone=None, lon=None, lat=None,
            counts_for_assessment=True, is_active=True,
        )  # fmt: skip
    assert not AirStation.objects.filter(code="X").exists()


def test_the_one_time_passwords_are_shown_once_and_not_cached(client_for, admin_user, unit_a):
    client = client_for(admin_user)
    raw = client.get(reverse("tracker:user_template")).content
    client.post(
        reverse("tracker:user_import"),
        {"action": "preview", "file": edited(raw, {}, [["neu", "新人", "市领导", "", "", "", "", "是"]])},
    )
    page = client.post(reverse("tracker:user_import"), {"action": "confirm"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    password = page.context["result"].secrets[0]["password"]
    assert password in page.content.decode() and User.objects.get(username="neu").check_password(password)
    again = client.post(reverse("tracker:user_import"), {"action": "confirm"})  # the file is gone from the session
    assert password not in again.content.decode()


@pytest.mark.parametrize("name", ["station", "section", "outlet", "user"])
def test_the_pages_preview_then_confirm(client_for, admin_user, actors, world, name):
    client = client_for(admin_user)
    template = client.get(reverse(f"tracker:{name}_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    page = client.post(reverse(f"tracker:{name}_import"), {"action": "preview", "file": as_upload(template.content)})
    assert "预览：将新增 0 条、更新 0 条" in page.content.decode()
    response = client.post(reverse(f"tracker:{name}_import"), {"action": "confirm"})
    assert response.status_code == 302
