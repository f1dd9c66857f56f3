"""Water in a real browser: an official moves their outlet with a plan file; a leader sees the section chart."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import SewageOutletFactory, WaterMonthlyReadingFactory, WaterSectionFactory
from tracker.choices import OutletStep
from tracker.models import OutletStepChange, SewageOutlet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def test_official_moves_own_outlet_with_a_plan(login, official_a, unit_a, live_server, tmp_path, _media):
    outlet = SewageOutletFactory(unit=unit_a, name="井研排口")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page = login("official_a")
    page.goto(f"{live_server.url}/water/outlets/")
    page.click("text=井研排口")
    page.fill("#id_note", "委托第三方完成排口水质监测")
    page.set_input_files("#id_document", str(plan))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已更新排口环节" in page.locator(".messages").inner_text()
    assert SewageOutlet.objects.get(pk=outlet.pk).step == OutletStep.MONITOR
    assert OutletStepChange.objects.filter(outlet=outlet).count() == 2


def test_leader_sees_section_chart(login, leader, unit_a, live_server):
    section = WaterSectionFactory(unit=unit_a, name="王村")
    WaterMonthlyReadingFactory(
        section=section, month=(timezone.localdate().replace(day=1) - dt.timedelta(days=20)).replace(day=1)
    )
    page = login("leader")
    page.goto(f"{live_server.url}/water/")
    page.click("text=王村")
    page.wait_for_selector(".chart .plot-container")
    assert page.evaluate("typeof Plotly") == "object"
