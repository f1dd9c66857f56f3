"""Every page a role reaches from the menu (lists, ledgers, overviews, details, dashboards) costs the same number
of queries at 10 units as at 2,844 — the whole country (its stations, sections, items, projects, payments,
reports) — for each role (leader, inspector, admin, county official), in one test over one data set.

The data are scaled copies of the national benchmark set (`bench.generate.scaled`: the same proportions per
unit), written by COPY, then an assessment scheme of three entered items scored for every unit. The same pages
are counted again after the rest of the country's data (2,834 more units' worth) and a new scoring run. Each
page is fetched once to warm per-process caches, then counted warm; the cached dashboards are also counted cold
(cache cleared: the expensive case). Ledgers' own sort/filter/page checks are in test_ledgers.py.

The test runs on the data set's date (the clock travelled to `bench.generate.NATIONAL.clock`, 31 December of the
generated year), so the year-to-date pages (the water index's cards, rankings and period assessment, the scores
of "this year") count their queries over a year of data, not over an empty one.
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.choices import Role

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the scaled data set is written by COPY")

ROLES = (Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.COUNTY_OFFICIAL)
NATIONAL_UNITS = 2844  # the country's county-level divisions (bench.generate.NATIONAL.units)


def _scores(units: list[int], user, scheme=None) -> tuple:
    """Three entered items, targets and approved values for `units`, scored today (a new run each call)."""
    from targets.models import AssessmentItem, AssessmentScheme, DataValue, Indicator, Target
    from targets.services import scores_compute

    today = timezone.localdate()
    if scheme is None:
        scheme = AssessmentScheme.objects.create(year=today.year, name="查询计数方案", published=True)
        for n in range(3):
            ind = Indicator.objects.create(
                code=f"q_{n}", name=f"指标{n}", unit_of_measure="%", area="air", source="entered"
            )
            AssessmentItem.objects.create(
                scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=n
            )
    inds = [i.indicator for i in AssessmentItem.objects.filter(scheme=scheme).select_related("indicator")]
    Target.objects.bulk_create(
        [Target(indicator=i, unit_id=u, year=today.year, value=85.0) for i in inds for u in units]
    )
    DataValue.objects.bulk_create(
        [
            DataValue(
                indicator=i, unit_id=u, year=today.year, month=max(1, today.month - 1), value=80.0 + u % 17,
                status="approved", entered_by=user,
            )
            for i in inds
            for u in units
        ]
    )  # fmt: skip
    return scheme, scores_compute(scheme_id=scheme.pk, as_of=today)


def _pages(role: str, ids: dict) -> list[tuple[str, str]]:
    def r(name, args=None):  # a detail of an object the first unit lacks is left out (None)
        return None if args and None in args else reverse(name, args=args)

    unit, run = ids["unit"], ids["run"]
    pages = [
        ("home", r("home")),
        ("units", r("tracker:unit_list")),
        ("unit", r("tracker:unit_detail", args=[unit])),
        ("air", r("tracker:air_index")),
        ("air station", r("tracker:air_station_detail", args=[ids["station"]])),
        ("water", r("tracker:water_index")),
        ("water section", r("tracker:water_section_detail", args=[ids["section"]])),
        ("outlets", r("tracker:outlet_list")),
        ("drinking water", r("tracker:drinking_water_list")),
        ("measures", r("tracker:measure_list")),
        ("ranking", r("targets:index")),
        ("score sheet", r("targets:unit_sheet", args=[run, unit])),
        ("indicators", r("targets:indicator_list")),
        ("targets", r("targets:target_list")),
        ("values", r("targets:value_list")),
        ("waste-free", r("targets:wastefree_index")),
        ("rectifications", r("rectifications:index")),
        ("rectification", r("rectifications:detail", args=[ids["item"]])),
        ("notices", r("rectifications:notices")),
        ("unit dashboard", r("targets:dashboard_unit", args=[unit])),
        ("map", r("targets:dashboard_map")),
    ]
    if role != Role.COUNTY_OFFICIAL:  # city-wide pages
        pages += [
            ("city dashboard", r("targets:dashboard_city")),
            ("city dashboard item panel", r("targets:dashboard_city_panel", args=[ids["assessment_item"]])),
            ("inspector dashboard", r("targets:dashboard_inspector")),
            ("closing queue", r("rectifications:queue")),
            ("bulletin", r("rectifications:bulletin")),
            ("projects overview", r("projects:index")),
            ("projects", r("projects:project_list")),
            ("projects, stalled", f"{r('projects:project_list')}?stalled=on"),
            ("project", r("projects:project_detail", args=[ids["project"]])),
            ("funds", r("projects:fund_list")),
            ("payments", r("projects:payment_list")),
        ]
    if role == Role.ADMIN:
        pages.append(("approval queue", r("targets:value_approval")))
    return [(name, url) for name, url in pages if url is not None]


# Pages that cache parts by data version: counted cold (cache cleared) and warm. The air index caches its
# two-year reads (city headline, war zones) by the readings' version, the ranking a run's rows by the run, the
# projects overview its stalled lists and unit ranking, the bulletin its stalled projects, the water index its
# sections' year facts and period assessment by the readings' and sections' versions.
DASHBOARDS = (
    "home", "unit dashboard", "map", "city dashboard", "city dashboard item panel", "inspector dashboard", "air",
    "ranking", "projects overview", "bulletin", "water",
)  # fmt: skip


def _count(client, name: str, url: str, warm_up: bool) -> tuple[int, ...] | None:
    """Queries of one request, warm; for the cached dashboards also of a cold one (cache cleared first). None
    when the role may not open the page (403: e.g. an inspector and the project pages)."""
    if warm_up and client.get(url).status_code == 403:  # also warms per-process caches (content types, …)
        return None
    counts = []
    if name in DASHBOARDS:
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            assert client.get(url).status_code == 200, url
        counts.append(len(cold))
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return (*counts, len(warm))


@pytest.fixture
def _on_the_data_sets_date():
    from bench.generate import NATIONAL

    with time_machine.travel(NATIONAL.clock, tick=True):
        yield


@pytest.mark.slow
def test_every_menu_page_of_every_role_costs_the_same_queries_at_10_and_2844_units(
    client_for, db, _on_the_data_sets_date
):
    from bench.generate import generate, scaled
    from projects.models import Project
    from rectifications.models import RectificationItem
    from targets.models import AssessmentItem
    from tests.factories import UserFactory
    from tracker.models import AirStation, WaterSection

    small = generate(scaled(10), prefix="S", with_air=False)
    units = [int(u) for u in small["units"]]
    author = UserFactory(username="q-author", role=Role.ADMIN)
    scheme, run = _scores(units, author)

    def own(model):  # an object of the first unit (the official's): details the official may open
        return model.objects.filter(unit_id=units[0]).order_by("pk").values_list("pk", flat=True).first()

    first = {
        "unit": units[0],
        "station": own(AirStation),
        "section": own(WaterSection),
        "project": own(Project),
        "item": own(RectificationItem),
        "assessment_item": AssessmentItem.objects.filter(scheme=scheme).order_by("sort_order").first().pk,
    }
    users = {
        role: UserFactory(username=f"q-{n}", role=role, unit_id=units[0] if role == Role.COUNTY_OFFICIAL else None)
        for n, role in enumerate(ROLES)
    }

    def measure(run_id: int, warm_up: bool) -> dict:
        out = {}
        for role, user in users.items():
            client = client_for(user)
            for name, url in _pages(role, first | {"run": run_id}):
                if warm_up or (str(role), name) in reachable:
                    counted = _count(client, name, url, warm_up)
                    if counted is not None:
                        out[(str(role), name)] = counted
        return out

    reachable: dict = {}

    before = reachable = measure(run.pk, warm_up=True)
    # the rest of the country: 2,834 more units' worth of everything, and a new run that scores all 2,844
    large = generate(scaled(NATIONAL_UNITS - 10), prefix="L", with_air=False, seed=7)
    _, run = _scores([int(u) for u in large["units"]], author, scheme=scheme)
    after = measure(run.pk, warm_up=False)

    assert len(before) >= 4 * 20 and before.keys() == after.keys()
    grew = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not grew, f"(role, page): ([cold,] warm) queries at 10 units vs 2,844 units: {grew}"
