"""A leader recomputes the ranking from the page; the progress box polls the run's status and reloads."""

import pytest
from django.utils import timezone

from targets.models import ScoringRun
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_recomputes_and_sees_the_new_ranking(login, leader, unit_a, unit_b, live_server):
    scheme = SchemeFactory(year=timezone.localdate().year, name="本年度党政同责考核")
    waste = IndicatorFactory(code="industrial_solid_waste_use", name="工业固体废物综合利用率", area="wastefree")
    ItemFactory(scheme=scheme, indicator=waste, max_points=5, rule="threshold", sort_order=1)
    for unit in (unit_a, unit_b):
        TargetFactory(indicator=waste, unit=unit, value=80.0)

    page = login("leader")
    page.goto(f"{live_server.url}/assessment/?scheme={scheme.pk}")
    assert page.locator("table.ranking").count() == 0
    page.click("form[action$='/compute/'] button[type=submit]")
    # Tasks run inline in tests: the status view answers "done" and the page reloads without ?watch
    page.wait_for_url(lambda url: "watch=" not in url and "/assessment/" in url)
    page.wait_for_selector("table.ranking tbody tr")
    run = ScoringRun.objects.get(scheme=scheme)
    assert run.status == "succeeded"
    names = page.locator("table.ranking tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(names) == sorted([unit_a.name, unit_b.name])
