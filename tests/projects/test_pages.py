"""Pages: who sees what (every role), recording through the pages, the Excel export equals the page."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from projects.choices import Stage
from projects.models import Payment, ProgressReport
from tests.factories import PaymentFactory, ProjectFactory

D = Decimal


@pytest.fixture
def projects(unit_a, unit_b, official_a):
    a = ProjectFactory(unit=unit_a, name="井研县农村生活污水治理工程", allocated_amount=D("100000"))
    b = ProjectFactory(unit=unit_b, name="沐川县沐溪河流域综合整治与生态建设工程", allocated_amount=D("200000"))
    PaymentFactory(project=a, amount=D("25000"), entered_by=official_a)
    return {"a": a, "b": b}


PAGE_ACCESS = {
    # role → status of GET on the area pages
    "official_a": 200,
    "official_b": 200,
    "dept_official": 200,
    "leader": 200,
    "admin": 200,
    "inspector": 403,  # inspectors are outside the projects area
}


@pytest.mark.parametrize("url_name", ["projects:index", "projects:project_list", "projects:ranking_export"])
@pytest.mark.parametrize(("who", "status"), PAGE_ACCESS.items())
def test_area_pages_by_role(client_for, actors, projects, url_name, who, status):
    assert client_for(actors[who]).get(reverse(url_name)).status_code == status


def test_anonymous_is_sent_to_log_in(client_for, projects):
    response = client_for(None).get(reverse("projects:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("official_a", 200),
        ("official_b", 404),
        ("dept_official", 404),
        ("leader", 200),
        ("admin", 200),
        ("inspector", 403),
    ],
)
def test_project_detail_is_visible_to_its_unit_and_city_wide_readers(client_for, actors, projects, who, status):
    assert (
        client_for(actors[who]).get(reverse("projects:project_detail", args=[projects["a"].pk])).status_code == status
    )


def test_ledger_lists_only_own_units_projects_for_an_official(client_for, official_a, projects):
    content = client_for(official_a).get(reverse("projects:project_list")).content.decode()
    assert "井研县农村生活污水治理工程" in content and "沐溪河" not in content


def _post_payment(client, project, amount="1000.00", voucher="PZ-web-1"):
    return client.post(
        reverse("projects:payment_create", args=[project.pk]),
        {"amount": amount, "paid_on": "2022-07-01", "voucher_no": voucher},
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("official_b", 404), ("dept_official", 404), ("leader", 403), ("admin", 403), ("inspector", 403)],
)
def test_recording_a_payment_for_another_unit_or_read_only_role_is_refused(client_for, actors, projects, who, status):
    assert _post_payment(client_for(actors[who]), projects["a"]).status_code == status
    assert Payment.objects.filter(voucher_no="PZ-web-1").count() == 0


def test_official_records_a_payment_for_own_unit(client_for, official_a, projects):
    response = _post_payment(client_for(official_a), projects["a"])
    assert response.status_code == 302
    assert Payment.objects.get(voucher_no="PZ-web-1").amount == D("1000.00")


def test_overpayment_through_the_page_shows_the_message_and_writes_nothing(client_for, official_a, projects):
    response = client_for(official_a).post(
        reverse("projects:payment_create", args=[projects["a"].pk]),
        {"amount": "75000.01", "paid_on": "2022-07-01", "voucher_no": "PZ-over"},
        follow=True,
    )
    page = response.content.decode()
    assert "超过下达资金 100,000.00 元" in page
    assert not Payment.objects.filter(voucher_no="PZ-over").exists()


def test_official_reverses_a_payment_and_changes_stage_and_reports_progress(client_for, official_a, projects):
    client = client_for(official_a)
    project = projects["a"]
    payment = project.payments.get()
    client.post(
        reverse("projects:payment_reverse", args=[project.pk, payment.pk]), {"amount": "", "reason": "重复录入"}
    )
    assert project.payments.get(reverses=payment).amount == D("-25000")
    client.post(
        reverse("projects:stage_change", args=[project.pk]), {"to_stage": Stage.COMPLETED, "reason": "", "version": 0}
    )
    project.refresh_from_db()
    assert project.stage == Stage.COMPLETED
    client.post(
        reverse("projects:progress_create", args=[project.pk]),
        {"reported_on": timezone.localdate().isoformat(), "progress": "100", "note": "完工"},
    )
    project.refresh_from_db()
    assert project.progress == 100 and ProgressReport.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_read_only_roles_get_403_on_every_post(client_for, actors, projects, who):
    client = client_for(actors[who])
    project = projects["a"]
    payment = project.payments.get()
    urls = [
        reverse("projects:stage_change", args=[project.pk]),
        reverse("projects:progress_create", args=[project.pk]),
        reverse("projects:payment_reverse", args=[project.pk, payment.pk]),
    ]
    assert [client.post(u, {}).status_code for u in urls] == [403, 403, 403]


def test_progress_photo_is_checked_and_served_only_to_those_who_may_see(client_for, official_a, official_b, projects):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    client = client_for(official_a)
    client.post(
        reverse("projects:progress_create", args=[projects["a"].pk]),
        {"reported_on": "2022-07-01", "progress": "30", "photo": SimpleUploadedFile("现场.png", png)},
    )
    photo = ProgressReport.objects.get().photos.get()
    url = reverse("projects:photo_download", args=[projects["a"].pk, photo.pk])
    assert client_for(official_a).get(url).status_code == 200
    assert client_for(official_b).get(url).status_code == 404
    bad = client_for(official_a).post(
        reverse("projects:progress_create", args=[projects["a"].pk]),
        {"reported_on": "2022-07-02", "progress": "40", "photo": SimpleUploadedFile("x.png", b"MZ" + b"\x00" * 64)},
    )
    assert bad.status_code == 302 and ProgressReport.objects.count() == 1


def test_excel_export_has_the_same_rows_and_numbers_as_the_page(client_for, leader, projects):
    client = client_for(leader)
    page = client.get(reverse("projects:project_list"))
    rows = page.context["table"].page.object_list
    export = client.get(reverse("projects:project_list") + "?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in sheet[1]]
    assert header[6:9] == ["下达资金（万元）", "已支付（万元）", "执行率（%）"]
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in data] == [p.code for p in rows]
    by_code = {r[0]: r for r in data}
    for p in rows:
        line = by_code[p.code]
        # the page shows 万元 with two decimals; Excel stores that same number
        assert (D(str(line[6])), D(str(line[7]))) == (p.allocated_amount / 10000, p.paid / 10000)
        assert (D(str(line[8])) if line[8] is not None else None) == p.rate
    # and the numbers are the hand-computed ones: 25,000 元 = 2.5 万元 paid of 100,000 元 → 25 %
    assert by_code[projects["a"].code][7] == 2.5 and by_code[projects["a"].code][8] == 25
    assert sheet.cell(row=2, column=7).number_format == "#,##0.00"


def test_ranking_export_matches_the_index(client_for, leader, projects):
    client = client_for(leader)
    ranking = client.get(reverse("projects:index")).context["ranking_paged"]["page"].object_list
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("projects:ranking_export")).content)).active
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], D(str(r[5]))) for r in data] == [(r["unit"], r["rate"]) for r in ranking]


def test_ledger_filters_by_unit_and_stalled(client_for, leader, projects, unit_b):
    client = client_for(leader)
    rows = client.get(reverse("projects:project_list"), {"unit": unit_b.pk}).context["table"].page.object_list
    assert [r.name for r in rows] == ["沐川县沐溪河流域综合整治与生态建设工程"]
    # both projects planned 2022 and never reported → silent, hence stalled today
    stalled = client.get(reverse("projects:project_list"), {"stalled": "on"}).context
    assert len(stalled["table"].page.object_list) == 2
    assert stalled["totals"]["count"] == stalled["totals"]["stalled"] == 2
    assert client.get(reverse("projects:project_list")).context["totals"]["stalled"] == 2


def test_pages_use_a_fixed_number_of_queries(client_for, leader, unit_a, django_assert_max_num_queries):
    for i in range(15):
        ProjectFactory(unit=unit_a, code=f"Q-{i}")
    client = client_for(leader)
    client.get(reverse("projects:index"))  # warm up session/user caches
    with django_assert_max_num_queries(25):
        client.get(reverse("projects:index"))
    with django_assert_max_num_queries(15):
        client.get(reverse("projects:project_list"))


def test_ranking_filter_by_area_applies_to_page_and_export(client_for, leader, projects, unit_a):
    from projects.choices import FundArea
    from tests.factories import FundFactory

    rural = FundFactory(name="农村污水资金", area=FundArea.RURAL, year=2021)
    ProjectFactory(unit=unit_a, fund=rural, allocated_amount=D("40000"))
    client = client_for(leader)
    ranking = client.get(reverse("projects:index"), {"area": "rural"}).context["ranking_paged"]["page"].object_list
    # only the rural project: 0 paid of 40,000
    assert [(r["unit"], r["allocated"], r["rate"]) for r in ranking] == [("井研县", D("40000"), D("0.00"))]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("projects:ranking_export"), {"area": "rural"}).content)
    ).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["井研县"]


def test_overview_names_three_stalled_projects_per_unit_and_links_the_rest(client_for, leader, unit_a, unit_b):
    # planned 2022, never reported: silent for years → stalled; five in A, one in B, one in A still in reserve
    for i in range(5):
        ProjectFactory(unit=unit_a, code=f"S-A{i}")
    ProjectFactory(unit=unit_b, code="S-B0")
    ProjectFactory(unit=unit_a, code="S-R", stage="reserve")  # not watched: never stalled
    response = client_for(leader).get(reverse("projects:index"))
    listed = response.context["stalled_paged"]["page"].object_list
    stalled = {r["unit"]: r for r in listed}
    assert (stalled["井研县"]["count"], len(stalled["井研县"]["projects"])) == (5, 3)
    assert (stalled["沐川县"]["count"], len(stalled["沐川县"]["projects"])) == (1, 1)
    assert [r["unit"] for r in response.context["stalled_paged"]["page"].object_list] == [
        "井研县",
        "沐川县",
    ]  # most first
    assert f"?unit={unit_a.pk}&amp;stalled=on" in response.content.decode()


def test_the_overview_pages_its_unit_lists_and_charts_only_both_ends(client_for, leader, official_a, monkeypatch):
    # 7 units with funded projects, pages of 3 and a chart of the first and last 2: as the whole country's 2,844
    # units with pages of 50 and 15 at each end, small enough to count by hand
    import projects.views as views
    from tests.factories import UnitFactory

    monkeypatch.setattr(views, "LIST_PAGE", 3)
    monkeypatch.setattr(views, "CHART_ENDS", 2)
    for i in range(7):
        unit = UnitFactory(code=f"51990{i}", name=f"测试县{i}")
        # unit i: 10,000·i paid of 100,000 allocated → rate 10·i %, so 测试县6 ranks first and 测试县0 last
        project = ProjectFactory(unit=unit, code=f"R-{i}", allocated_amount=D("100000"))
        if i:
            PaymentFactory(project=project, amount=D(10000 * i), entered_by=official_a)
    client = client_for(leader)
    first = client.get(reverse("projects:index"))
    assert [r["unit"] for r in first.context["ranking_paged"]["page"]] == ["测试县6", "测试县5", "测试县4"]
    third = client.get(reverse("projects:index"), {"rpage": 3}).context["ranking_paged"]["page"]
    assert [r["unit"] for r in third] == ["测试县0"]
    chart = first.context["ranking_chart"]
    assert list(chart.data[0].y) == ["测试县6", "测试县5", "测试县1", "测试县0"]
    html = first.content.decode()
    assert "共 7 条" in html and "rpage=2#ranking" in html and "前 2 名和后 2 名" in html
    # every one of the 7 projects is silent since 2022, so stalled: 7 units, paged by 3, each page naming its own
    stalled = client.get(reverse("projects:index"), {"spage": 3}).context["stalled_paged"]["page"]
    assert stalled.paginator.count == 7 and len(stalled) == 1
    from projects.models import Project

    (row,) = stalled
    own = list(Project.objects.filter(unit_id=row["unit_id"]).values_list("name", flat=True))
    assert row["count"] == 1 and [p.name for p in row["projects"]] == own  # its own project, named
    assert "spage=2#stalled" in html
