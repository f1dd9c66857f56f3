"""The pure scoring engine on hand-computed tables (expected values worked out in the comments)."""

import math

import numpy as np
import pandas as pd
import pytest

from targets import scoring as s


def item(rule, direction=s.HIGHER, max_points=10.0, params=None, name="优良天数率", unit="%"):
    return s.Item(1, name, unit, direction, rule, max_points, params or {})


def frame(values, targets=None, baselines=None):
    n = len(values)
    return pd.DataFrame(
        {
            "unit_id": range(1, n + 1),
            "value": values,
            "target": targets if targets is not None else [np.nan] * n,
            "baseline": baselines if baselines is not None else [np.nan] * n,
        }
    )


def test_proportional_matches_the_issue_example():
    # 10 × 86.3 / 88.0 = 9.8068 → 9.81; 90 ≥ 88 → capped at 10
    out = s.score_item(item(s.PROPORTIONAL), frame([86.3, 90.0], [88.0, 88.0]))
    assert out["points"].tolist() == [9.81, 10.0]
    assert out["explanation"][0] == "优良天数率 86.3%，目标 88.0%，按比例得 9.81 分（10.00 × 86.3 ÷ 88.0）"
    assert "得满分 10.00 分" in out["explanation"][1]


def test_proportional_lower_is_better():
    # PM2.5 40 against 35: 10 × 35 / 40 = 8.75; 30 ≤ 35 → full
    it = item(s.PROPORTIONAL, s.LOWER, name="PM2.5平均浓度", unit="µg/m³")
    out = s.score_item(it, frame([40.0, 30.0], [35.0, 35.0]))
    assert out["points"].tolist() == [8.75, 10.0]
    # a concentration is published (and compared) as an integer
    assert "PM2.5平均浓度 40 µg/m³，目标 35 µg/m³" in out["explanation"][0]
    # lower is better: max × target ÷ value, as a calculator redoes it
    assert out["explanation"][0].endswith("按比例得 8.75 分（10.00 × 35 ÷ 40）")


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [(s.HIGHER, 88.0, 10.0), (s.HIGHER, 87.9, 0.0), (s.LOWER, 88.0, 10.0), (s.LOWER, 88.1, 0.0)],
)
def test_threshold_is_full_or_zero_at_the_target(direction, value, expected):
    out = s.score_item(item(s.THRESHOLD, direction), frame([value], [88.0]))
    assert out["points"].tolist() == [expected]


def test_linear_between_baseline_and_target():
    # higher: (86.3 − 80) / (90 − 80) = 0.63 → 6.30; below baseline → 0; above target → 10
    out = s.score_item(item(s.LINEAR), frame([86.3, 75.0, 95.0], [90.0] * 3, [80.0] * 3))
    assert out["points"].tolist() == [6.3, 0.0, 10.0]
    # lower: baseline 45, target 35, value 40 → (40 − 45) / (35 − 45) = 0.5 → 5.00
    out = s.score_item(item(s.LINEAR, s.LOWER), frame([40.0], [35.0], [45.0]))
    assert out["points"].tolist() == [5.0]
    assert "基数 45.0%、目标 35.0%" in out["explanation"][0]


def test_deduction_per_occurrence_with_a_floor():
    # 3 × 0.5 = 1.5; 12 × 0.5 = 6 → capped at 5; no record → 0 occurrences
    it = item(s.DEDUCTION, s.LOWER, 0.0, {"per": 0.5, "cap": 5}, name="逾期整改问题", unit="项")
    out = s.score_item(it, frame([3.0, 12.0, np.nan]))
    assert out["points"].tolist() == [-1.5, -5.0, 0.0]
    assert "已达扣分上限" in out["explanation"][1]
    assert out["explanation"][0] == "逾期整改问题 3 项，每项扣 0.5 分、最多扣 5 分，扣 1.50 分，得 -1.50 分"


