"""Notices and bulletins as Word documents with 文号: wording, numbering per kind and year, who may issue."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document

from rectifications.documents import notice_number
from rectifications.models import DocumentNumber, DocumentTemplate, Notice
from tests.clocks import BEIJING
from tests.factories import InspectionFactory, RectificationItemFactory
from tracker.documents import docx_text

pytestmark = pytest.mark.django_db

# 2026-06-16 10:00 Beijing; the item's deadline 2026-06-01 is 15 days past.
NOW = dt.datetime(2026, 6, 16, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def notice(unit_a, frozen):
    item = RectificationItemFactory(
        unit=unit_a, code="ZY-2026-007", description="茫溪河沿岸生活污水直排", deadline=dt.date(2026, 6, 1),
        responsible_person="王五", status="in_progress",
    )  # fmt: skip
    return Notice.objects.create(item=item, unit=unit_a, person="王五", level="supervision", created_at=timezone.now())


def _text(response) -> str:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    Document(io.BytesIO(response.content))  # opens with python-docx
    return docx_text(response.content)


def test_notice_document_names_unit_person_item_and_number(client_for, inspector, notice, frozen):
    response = client_for(inspector).post(reverse("rectifications:notice_document", args=[notice.pk]))
    text = _text(response)
    # 督办函 built-in wording: prefix 乐环督办, first of 2026 → 乐环督办〔2026〕1号
    assert "乐环督办〔2026〕1号" in text
    assert "关于挂牌督办问题整改的督办函" in text
    assert "井研县：" in text  # 主送机关
    assert "第ZY-2026-007号整改问题“茫溪河沿岸生活污水直排”" in text
    # deadline 2026-06-01, today 2026-06-16 (Beijing) → 15 days overdue
    assert "整改时限为2026年6月1日，已逾期15天" in text
    assert "责任人：王五" in text
    assert "2026年6月16日" in text  # 成文日期
    assert quote("乐环督办〔2026〕1号-井研县.docx") in response["Content-Disposition"]


def test_numbers_run_per_kind_and_year_and_a_notice_keeps_its_number(inspector, unit_a, notice, frozen):
    first = notice_number(notice=notice, user=inspector)
    again = notice_number(notice=notice, user=inspector)
    assert (first.pk, first.text) == (again.pk, "乐环督办〔2026〕1号")
    other_item = RectificationItemFactory(unit=unit_a)
    second = Notice.objects.create(item=other_item, unit=unit_a, person="李四", level="supervision", created_at=NOW)
    assert notice_number(notice=second, user=inspector).text == "乐环督办〔2026〕2号"
    reminder = Notice.objects.create(item=other_item, unit=unit_a, person="李四", level="reminder", created_at=NOW)
    assert notice_number(notice=reminder, user=inspector).text == "乐环委办提醒〔2026〕1号"  # its own sequence
    # The first minutes of 2027 in Beijing (still 2026 in UTC): a new year starts again at 1.
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=BEIJING), tick=False):
        third_item = RectificationItemFactory(unit=unit_a)
        third = Notice.objects.create(item=third_item, unit=unit_a, person="赵六", level="supervision", created_at=NOW)
        assert notice_number(notice=third, user=inspector).text == "乐环督办〔2027〕1号"
    assert DocumentNumber.objects.count() == 4


def test_admin_wording_replaces_the_built_in_and_keeps_unknown_placeholders(client_for, leader, notice, frozen):
    DocumentTemplate.objects.create(
        kind="supervision", issuer="乐山市人民政府督查室", prefix="乐府督", title="督办通知（{unit}）",
        body="请{person}同志督促{code}号问题整改。\n{不存在的占位符}保持原样。",
    )  # fmt: skip
    text = _text(client_for(leader).post(reverse("rectifications:notice_document", args=[notice.pk])))
    assert "乐府督〔2026〕1号" in text and "乐山市人民政府督查室" in text and "督办通知（井研县）" in text
    assert "请王五同志督促ZY-2026-007号问题整改。" in text and "{不存在的占位符}保持原样。" in text


def test_officials_download_their_numbered_notice_but_never_number_one(
    client_for, official_a, official_b, inspector, notice, frozen
):
    url = reverse("rectifications:notice_document", args=[notice.pk])
    assert client_for(official_a).get(url).status_code == 404  # not issued yet: nothing to download
    assert client_for(official_a).post(url).status_code == 403  # issuing is the city offices' act
    assert DocumentNumber.objects.count() == 0
    client_for(inspector).post(url)
    assert "乐环督办〔2026〕1号" in _text(client_for(official_a).get(url))
    assert client_for(official_b).get(url).status_code == 404  # another unit's notice
    assert DocumentNumber.objects.count() == 1


def test_bulletin_document_lists_people_and_problems_and_is_numbered_once_per_period(
    client_for, leader, official_a, unit_a, unit_b, frozen
):
    inspection = InspectionFactory(date=dt.date(2026, 1, 10))
    RectificationItemFactory(
        unit=unit_a, inspection=inspection, code="ZY-1", description="砂石场扬尘", responsible_person="王五",
        deadline=dt.date(2026, 5, 1), status="in_progress",
    )  # fmt: skip
    RectificationItemFactory(
        unit=unit_b, inspection=inspection, code="ZY-2", description="养殖废水直排", responsible_person="李四",
        deadline=dt.date(2026, 12, 1), status="in_progress",
    )  # fmt: skip
    url = reverse("rectifications:bulletin_document")
    period = {"start": "2026-06-01", "end": "2026-06-15"}
    text = _text(client_for(leader).post(url, period))
    assert "乐环委办通报〔2026〕1号" in text
    assert "关于2026年6月1日至2026年6月15日生态环境问题整改情况的通报" in text
    # Only ZY-1 is overdue at 2026-06-15 (deadline 05-01); ZY-2 is due in December.
    assert "逾期未销号问题1个" in text
    assert "井研县\t逾期\tZY-1\t砂石场扬尘\t—\t王五\t2026年5月1日\t整改中" in text  # — : no 点位
    assert "ZY-2" not in text
    assert "乐环委办通报〔2026〕1号" in _text(client_for(leader).post(url, period))  # same period, same number
    assert "乐环委办通报〔2026〕2号" in _text(
        client_for(leader).post(url, {"start": "2026-06-01", "end": "2026-06-16"})
    )
    assert client_for(official_a).post(url, period).status_code == 403
    bad = client_for(leader).post(url, {"start": "2026-06-20", "end": "2026-06-01"})
    assert bad.status_code == 302 and DocumentNumber.objects.count() == 2


# --- the same documents as PDF (tracker.pdf: the OfficialDocument laid out as HTML, printed by headless Chromium) ---


def test_notice_pdf_is_the_same_document_printed(client_for, inspector, notice, frozen, settings):
    from tracker.pdf import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (CI installs it: scripts/ensure-browser.sh)")
    response = client_for(inspector).post(
        reverse("rectifications:notice_document", args=[notice.pk]), {"format": "pdf"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 594.95996 841.91998]" in response.content  # A4 portrait, in points
    # the number is the notice's one number: the PDF after the Word file keeps 乐环督办〔2026〕1号
    assert quote("乐环督办〔2026〕1号-井研县.pdf") in response["Content-Disposition"]
    assert DocumentNumber.objects.count() == 1


def test_the_pdf_page_holds_what_the_word_file_holds(inspector, notice, frozen, monkeypatch):
    # the HTML that Chromium prints is rendered from the same OfficialDocument as the .docx
    from rectifications import documents
    from tracker import pdf

    monkeypatch.setattr(pdf, "render_pdf", lambda doc: pdf.render_html(doc).encode())  # the page, not the print
    _name, html = documents.notice_document(notice=notice, user=inspector, fmt="pdf")
    _name, word = documents.notice_document(notice=notice, user=inspector)
    word_text = docx_text(word)
    for line in ("乐环督办〔2026〕1号", "关于挂牌督办问题整改的督办函", "井研县：", "责任人：王五", "2026年6月16日"):
        assert line in word_text and line in html.decode(), line


def test_without_chromium_the_pdf_is_refused_with_a_message_and_word_still_works(
    client_for, inspector, notice, frozen, settings
):
    settings.PDF_CHROMIUM = "/nonexistent/chromium"
    client = client_for(inspector)
    response = client.post(reverse("rectifications:notice_document", args=[notice.pk]), {"format": "pdf"}, follow=True)
    assert response.status_code == 200 and "不能生成 PDF" in response.content.decode()
    assert _text(client.post(reverse("rectifications:notice_document", args=[notice.pk])))  # Word as before
