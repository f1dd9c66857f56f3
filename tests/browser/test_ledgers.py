"""A ledger in a real browser: a leader sorts the project ledger by a header, filters it, pages and exports it."""

import io
import os
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from tests.factories import FundFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    """At 390 px the page itself must not scroll sideways (the table scrolls in its box). Screenshots at 1440 and
    390 px for a person to look at when LEDGER_SCREENSHOTS names a folder."""
    folder = os.environ.get("LEDGER_SCREENSHOTS")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator(".ledger-meta").scroll_into_view_if_needed()
        page.screenshot(path=f"{folder}/{name}-390.png")
        page.set_viewport_size({"width": 1440, "height": 900})
        page.screenshot(path=f"{folder}/{name}-1440.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_leader_sorts_filters_pages_and_exports_the_project_ledger(login, leader, unit_a, unit_b, live_server):
    fund = FundFactory(name="水污染防治资金")
    # unit A: 55 projects of 10,000 … 550,000 元; unit B: 3 projects of 1,230,000 … 1,250,000 元
    for i in range(55):
        ProjectFactory(unit=unit_a, fund=fund, code=f"A-{i:03d}", allocated_amount=D(10000 * (i + 1)))
    for i in range(3):
        ProjectFactory(unit=unit_b, fund=fund, code=f"B-{i:03d}", allocated_amount=D(1230000 + 10000 * i))
    page = login("leader")
    page.goto(f"{live_server.url}/projects/ledger/")
    assert "共 58 条" in page.inner_text(".ledger-meta")
    assert page.locator("table.ledger tbody tr").count() == 50  # one page, not 58 rows
    _shot(page, "project-ledger")

    allocated = "table.ledger thead th:has-text('下达资金（万元）') a"
    page.click(allocated)  # ascending: the smallest first
    page.wait_for_load_state("networkidle")
    first = page.locator("table.ledger tbody tr").first.inner_text()
    assert "A-000" in first and "1.00" in first  # 10,000 元 = 1.00 万元
    page.click(allocated)  # descending: unit B's largest first
    page.wait_for_load_state("networkidle")
    assert "B-002" in page.locator("table.ledger tbody tr").first.inner_text()
    assert "125.00" in page.locator("table.ledger tbody tr").first.inner_text()  # 1,250,000 元
    assert page.get_attribute("table.ledger thead th:has-text('下达资金（万元）')", "aria-sort") == "descending"

    page.click("nav.pager a[rel=next]")  # page 2 keeps the sort
    page.wait_for_load_state("networkidle")
    assert "sort=-allocated_amount" in page.url and page.locator("table.ledger tbody tr").count() == 8

    page.select_option("#id_unit", label="沐川县")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "共 3 条" in page.inner_text(".ledger-meta")
    shown = [r.split("\t")[0] for r in page.locator("table.ledger tbody tr").all_inner_texts()]
    assert sorted(shown) == ["B-000", "B-001", "B-002"]

    with page.expect_download() as download:
        page.click("a[data-export=xlsx]")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    # the filtered rows only, with 万元 as numbers: 1,230,000 元 → 123 万元 …
    assert sorted((r["项目编号"], r["下达资金（万元）"]) for r in rows) == [
        ("B-000", 123),
        ("B-001", 124),
        ("B-002", 125),
    ]


def test_item_ledger_sorted_by_warning_colour_reads_on_a_phone(login, leader, unit_a, live_server):
    from tests.factories import RectificationItemFactory

    for i, colour in enumerate(["green", "red", "yellow", "orange"] * 3):
        RectificationItemFactory(unit=unit_a, code=f"Q-{i:02d}", colour=colour, responsible_person="王五")
    page = login("leader")
    page.goto(f"{live_server.url}/rectifications/?sort=-colour")
    badges = page.locator("table.ledger tbody tr td .badge").all_inner_texts()
    assert badges[:3] == ["红色"] * 3 and badges[-3:] == ["绿色"] * 3  # workflow order, not alphabetical
    _shot(page, "item-ledger")