def test_bonus_is_capped_at_max_points():
    # 1 per item, max 2: 1 → 1, 3 → 2
    out = s.score_item(item(s.BONUS, max_points=2.0, params={"per": 1}), frame([1.0, 3.0]))
    assert out["points"].tolist() == [1.0, 2.0]


def test_rank_first_full_each_place_loses_a_step_ties_share():
    # 90, 85, 85, 80 → ranks 1, 2, 2, 4 → 5, 4, 4, 2; no data → unranked, 0
    out = s.score_item(item(s.RANK, max_points=5.0, params={"step": 1}), frame([90.0, 85.0, 85.0, 80.0, np.nan]))
    assert out["points"].tolist() == [5.0, 4.0, 4.0, 2.0, 0.0]
    assert "在 4 个单位中排第 2 名" in out["explanation"][2]
    # lower is better: the smallest value ranks first
    out = s.score_item(item(s.RANK, s.LOWER, 5.0, {"step": 2}), frame([30.0, 40.0]))
    assert out["points"].tolist() == [5.0, 3.0]


def test_no_data_scores_zero_with_explanation():
    out = s.score_item(item(s.PROPORTIONAL), frame([np.nan], [88.0]))
    assert out["points"].tolist() == [0.0]
    assert s.NO_DATA in out["explanation"][0]


def test_missing_target_scores_zero():
    out = s.score_item(item(s.THRESHOLD), frame([90.0]))
    assert out["points"].tolist() == [0.0]
    assert "未设定目标值" in out["explanation"][0]


def test_detail_is_appended_to_explanation():
    df = frame([86.3], [88.0]).assign(detail=["优良天数 301 / 有效天数 349"])
    out = s.score_item(item(s.PROPORTIONAL), df)
    assert out["explanation"][0].endswith("（优良天数 301 / 有效天数 349）")


def test_score_items_fills_units_without_rows():
    items = [item(s.PROPORTIONAL), s.Item(2, "逾期", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 0.5, "cap": 5})]
    values = pd.DataFrame([{"item_id": 1, "unit_id": 7, "value": 44.0, "target": 88.0, "baseline": np.nan}])
    out = s.score_items(items, values, [7, 8])
    assert len(out) == 4
    got = out.set_index(["item_id", "unit_id"])["points"]
    assert got[(1, 7)] == 5.0 and got[(1, 8)] == 0.0 and got[(2, 8)] == 0.0


def test_rank_totals_competition_ranking_and_improvement():
    # totals: u1 = 10, u2 = 8, u3 = 10, u4 = 5 → ranks 1, 3, 1, 4 ("1224" style)
    scores = pd.DataFrame({"unit_id": [1, 1, 2, 3, 4], "points": [6.0, 4.0, 8.0, 10.0, 5.0]})
    prev = pd.Series({1: 9.0, 2: 5.0, 3: 10.0})  # improvements: +1, +3, 0, none
    out = s.rank_totals(scores, prev).set_index("unit_id")
    assert out["rank"].tolist() == [1, 3, 1, 4]
    assert out["improvement"].tolist()[:3] == [1.0, 3.0, 0.0]
    assert out["improvement_rank"].tolist()[:3] == [2, 1, 3]
    assert pd.isna(out.loc[4, "improvement_rank"])


@pytest.mark.parametrize(
    ("rule", "params", "ok"),
    [
        (s.DEDUCTION, {"per": 0.5, "cap": 5}, True),
        (s.DEDUCTION, {"per": 0.5}, False),
        (s.DEDUCTION, {"per": -1, "cap": 5}, False),
        (s.RANK, {"step": "1"}, False),
        (s.PROPORTIONAL, {"x": 1}, False),
        ("nope", {}, False),
    ],
)
def test_validate_params(rule, params, ok):
    assert (s.validate_params(rule, params) == []) is ok


