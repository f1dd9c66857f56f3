"""Environmental watch in a real browser: a reading arrives through the API, the county official finds the warning
from the menu and answers it; an inspector escalates another into a rectification item."""

import json

import pytest
from django.utils import timezone

from tests.factories import AirStationFactory
from tracker.models import ApiToken, MonitoringWarning, WarningRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fire(client, station, day):
    token = ApiToken.issue(name="监测平台", scopes="air.readings")[1]
    body = {"readings": [{"station": station.code, "date": day.isoformat(), "pm25": 300}]}
    response = client.post(
        "/api/air/readings/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200, response.content


def test_official_answers_a_warning_from_the_menu(client, login, official_a, unit_a, live_server):
    WarningRule.objects.create(name="AQI 超过 200", source="air", parameter="aqi", threshold=200, duration=1)
    station = AirStationFactory(unit=unit_a, name="井研县城")
    _fire(client, station, timezone.localdate())
    page = login("official_a")
    page.click("nav >> text=监测预警")
    page.click("table[data-table=warnings] >> text=AQI 超过 200")
    page.fill("#id_response", "城区工地全部停工，道路加密洒水")
    page.click("text=提交并关闭预警")
    page.wait_for_load_state("networkidle")
    assert "预警已关闭" in page.locator(".messages").inner_text()
    assert MonitoringWarning.objects.get().status == "responded"


def test_inspector_escalates_a_warning(client, login, inspector, unit_a, live_server):
    WarningRule.objects.create(name="AQI 超过 200", source="air", parameter="aqi", threshold=200, duration=1)
    _fire(client, AirStationFactory(unit=unit_a, name="井研县城"), timezone.localdate())
    page = login("inspector")
    page.goto(f"{live_server.url}/watch/warnings/?status=open")
    page.click("table[data-table=warnings] >> text=AQI 超过 200")
    page.fill("#id_responsible_person", "王五")
    page.click("form[action$='escalate/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已转为整改问题" in page.locator(".messages").inner_text()
    assert MonitoringWarning.objects.get().rectification_item.responsible_person == "王五"
