"""The data-entry grid in a real browser: keys move between cells, a cell out of range is flagged as it is typed
and blocks the save, and one click saves the whole grid."""

import os

import pytest

from targets.choices import ValueStatus
from targets.models import DataValue
from tests.factories import IndicatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("ENTRY_SHOTS")  # a folder: also save screenshots at 1440 and 390 px for review


def test_official_fills_the_grid_with_the_keyboard(login, official_a, unit_a, live_server):
    rate = IndicatorFactory(code="bg_rate", name="固废综合利用率", unit_of_measure="%", sort_order=1)
    tonnes = IndicatorFactory(code="bg_tonnes", name="危废处置量", unit_of_measure="吨", sort_order=2)
    page = login("official_a")
    page.goto(f"{live_server.url}/assessment/grid/?unit={unit_a.pk}&year=2026")
    first = page.locator(f'input[name="v-{rate.pk}-1"]')
    first.click()
    page.keyboard.type("81.5")
    page.keyboard.press("Enter")  # down: the same month of the next indicator, not a submit
    assert page.evaluate("document.activeElement.name") == f"v-{tonnes.pk}-1"
    page.keyboard.type("1200")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")  # the whole value is selected on focus, so → leaves the cell
    assert page.evaluate("document.activeElement.name") == f"v-{rate.pk}-2"
    page.keyboard.type("150")  # a percentage above 100
    cell = page.locator(f'input[name="v-{rate.pk}-2"]')
    assert "invalid" in cell.get_attribute("class")
    assert "1 个格子有误" in page.locator("[data-grid-status]").inner_text()
    page.click("button[value=save]")  # blocked in the page: nothing is sent
    assert not DataValue.objects.exists()
    if SHOTS:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.screenshot(path=f"{SHOTS}/grid-invalid-1440.png", full_page=True)
    cell.fill("82")
    assert "invalid" not in cell.get_attribute("class")
    with page.expect_navigation():
        page.click("button[value=save]")
    assert "已保存 3 个数据为草稿" in page.locator(".messages").inner_text()
    assert sorted(DataValue.objects.values_list("indicator__code", "month", "value", "status")) == [
        ("bg_rate", 1, 81.5, ValueStatus.DRAFT),
        ("bg_rate", 2, 82.0, ValueStatus.DRAFT),
        ("bg_tonnes", 1, 1200.0, ValueStatus.DRAFT),
    ]
    if SHOTS:
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/grid-{width}.png", full_page=True)
