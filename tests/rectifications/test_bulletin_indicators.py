"""The bulletin lists exactly the right items, and the assessment indicators follow the brief's contract.

Expected rows are hand-derived from the items built here: period 2026-03-01..2026-03-31.
"""

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from rectifications import selectors
from rectifications.choices import Status
from rectifications.models import Transition
from tests.factories import InspectionFactory, RectificationItemFactory

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def _at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def world(unit_a, unit_b, inspector):
    insp = InspectionFactory(date=dt.date(2026, 1, 10))
    later = InspectionFactory(date=dt.date(2026, 5, 1))  # after the period: ignored
    mk = RectificationItemFactory
    items = {
        # unit A
        "overdue": mk(
            unit=unit_a, inspection=insp, code="A-OV", status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 10)
        ),
        "due_at_end": mk(unit=unit_a, inspection=insp, code="A-END", status=Status.OPEN, deadline=END),  # not yet
        "closed_in": mk(
            unit=unit_a,
            inspection=insp,
            code="A-CL",
            status=Status.CLOSED,
            closed_on=dt.date(2026, 3, 5),
            deadline=dt.date(2026, 5, 1),
        ),
        "closed_before": mk(
            unit=unit_a,
            inspection=insp,
            code="A-CB",
            status=Status.CLOSED,
            closed_on=dt.date(2026, 2, 20),
            deadline=dt.date(2026, 5, 1),
        ),
        "closed_overdue": mk(
            unit=unit_a,
            inspection=insp,
            code="A-CO",
            status=Status.CLOSED,
            deadline=dt.date(2026, 2, 1),
            closed_on=dt.date(2026, 4, 2),
        ),
        # unit B
        "rebound_in": mk(
            unit=unit_b,
            inspection=insp,
            code="B-RB",
            status=Status.REBOUNDED,
            rebound_count=1,
            deadline=dt.date(2026, 6, 30),
        ),
        "rebound_before": mk(
            unit=unit_b,
            inspection=insp,
            code="B-RB0",
            status=Status.IN_PROGRESS,
            rebound_count=1,
            deadline=dt.date(2026, 6, 30),
        ),
        "later": mk(unit=unit_b, inspection=later, code="B-LATE", status=Status.OPEN, deadline=dt.date(2026, 2, 1)),
    }
    for key, day in (("rebound_in", dt.date(2026, 3, 20)), ("rebound_before", dt.date(2026, 2, 10))):
        Transition.objects.create(
            item=items[key],
            action="rebound",
            from_status="closed",
            to_status="rebounded",
            actor=inspector,
            created_at=_at(day),
        )
    return items


def test_bulletin_lists_exactly_the_right_items(world, unit_a, unit_b):
    rows = {r.unit.name: r for r in selectors.bulletin(start=START, end=END)}
    assert set(rows) == {"井研县", "沐川县"}
    a, b = rows["井研县"], rows["沐川县"]
    assert [i.code for i in a.overdue] == ["A-OV"]
    assert [i.code for i in a.newly_closed] == ["A-CL"]
    assert a.rebounded == []
    assert (a.total, a.closed, a.closure_rate) == (5, 3, 60.0)
    assert b.overdue == [] and b.newly_closed == []
    assert [i.code for i in b.rebounded] == ["B-RB"]
    assert (b.total, b.closed, b.closure_rate) == (2, 0, 0.0)


def test_indicator_frames_follow_the_contract(world, unit_a, unit_b):
    as_of = dt.date(2026, 3, 31)
    for fn in (
        selectors.indicator_rectification_closure_rate,
        selectors.indicator_rectification_overdue_count,
        selectors.indicator_rectification_red_orange_count,
        selectors.indicator_rectification_rebound_count,
    ):
        frame = fn(year=2026, as_of=as_of)
        assert list(frame.columns) == ["unit_id", "value", "detail"]
        assert frame["unit_id"].dtype.kind == "i" and frame["value"].dtype.kind == "f"


def test_closure_rate_and_overdue_count_values(world, unit_a, unit_b):
    as_of = dt.date(2026, 3, 31)
    rate = selectors.indicator_rectification_closure_rate(year=2026, as_of=as_of).set_index("unit_id")
    # unit A items due 2026-01-01..03-31: A-OV (open), A-END (open), A-CO (closed only on 04-02); A-CL and A-CB
    # are due on 2026-05-01, later — not counted.
    due_a = rate.loc[unit_a.pk]
    assert due_a["value"] == 0.0 and "到期应销号 3 项，已销号 0 项" in due_a["detail"]
    overdue = selectors.indicator_rectification_overdue_count(year=2026, as_of=as_of).set_index("unit_id")
    assert overdue.loc[unit_a.pk, "value"] == 2.0  # A-OV, A-CO (closed after as_of); A-END is due on as_of
    assert overdue.loc[unit_b.pk, "value"] == 1.0  # B-LATE: deadline 02-01, still open


def test_rebound_and_red_orange_counts(world, unit_a, unit_b):
    world["overdue"].colour = "orange"
    world["overdue"].save()
    world["rebound_in"].colour = "red"
    world["rebound_in"].save()
    rebounds = selectors.indicator_rectification_rebound_count(year=2026, as_of=END).set_index("unit_id")
    assert rebounds.loc[unit_b.pk, "value"] == 2.0 and rebounds.loc[unit_a.pk, "value"] == 0.0
    early = selectors.indicator_rectification_rebound_count(year=2026, as_of=dt.date(2026, 2, 28)).set_index("unit_id")
    assert early.loc[unit_b.pk, "value"] == 1.0
    ro = selectors.indicator_rectification_red_orange_count(year=2026, as_of=END).set_index("unit_id")
    assert ro.loc[unit_a.pk, "value"] == 1.0 and "橙色预警 1 项" in ro.loc[unit_a.pk, "detail"]
    assert ro.loc[unit_b.pk, "value"] == 1.0


def test_indicators_empty_database_gives_empty_typed_frame(db):
    frame = selectors.indicator_rectification_closure_rate(year=2026, as_of=dt.date(2026, 3, 1))
    assert frame.empty and list(frame.columns) == ["unit_id", "value", "detail"]
    assert isinstance(frame, pd.DataFrame)
