"""Queries per page at 10, 100, 1,000 and 2,844 units (the whole country): the main list, detail and ranking
pages of every app, fetched by a leader (who sees every unit) with Django's test client, counted with
`CaptureQueriesContext`.

Each size is a scaled copy of the national data set (same proportions per unit: stations, sections, items,
projects, 30 days of air readings) plus an assessment scheme of 3 items scored for every unit. It is written
inside one transaction that first empties the unit-bearing tables (TRUNCATE … CASCADE, transactional in
PostgreSQL) and is rolled back afterwards, so the national data set of the other modules is untouched.

The value is the count at 2,844 units, the baseline the count at 10 units: a ratio of 1.00 means the page
costs the same number of queries whatever the data size (the requirement); the note gives every count.
Each page is requested twice and the second request counted (the first warms per-process caches).

Everything runs on the data set's date: the process clock is travelled (time-machine, ticking on) to
`bench.generate.NATIONAL.clock`, 10:00 Beijing time on the generator's "today" (31 December of its year), so the
year-to-date pages and the scheme of "the current year" count their queries over the generated year, not over an
empty one.
"""

from __future__ import annotations

import logging

import time_machine

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")

SIZES = (10, 100, 1000, 2844)  # up to the whole country
TRUNCATE = (
    "TRUNCATE tracker_unit, tracker_river, tracker_warzone, rectifications_inspection, projects_fund, "
    "targets_indicator, targets_assessmentscheme CASCADE"
)


class _Rollback(Exception):
    pass


def _scheme(units: list[int], user) -> tuple[int, int]:
    """A published scheme of the current year: 3 entered items, targets and approved values for every unit."""
    from django.utils import timezone

    from targets.models import AssessmentItem, AssessmentScheme, DataValue, Indicator, Target
    from targets.services import scores_compute

    today = timezone.localdate()
    scheme = AssessmentScheme.objects.create(year=today.year, name="查询计数方案", published=True)
    inds = [
        Indicator.objects.create(code=f"q_{n}", name=f"指标{n}", unit_of_measure="%", area="air", source="entered")
        for n in range(3)
    ]
    for n, ind in enumerate(inds):
        AssessmentItem.objects.create(scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=n)
    Target.objects.bulk_create(
        [Target(indicator=i, unit_id=u, year=today.year, value=85.0) for i in inds for u in units], batch_size=5000
    )
    DataValue.objects.bulk_create(
        [
            DataValue(
                indicator=i,
                unit_id=u,
                year=today.year,
                month=max(1, today.month - 1),
                value=80.0 + (u % 17),
                status="approved",
                entered_by=user,
            )
            for i in inds
            for u in units
        ],
        batch_size=5000,
    )
    run = scores_compute(scheme_id=scheme.pk, as_of=today)
    return scheme.pk, run.pk


def _pages(ids: dict) -> list[tuple[str, str]]:
    from django.urls import reverse

    r = reverse
    return [
        ("home", r("home")),
        ("units: list", r("tracker:unit_list")),
        ("units: detail", r("tracker:unit_detail", args=[ids["unit"]])),
        ("air: index", r("tracker:air_index")),
        ("air: station detail", r("tracker:air_station_detail", args=[ids["station"]])),
        ("water: index", r("tracker:water_index")),
        ("water: section detail", r("tracker:water_section_detail", args=[ids["section"]])),
        ("water: outlets", r("tracker:outlet_list")),
        ("water: drinking sources", r("tracker:drinking_water_list")),
        ("measures: list", r("tracker:measure_list")),
        ("assessment: ranking", r("targets:index")),
        ("assessment: unit score sheet", r("targets:unit_sheet", args=[ids["run"], ids["unit"]])),
        ("assessment: indicators", r("targets:indicator_list")),
        ("assessment: targets", r("targets:target_list")),
        ("assessment: values", r("targets:value_list")),
        ("assessment: approval queue", r("targets:value_approval")),
        ("waste-free city", r("targets:wastefree_index")),
        ("projects: overview", r("projects:index")),
        ("projects: ledger", r("projects:project_list")),
        ("projects: detail", r("projects:project_detail", args=[ids["project"]])),
        ("rectifications: ledger", r("rectifications:index")),
        ("rectifications: detail", r("rectifications:detail", args=[ids["item"]])),
        ("rectifications: queue", r("rectifications:queue")),
        ("rectifications: notices", r("rectifications:notices")),
        ("rectifications: bulletin", r("rectifications:bulletin")),
    ]


def _measure(n_units: int) -> dict[str, tuple[int, int]]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.generate import generate, scaled
    from projects.models import Project
    from rectifications.models import RectificationItem
    from tracker.choices import Role
    from tracker.models import AirStation, User, WaterSection
    from tracker.services import user_set_role

    counts: dict[str, tuple[int, int]] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(TRUNCATE)
            data = generate(scaled(n_units), prefix="Q")
            leader = User.objects.create(username="q-leader", full_name="领导")
            user_set_role(user=leader, role=Role.LEADER)
            units = [int(u) for u in data["units"]]
            _, run_id = _scheme(units, leader)
            ids = {
                "unit": units[0],
                "station": AirStation.objects.order_by("pk").values_list("pk", flat=True).first(),
                "section": WaterSection.objects.order_by("pk").values_list("pk", flat=True).first(),
                "project": Project.objects.order_by("pk").values_list("pk", flat=True).first(),
                "item": RectificationItem.objects.order_by("pk").values_list("pk", flat=True).first(),
                "run": run_id,
            }
            if "testserver" not in settings.ALLOWED_HOSTS:
                settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
            client = Client(raise_request_exception=False)
            client.force_login(leader)
            for name, url in _pages(ids):
                client.get(url)  # warm-up
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                counts[name] = (len(ctx.captured_queries), response.status_code)
            raise _Rollback
    except _Rollback:
        pass
    logger.info("queries per page measured at %d units", n_units)
    return counts


def run(ctx: BenchContext) -> list[Row]:
    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_queries needs PostgreSQL (transactional TRUNCATE); skipped")
        return []
    from bench.generate import NATIONAL

    with time_machine.travel(NATIONAL.clock, tick=True):  # the pages as seen on the data set's "today"
        by_size = {n: _measure(n) for n in SIZES}
    rows = []
    for name in by_size[SIZES[0]]:
        counts = [by_size[n][name][0] for n in SIZES]
        statuses = {by_size[n][name][1] for n in SIZES}
        note = " / ".join(f"{n:,}: {c}" for n, c in zip(SIZES, counts, strict=True))
        if len(set(counts)) > 1:
            note += " — NOT CONSTANT"
        if statuses != {200}:
            note += f" — HTTP {sorted(statuses)}"
        rows.append(Row(f"queries: {name}", counts[-1], "queries", "same page at 10 units", counts[0], note))
    return rows
