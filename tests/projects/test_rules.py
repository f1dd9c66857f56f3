"""Pure rules on hand-computed cases (no database). Expected values are worked out in the comments."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from projects.rules import execution_rate, gap_to_target, planned_progress, rank_by_rate, stall_flags


@pytest.mark.parametrize(
    ("paid", "allocated", "expected"),
    [
        ("0", "100", Decimal("0.00")),
        ("25", "100", Decimal("25.00")),
        ("1", "3", Decimal("33.33")),  # 33.333… → 33.33
        ("2", "3", Decimal("66.67")),  # 66.666… → 66.67 (half up)
        ("100", "100", Decimal("100.00")),
        ("5", "0", None),  # nothing allocated: no rate, not 0 %
    ],
)
def test_execution_rate_is_paid_over_allocated_in_percent(paid, allocated, expected):
    assert execution_rate(Decimal(paid), Decimal(allocated)) == expected


def test_gap_to_target_is_the_yuan_still_to_pay():
    # allocated 1,000,000; target 80 % → 800,000 needed; paid 650,000 → gap 150,000
    assert gap_to_target(Decimal("650000"), Decimal("1000000"), Decimal("80")) == Decimal("150000.00")
    # already above target: nothing to pay
    assert gap_to_target(Decimal("900000"), Decimal("1000000"), Decimal("80")) == Decimal("0.00")
    # 1/3 yuan short of a fen is rounded up: 100 × 80 % = 80; paid 79.333 → 0.667 → 0.67
    assert gap_to_target(Decimal("79.333"), Decimal("100"), Decimal("80")) == Decimal("0.67")


def test_rank_by_rate_orders_highest_first_ties_share_rank_and_no_rate_last():
    frame = pd.DataFrame(
        {"unit": ["甲", "乙", "丙", "丁"], "rate": [Decimal("50"), None, Decimal("80"), Decimal("50")]}
    )
    ranked = rank_by_rate(frame)
    assert list(ranked["unit"]) == ["丙", "甲", "丁", "乙"]
    assert list(ranked["rank"].astype(object)) == [1, 2, 2, pd.NA]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2021, 12, 1), 0.0),  # before the start
        (date(2022, 1, 1), 0.0),  # on the start
        (date(2022, 1, 11), 10.0),  # 10 of 100 days
        (date(2022, 3, 2), 60.0),  # 60 of 100 days
        (date(2022, 4, 11), 100.0),  # on completion
        (date(2023, 1, 1), 100.0),  # after completion
    ],
)
def test_planned_progress_is_a_straight_line_from_start_to_completion(as_of, expected):
    # 2022-01-01 → 2022-04-11 is exactly 100 days
    assert planned_progress(date(2022, 1, 1), date(2022, 4, 11), as_of) == expected


def _one(**overrides):
    row = {
        "planned_start": date(2022, 1, 1),
        "planned_completion": date(2022, 4, 11),  # 100 days
        "last_report": date(2022, 3, 1),
        "progress": 60,
        "watched": True,
    }
    row.update(overrides)
    return stall_flags(pd.DataFrame([row]), as_of=date(2022, 3, 2), silence_days=30, behind_tolerance=10).iloc[0]


def test_project_on_plan_and_reporting_is_not_stalled():
    # as_of 2022-03-02 → expected 60 %; progress 60 %; last report 1 day ago
    flags = _one()
    assert (flags["expected"], flags["days_silent"], flags["stalled"]) == (60.0, 1, False)


def test_project_silent_for_more_than_the_limit_is_stalled():
    # last report 2022-01-30 → 31 days before 2022-03-02 (> 30)
    flags = _one(last_report=date(2022, 1, 30))
    assert flags["silent"] and flags["stalled"] and not flags["behind"]
    assert "31 天未报送进展" in flags["stall_reason"]


def test_exactly_the_silence_limit_is_not_yet_stalled():
    flags = _one(last_report=date(2022, 1, 31))  # 30 days
    assert not flags["silent"]


def test_project_never_reported_counts_silence_from_planned_start():
    # planned start 2022-01-01 → 60 days silent on 2022-03-02
    flags = _one(last_report=None)
    assert flags["days_silent"] == 60 and flags["silent"]


def test_behind_means_more_than_the_tolerance_below_the_line():
    # expected 60 %, tolerance 10 points: 50 % is on the edge (not behind), 49 % is behind
    assert not _one(progress=50)["behind"]
    flags = _one(progress=49)
    assert flags["behind"] and flags["stalled"] and "进度 49% 落后计划 60%" in flags["stall_reason"]


def test_unwatched_or_not_yet_started_projects_are_never_stalled():
    assert not _one(watched=False, last_report=None, progress=0)["stalled"]  # e.g. 储备 or 竣工
    assert not _one(planned_start=date(2022, 4, 1), planned_completion=date(2022, 12, 1), last_report=None)["stalled"]
