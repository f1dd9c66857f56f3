"""Pages: scoping per role, actions shown only to who may take them, uploads, downloads, exports, import."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectifications.choices import Status
from rectifications.models import Evidence, Inspection, Notice, RectificationItem, Transition
from tests.factories import RectificationItemFactory
from tests.rectifications.conftest import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(unit_a, unit_b, dept_unit):
    return {
        "a": RectificationItemFactory(unit=unit_a, code="A-1", description="井研县问题"),
        "b": RectificationItemFactory(unit=unit_b, code="B-1", description="沐川县问题"),
        "led": RectificationItemFactory(unit=unit_b, lead_department=dept_unit, code="B-2", description="部门牵头问题"),
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("official_a", {"A-1"}),
        ("official_b", {"B-1", "B-2"}),
        ("dept_official", {"B-2"}),
        ("leader", {"A-1", "B-1", "B-2"}),
        ("inspector", {"A-1", "B-1", "B-2"}),
        ("admin", {"A-1", "B-1", "B-2"}),
    ],
)
def test_ledger_shows_each_role_its_items(role, visible, actors, items, client_for):
    response = client_for(actors[role]).get(reverse("rectifications:index"))
    assert response.status_code == 200
    shown = {code for code in ("A-1", "B-1", "B-2") if f">{code}</a>" in response.content.decode()}
    assert shown == visible
    for code in ("A-1", "B-1", "B-2"):
        status = client_for(actors[role]).get(reverse("rectifications:detail", args=[items_by_code(code).pk]))
        assert status.status_code == (200 if code in visible else 404)


def items_by_code(code):
    return RectificationItem.objects.get(code=code)


def test_ledger_filters_and_counts(actors, items, client_for):
    RectificationItemFactory(unit=items["a"].unit, code="A-2", status=Status.CLOSED, area="air")
    response = client_for(actors["leader"]).get(reverse("rectifications:index"), {"status": "closed"})
    assert response.context["counts"]["total"] == 1
    assert [it.code for it in response.context["table"].page] == ["A-2"]
    response = client_for(actors["leader"]).get(reverse("rectifications:index"), {"unit": items["b"].unit_id})
    assert {it.code for it in response.context["table"].page} == {"B-1", "B-2"}


def test_ledger_uses_a_fixed_number_of_queries(actors, unit_a, client_for, django_assert_max_num_queries):
    RectificationItemFactory.create_batch(30, unit=unit_a)
    client = client_for(actors["official_a"])
    with django_assert_max_num_queries(15):
        assert client.get(reverse("rectifications:index")).status_code == 200


def test_ledger_export_never_writes_formulas(actors, unit_a, client_for):
    RectificationItemFactory(unit=unit_a, code="X-1", description='=HYPERLINK("http://x")', responsible_person="+1")
    response = client_for(actors["inspector"]).get(reverse("rectifications:index"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert any(c.value == '=HYPERLINK("http://x")' for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_actions_appear_only_for_who_may_take_them(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.CLOSING_REQUESTED)
    url = reverse("rectifications:detail", args=[item.pk])
    for role in ("official_a", "leader", "admin"):
        assert 'name="action"' not in client_for(actors[role]).get(url).content.decode()
    page = client_for(actors["inspector"]).get(url).content.decode()
    assert 'value="close"' in page and 'value="reject"' in page


def test_posting_an_action_nobody_offered_is_refused(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    url = reverse("rectifications:act", args=[item.pk])
    response = client_for(actors["official_a"]).post(url, {"action": "close", "version": 0})
    assert response.status_code == 403
    response = client_for(actors["official_b"]).post(url, {"action": "request_close", "version": 0})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS and not Transition.objects.exists()


def test_stale_page_gets_changed_by_someone_else_message(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.OPEN, version=3)
    client = client_for(actors["official_a"])
    response = client.post(
        reverse("rectifications:act", args=[item.pk]), {"action": "start", "version": 2}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.OPEN


def test_request_close_with_evidence_through_the_page(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    response = client_for(actors["official_a"]).post(
        reverse("rectifications:act", args=[item.pk]),
        {"action": "request_close", "version": 0, "comment": "自查完毕", "files": [SimpleUploadedFile("a.png", PNG)]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CLOSING_REQUESTED
    assert Evidence.objects.get(item=item).mime == "image/png"


def test_renamed_executable_is_refused_and_nothing_written(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    fake = SimpleUploadedFile("现场照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
    response = client_for(actors["official_a"]).post(
        reverse("rectifications:report", args=[item.pk]),
        {"text": "已完成", "progress": 80, "files": [fake]},
        follow=True,
    )
    assert "不是允许的类型" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not item.reports.exists()


def test_oversized_upload_is_refused(actors, unit_a, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 50
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    response = client_for(actors["official_a"]).post(
        reverse("rectifications:report", args=[item.pk]),
        {"text": "进展", "progress": 10, "files": [SimpleUploadedFile("a.png", PNG + b"\x00" * 100)]},
        follow=True,
    )
    assert "超过" in response.content.decode()
    assert not Evidence.objects.exists()


def test_progress_report_only_by_the_units_official(actors, unit_a, client_for):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    url = reverse("rectifications:report", args=[item.pk])
    assert client_for(actors["official_b"]).post(url, {"text": "x", "progress": 5}).status_code == 404
    assert client_for(actors["inspector"]).post(url, {"text": "x", "progress": 5}).status_code == 403
    assert client_for(actors["official_a"]).post(url, {"text": "进展", "progress": 50}).status_code == 302
    assert item.reports.get().progress == 50


def test_evidence_is_served_only_to_who_may_see_the_item(actors, unit_a, client_for, add_evidence):
    item = RectificationItemFactory(unit=unit_a)
    ev = add_evidence(item, actors["official_a"])
    url = reverse("rectifications:evidence", args=[ev.pk])
    assert client_for(actors["official_b"]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    response = client_for(actors["leader"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")


def test_dossier_zip_has_summary_timeline_and_evidence(actors, unit_a, client_for, add_evidence):
    item = RectificationItemFactory(unit=unit_a, status=Status.CLOSED, code="ZY-9")
    add_evidence(item, actors["official_a"])
    client = client_for(actors["inspector"])
    response = client.get(reverse("rectifications:dossier", args=[item.pk]))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == ["概况.html", "流转记录.txt", "佐证材料/001-现场.png"]
    open_item = RectificationItemFactory(unit=unit_a, status=Status.OPEN)
    assert client.get(reverse("rectifications:dossier", args=[open_item.pk])).status_code == 404
    assert client_for(actors["official_b"]).get(reverse("rectifications:dossier", args=[item.pk])).status_code == 404


def test_queue_lists_closing_requests_oldest_first(actors, unit_a, client_for):
    from django.utils import timezone

    now = timezone.now()
    newer = RectificationItemFactory(unit=unit_a, status=Status.CLOSING_REQUESTED, status_changed_at=now)
    older = RectificationItemFactory(
        unit=unit_a, status=Status.CLOSING_REQUESTED, status_changed_at=now - dt.timedelta(days=3)
    )
    RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS)
    response = client_for(actors["inspector"]).get(reverse("rectifications:queue"))
    assert response.context["items"] == [older, newer]
    assert client_for(actors["official_a"]).get(reverse("rectifications:queue")).status_code == 403


def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        ["问题编号", "问题描述", "领域", "责任单位", "牵头部门", "责任人", "整改时限", "整改措施", "整改期限类型"]
    )
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("清单.xlsx", buf.getvalue())


def test_import_creates_inspection_and_items(actors, unit_a, dept_unit, client_for):
    upload = _xlsx(
        [
            ["N-1", "河道垃圾", "水", "井研县", "市生态环境局", "李四", "2026-06-30", "清理", "短期"],
            ["N-2", "扬尘", "大气", "511124", "", "王五", "2026-09-30", "", "中期"],
        ]
    )
    data = {"kind": "unannounced", "name": "暗访第二批", "date": "2026-03-01", "file": upload}
    response = client_for(actors["inspector"]).post(reverse("rectifications:import"), data)
    inspection = Inspection.objects.get(name="暗访第二批")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('rectifications:index')}?inspection={inspection.pk}"
    assert list(inspection.items.order_by("code").values_list("code", "unit__name", "lead_department__name")) == [
        ("N-1", "井研县", "市生态环境局"),
        ("N-2", "井研县", None),
    ]


def test_import_with_one_bad_row_writes_nothing(actors, unit_a, client_for):
    RectificationItemFactory(unit=unit_a, code="DUP-1")
    upload = _xlsx(
        [
            ["N-1", "河道垃圾", "水", "井研县", "", "李四", "2026-06-30", "", "短期"],
            ["N-2", "扬尘", "大气", "不存在县", "", "王五", "2026-09-30", "", ""],
            ["DUP-1", "x", "水", "井研县", "井研县", "赵六", "明年", "", "很久"],
        ]
    )
    data = {"kind": "central", "name": "坏批次", "date": "2026-03-01", "file": upload}
    response = client_for(actors["admin"]).post(reverse("rectifications:import"), data)
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("第 3 行「责任单位」列", "第 4 行「问题编号」列", "第 4 行「牵头部门」列", "第 4 行「整改时限」列"):
        assert text in page
    assert not Inspection.objects.filter(name="坏批次").exists()
    assert not RectificationItem.objects.filter(code="N-1").exists()


@pytest.mark.parametrize("role", ["official_a", "dept_official", "leader"])
def test_import_is_for_inspectors_and_admins_only(role, actors, client_for):
    assert client_for(actors[role]).get(reverse("rectifications:import")).status_code == 403


def test_notices_inbox_scoped_and_read_by_unit_official(actors, unit_a, unit_b, client_for):
    item_a = RectificationItemFactory(unit=unit_a)
    item_b = RectificationItemFactory(unit=unit_b)
    from django.utils import timezone

    na = Notice.objects.create(item=item_a, unit=unit_a, person="张三", level="warning", created_at=timezone.now())
    Notice.objects.create(item=item_b, unit=unit_b, person="李四", level="reminder", created_at=timezone.now())
    response = client_for(actors["official_a"]).get(reverse("rectifications:notices"))
    assert [n.pk for n in response.context["table"].page.object_list] == [na.pk]
    assert client_for(actors["official_b"]).post(reverse("rectifications:notice_read", args=[na.pk])).status_code == 404
    assert client_for(actors["leader"]).post(reverse("rectifications:notice_read", args=[na.pk])).status_code == 403
    client_for(actors["official_a"]).post(reverse("rectifications:notice_read", args=[na.pk]))
    na.refresh_from_db()
    assert na.read_at is not None


def test_bulletin_page_and_excel_render(actors, unit_a, client_for):
    RectificationItemFactory(unit=unit_a, status=Status.OPEN, deadline=dt.date(2026, 1, 5), code="OV-1")
    client = client_for(actors["leader"])
    params = {"start": "2026-01-01", "end": "2026-03-31"}
    page = client.get(reverse("rectifications:bulletin"), params).content.decode()
    assert "OV-1" in page and "井研县" in page
    response = client.get(reverse("rectifications:bulletin"), {**params, "export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["各单位销号率", "见人见事"]
    assert client_for(actors["official_a"]).get(reverse("rectifications:bulletin")).status_code == 403


def test_detail_uses_a_fixed_number_of_queries(actors, unit_a, client_for, add_evidence, django_assert_max_num_queries):
    from rectifications import services

    item = RectificationItemFactory(unit=unit_a, status=Status.OPEN)
    services.rectification_item_start(item=item, user=actors["official_a"])
    for n in range(5):
        services.progress_report_create(item=item, user=actors["official_a"], text=f"进展{n}", progress=10 * n)
        add_evidence(item, actors["official_a"])
    client = client_for(actors["official_a"])
    with django_assert_max_num_queries(17):  # 16 + the top bar's unread-message count
        assert client.get(reverse("rectifications:detail", args=[item.pk])).status_code == 200
