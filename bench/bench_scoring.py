"""Scoring 2,844 units × 50 items on synthetic data: the engine alone and the whole service
(load frames + engine + one-transaction write of 142,200 snapshots), next to PostgreSQL doing one plain
GROUP BY over the same entered values.

10 items are computed (a fake selector registered below returns a frame for every unit), 40 are entered
(113,760 approved DataValue rows); every unit has a target for every item. Rules are mixed.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row, timed

N_UNITS = 2844
N_ITEMS = 50
N_COMPUTED = 10
YEAR = 2026
AS_OF = date(2026, 10, 31)
RULES = [
    ("proportional", {}),
    ("threshold", {}),
    ("linear", {}),
    ("deduction", {"per": 0.5, "cap": 5}),
    ("rank", {"step": 0.01}),
]


def fake_source(*, year: int, as_of: date) -> pd.DataFrame:
    """A computed indicator for every unit (what an app's selector would return)."""
    from tracker.models import Unit

    ids = np.array(list(Unit.objects.filter(code__regex=r"^B[0-9]{5}$").values_list("pk", flat=True)))
    rng = np.random.default_rng(7)
    values = rng.uniform(60, 100, len(ids)).round(1)
    return pd.DataFrame({"unit_id": ids, "value": values, "detail": [f"有效天数 {int(v * 3)}" for v in values]})


def register_sources() -> None:
    """The fake computed sources, by code (also called in the benchmark worker: bench/worker_sources.py)."""
    from targets import registry

    for n in range(N_COMPUTED):
        registry.COMPUTED_SOURCES[f"bench_{n:02d}"] = "bench.bench_scoring.fake_source"


def scheme_for(ctx: BenchContext):
    """The benchmark scheme (2,844 units × 50 items), set up once per run."""
    from targets.models import AssessmentScheme

    if "scoring_scheme" not in ctx.cache:
        ctx.cache["scoring_scheme"] = _setup(ctx).pk
    register_sources()
    return AssessmentScheme.objects.get(pk=ctx.cache["scoring_scheme"])


def _setup(ctx: BenchContext):
    from django.db import transaction

    from bench.generate import national

    national(ctx)  # the 2,844 units (and the rest of the national data set, shared with the other modules)

    from targets.models import AssessmentItem, AssessmentScheme, DataValue, Indicator, Target
    from tracker.models import Unit, User

    rng = random.Random(11)
    with transaction.atomic():
        user = User.objects.create(username="bench")
        inds = []
        for n in range(N_ITEMS):
            computed = n < N_COMPUTED
            code = f"bench_{n:02d}"
            inds.append(
                Indicator(
                    code=code,
                    name=f"指标{n:02d}",
                    unit_of_measure="%",
                    direction="lower" if n % 7 == 3 else "higher",
                    area="air",
                    source="computed" if computed else "entered",
                )
            )
        Indicator.objects.bulk_create(inds)
        inds = list(Indicator.objects.filter(code__startswith="bench_").order_by("code"))
        scheme = AssessmentScheme.objects.create(year=YEAR, name="基准方案", published=False)
        AssessmentItem.objects.bulk_create(
            [
                AssessmentItem(
                    scheme=scheme,
                    indicator=ind,
                    max_points=2,
                    rule=RULES[n % 5][0],
                    params=RULES[n % 5][1],
                    sort_order=n,
                )
                for n, ind in enumerate(inds)
            ]
        )
        units = list(Unit.objects.filter(code__regex=r"^B[0-9]{5}$").values_list("pk", flat=True))
        Target.objects.bulk_create(
            [Target(indicator=ind, unit_id=u, year=YEAR, value=85.0, baseline=75.0) for ind in inds for u in units],
            batch_size=10000,
        )
        DataValue.objects.bulk_create(
            [
                DataValue(
                    indicator=ind,
                    unit_id=u,
                    year=YEAR,
                    month=10,
                    value=round(rng.uniform(60, 100), 1),
                    status="approved",
                    entered_by=user,
                )
                for ind in inds[N_COMPUTED:]
                for u in units
            ],
            batch_size=10000,
        )
    return scheme


def run(ctx: BenchContext) -> list[Row]:
    from django.db import connection

    from targets import scoring, selectors, services
    from targets.models import DataValue, ScoreSnapshot

    scheme = scheme_for(ctx)
    n_values = DataValue.objects.count()

    def group_by():
        with connection.cursor() as cur:
            cur.execute("SELECT unit_id, SUM(value) FROM targets_datavalue GROUP BY unit_id")
            return cur.fetchall()

    t_sql, _ = timed(group_by, repeat=3)
    t_load, (items, values, unit_ids) = timed(lambda: selectors.load_frames(scheme, AS_OF), repeat=3)

    def engine():  # as the service runs it: numbers only (explanations are rendered on read), risks, totals
        scores = scoring.score_items(items, values, unit_ids, explain_rows=False)
        frame = scores.assign(value=scores["raw_value"])
        scoring.assess_risks(frame, items, services.months_elapsed(AS_OF))
        return scoring.rank_totals(scores, None, items, scheme.caps)

    t_engine, _ = timed(engine, repeat=3)
    t_service, _ = timed(lambda: services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF), repeat=2)
    ctx.cache["scoring_service_s"] = t_service
    # replaced runs of the same date are kept (superseded): count the one in force
    n_snap = ScoreSnapshot.objects.filter(run=selectors.latest_run(scheme)).count()
    note = f"{N_UNITS} units × {N_ITEMS} items = {n_snap:,} snapshots; {n_values:,} entered values"
    base = "PostgreSQL GROUP BY unit over the entered values"
    return [
        Row("scoring: engine alone (score_items + assess_risks + rank_totals)", t_engine, "s", base, t_sql, note),
        Row("scoring: load frames (selectors + DataValues + Targets)", t_load, "s", base, t_sql),
        Row("scoring: whole service (load + engine + write in one transaction)", t_service, "s", base, t_sql),
    ]