# --- deduction risk ---
def test_required_rest_and_projection():
    # year mean 35 over 12 months; 10 months at 35.8 → the remaining 2 need (420 − 358) / 2 = 31
    assert s.required_rest(35.8, 35.0, 10) == pytest.approx(31.0)
    assert s.year_end_projection(3, 6, s.SUM) == 6
    assert s.year_end_projection(80.0, 6, s.MEAN) == 80.0
    assert math.isnan(s.year_end_projection(float("nan"), 6, s.MEAN))


def test_deduction_risk_flags_and_explains_recovery():
    pm = s.Item(1, "PM2.5平均浓度", "µg/m³", s.LOWER, s.PROPORTIONAL, 10.0, {})
    od = s.Item(2, "逾期整改问题", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 0.5, "cap": 5})
    df = pd.DataFrame(
        [
            {"item_id": 1, "unit_id": 1, "value": 35.8, "target": 35.0, "baseline": np.nan, "aggregate": s.MEAN},
            {"item_id": 1, "unit_id": 2, "value": 33.0, "target": 35.0, "baseline": np.nan, "aggregate": s.MEAN},
            {"item_id": 2, "unit_id": 1, "value": 0.0, "target": np.nan, "baseline": np.nan, "aggregate": s.SUM},
            {"item_id": 2, "unit_id": 2, "value": 2.0, "target": np.nan, "baseline": np.nan, "aggregate": s.SUM},
        ]
    )
    out = s.deduction_risks(df, [pm, od], months_elapsed=10)
    flagged = set(zip(out["item_id"], out["unit_id"], strict=True))
    # unit 2's 2 overdue items in 10 months → floor(2 × 12 / 10) = 2 by year end: no further whole item is
    # projected, so its −1.00 is lost (already happened), not at risk
    assert flagged == {(1, 1)}
    pm_row = out[out["item_id"] == 1].iloc[0]
    # 35.8 is published as 36: projected 10 × 35 / 36 = 9.72, so 0.28 at risk (best: the remaining 2 months
    # at 0 give 35.8 × 10 / 12 = 29.8 → 30 ≤ 35, full points)
    assert pm_row["projected_points"] == 9.72 and pm_row["points_at_risk"] == 0.28
    # the remaining 2 months need (35 × 12 − 35.8 × 10) / 2 = 31.0 → ≤ 31 (an integer, rounded down to be safe)
    assert pm_row["advice"] == "剩余 2 个月PM2.5平均浓度均值 ≤ 31 µg/m³"


def test_deduction_risk_uses_the_months_a_value_covers():
    # an entered rate reported up to September (9 months) at 70 against 75: the last 3 months need
    # (75 × 12 − 70 × 9) / 3 = 90; an annual value (12 months) that misses is lost for good
    it = s.Item(1, "工业固体废物综合利用率", "%", s.HIGHER, s.THRESHOLD, 8.0, {})
    df = pd.DataFrame(
        [
            {"item_id": 1, "unit_id": 1, "value": 70.0, "target": 75.0, "baseline": np.nan, "months": 9.0},
            {"item_id": 1, "unit_id": 2, "value": 70.0, "target": 75.0, "baseline": np.nan, "months": 12.0},
        ]
    )
    out = s.deduction_risks(df, [it], months_elapsed=10.5).set_index("unit_id")
    assert out.loc[1, "advice"] == "剩余 3 个月工业固体废物综合利用率均值 ≥ 90.0%"
    assert out.loc[2, "advice"] == "本年度已无法挽回"
    # unit 1: 8 points at risk, none lost yet; unit 2: the year is known, 8 lost, nothing at risk
    assert out["points_at_risk"].tolist() == [8.0, 0.0]


def test_counting_rule_without_a_source_is_no_data():
    it = item(s.DEDUCTION, s.LOWER, 0.0, {"per": 0.5, "cap": 5}, name="逾期整改问题", unit="项")
    out = s.score_item(it, frame([np.nan, np.nan]).assign(no_source=[True, False]))
    assert out["points"].tolist() == [0.0, 0.0]
    assert s.NO_DATA in out["explanation"][0] and "0 项" in out["explanation"][1]
