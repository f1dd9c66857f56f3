"""The rules real 党政同责 schemes need (issue 12): direction-aware linear, published precision, 不涉及 policies,
一票否决, caps, and the deduction risk by accrual kind. Every expected value is worked out by hand in a comment."""

import numpy as np
import pandas as pd
import pytest

from targets import scoring as s


def frame(values, targets=None, baselines=None, **extra):
    n = len(values)
    df = pd.DataFrame(
        {
            "unit_id": range(1, n + 1),
            "value": values,
            "target": targets if targets is not None else [np.nan] * n,
            "baseline": baselines if baselines is not None else [np.nan] * n,
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


# --- 1. linear follows the direction ----------------------------------------------------------------
def test_linear_with_a_relaxed_target_never_rewards_getting_worse():
    # baseline 90 %, target 80 % (higher is better; a relaxed target): the old rule gave 95 → 0, 85 → 3,
    # 70 → full. Now: at or beyond the target full (95 ≥ 80, 85 ≥ 80 → 10), below it 0 (70 < 80 → 0)
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.LINEAR, 10.0, {})
    out = s.score_item(it, frame([95.0, 85.0, 70.0], [80.0] * 3, [90.0] * 3))
    assert out["points"].tolist() == [10.0, 10.0, 0.0]
    assert out["status"].tolist() == [s.MET, s.MET, s.MISSED]
    assert out["explanation"][2] == "优良天数率 70.0%，基数 90.0% 已优于目标 80.0%，按是否达标计，得 0.00 分"


def test_linear_lower_is_better_with_a_relaxed_target():
    # PM2.5 baseline 32, target 35 (lower is better): 28 ≤ 35 → full (the old rule gave 0); 36 > 35 → 0
    it = s.Item(1, "PM2.5平均浓度", "µg/m³", s.LOWER, s.LINEAR, 10.0, {})
    out = s.score_item(it, frame([28.0, 36.0], [35.0, 35.0], [32.0, 32.0]))
    assert out["points"].tolist() == [10.0, 0.0]


def test_linear_points_never_fall_as_the_value_improves():
    rng = np.random.default_rng(12)
    for direction in (s.HIGHER, s.LOWER):
        it = s.Item(1, "x", "%", direction, s.LINEAR, 10.0, {})
        for _ in range(50):
            t, b = rng.uniform(50, 100, 2)
            values = np.sort(rng.uniform(40, 100, 30))
            if direction == s.LOWER:
                values = values[::-1]  # from worst to best
            pts = s.score_item(it, frame(list(values), [t] * 30, [b] * 30), explain_rows=False)["points"]
            assert (np.diff(pts.to_numpy()) >= -1e-9).all()


def test_linear_formula_is_shown_for_a_partial_score():
    # (86.3 − 80) ÷ (90 − 80) = 0.63 → 10 × 0.63 = 6.30
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.LINEAR, 10.0, {})
    out = s.score_item(it, frame([86.3], [90.0], [80.0]))
    assert out["points"].tolist() == [6.3]
    assert out["explanation"][0].endswith("按完成进度得 6.30 分（10.00 × (86.3 − 80.0) ÷ (90.0 − 80.0)）")


# --- 5. comparison at the published precision ---------------------------------------------------------
def test_threshold_compares_the_published_value():
    # 99.99 % is published as 100.0 % → meets ≥ 100.0 % (the old rule read "100.0%，目标 ≥ 100.0%，未达标");
    # 99.94 % is published as 99.9 % → misses
    it = s.Item(1, "整改销号率", "%", s.HIGHER, s.THRESHOLD, 5.0, {})
    out = s.score_item(it, frame([99.99, 99.94], [100.0, 100.0]))
    assert out["points"].tolist() == [5.0, 0.0]
    assert out["value"].tolist() == [100.0, 99.9]
    assert out["explanation"][0] == "整改销号率 100.0%，目标 ≥ 100.0%，达标得 5.00 分"
    assert out["explanation"][1] == "整改销号率 99.9%，目标 ≥ 100.0%，未达标得 0.00 分"


def test_concentrations_compare_as_integers_and_the_index_at_two_decimals():
    # PM2.5 35.4 → 35 ≤ 35 met; 35.5 → 36 (half up, not to even) missed
    pm = s.Item(1, "PM2.5平均浓度", "µg/m³", s.LOWER, s.THRESHOLD, 5.0, {})
    assert s.score_item(pm, frame([35.4, 35.5], [35.0, 35.0]))["points"].tolist() == [5.0, 0.0]
    # composite index 4.104 → 4.10 ≤ 4.10 met; 4.105 → 4.11 missed
    ci = s.Item(2, "环境空气质量综合指数", "", s.LOWER, s.THRESHOLD, 5.0, {})
    out = s.score_item(ci, frame([4.104, 4.105], [4.1, 4.1]))
    assert out["points"].tolist() == [5.0, 0.0]
    assert "环境空气质量综合指数 4.11，目标 ≤ 4.10" in out["explanation"][1]


def test_round_published_is_half_up():
    assert s.round_published([0.125, 2.5, -2.5, np.nan], 0)[:3].tolist() == [0.0, 3.0, -3.0]
    assert s.round_published([0.125], 2).tolist() == [0.13]


# --- 1. 不涉及 policies, 折算, veto, caps --------------------------------------------------------------
def _two_item_scores(policy):
    # item 1 (10 points): both units 8; item 2 outlets (6 points): unit 1 scores 3, unit 2 has no outlets
    a = s.Item(1, "优良天数率", "%", s.HIGHER, s.THRESHOLD, 10.0, {})
    b = s.Item(2, "入河排污口整治完成率", "%", s.HIGHER, s.PROPORTIONAL, 6.0, {}, na_policy=policy)
    values = pd.DataFrame(
        [
            {"item_id": 1, "unit_id": 1, "value": 90.0, "target": 88.0},
            {"item_id": 1, "unit_id": 2, "value": 90.0, "target": 88.0},
            {"item_id": 2, "unit_id": 1, "value": 40.0, "target": 80.0},
            {"item_id": 2, "unit_id": 2, "value": np.nan, "target": 80.0, "applicable": False, "na_reason": "无排污口"},
        ]
    )
    scores = s.score_items([a, b], values, [1, 2])
    return [a, b], scores


@pytest.mark.parametrize(
    ("policy", "points", "total"),
    [
        # full: unit 2 gets the 6 points → 10 + 6 = 16
        (s.NA_FULL, 6.0, 16.0),
        # rescale (折算): 10 points of the applicable maximum 10, scaled to the full 16 → 10 × 16 / 10 = 16.00
        (s.NA_RESCALE, 0.0, 16.0),
        # zero: nothing for the item, nothing rescaled → 10
        (s.NA_ZERO, 0.0, 10.0),
    ],
)
def test_not_applicable_policies(policy, points, total):
    items, scores = _two_item_scores(policy)
    row = scores[(scores["item_id"] == 2) & (scores["unit_id"] == 2)].iloc[0]
    assert row["status"] == s.NOT_APPLICABLE and row["points"] == points
    assert "不涉及（无排污口）" in row["explanation"]
    totals = s.rank_totals(scores, items=items).set_index("unit_id")
    assert totals.loc[2, "total"] == total
    # unit 1: 10 + 6 × 40 / 80 = 13 whatever the policy
    assert totals.loc[1, "total"] == 13.0


def test_rescale_with_partial_points():
    # unit 2 scores 7 of the applicable 10 → 7 × 16 / 10 = 11.2
    items, scores = _two_item_scores(s.NA_RESCALE)
    scores.loc[(scores["item_id"] == 1) & (scores["unit_id"] == 2), "points"] = 7.0
    totals = s.unit_totals(scores, items).set_index("unit_id")
    assert totals.loc[2, "scale"] == pytest.approx(1.6) and totals.loc[2, "total"] == 11.2


def test_veto_ranks_the_unit_after_every_unit_not_vetoed():
    # unit 1 has the best total (10 + 5 = 15) but misses the veto item (a major incident: 1 > 0);
    # units 2 (10) and 3 (8) rank 1 and 2, unit 1 third
    ok = s.Item(1, "优良天数率", "%", s.HIGHER, s.PROPORTIONAL, 10.0, {})
    bonus = s.Item(2, "加分", "项", s.HIGHER, s.BONUS, 5.0, {"per": 5})
    veto = s.Item(3, "重大环境事件", "起", s.LOWER, s.THRESHOLD, 0.0, {}, veto=True)
    values = pd.DataFrame(
        [
            {"item_id": 1, "unit_id": 1, "value": 90.0, "target": 88.0},
            {"item_id": 1, "unit_id": 2, "value": 90.0, "target": 88.0},
            {"item_id": 1, "unit_id": 3, "value": 70.4, "target": 88.0},
            {"item_id": 2, "unit_id": 1, "value": 1.0},
            {"item_id": 3, "unit_id": 1, "value": 1.0, "target": 0.0},
            {"item_id": 3, "unit_id": 2, "value": 0.0, "target": 0.0},
            {"item_id": 3, "unit_id": 3, "value": 0.0, "target": 0.0},
        ]
    )
    scores = s.score_items([ok, bonus, veto], values, [1, 2, 3])
    totals = s.rank_totals(scores, items=[ok, bonus, veto]).set_index("unit_id")
    # unit 3: 10 × 70.4 / 88 = 8.00
    assert totals["total"].tolist() == [15.0, 10.0, 8.0]
    assert totals["rank"].tolist() == [3, 1, 2]
    assert totals["vetoed"].tolist() == [True, False, False]
    vetoed = scores[(scores["item_id"] == 3) & (scores["unit_id"] == 1)].iloc[0]
    assert "一票否决" in vetoed["explanation"]


def test_caps_per_area_and_overall():
    # deductions: rectification items −1 each (item cap 10); the area "rectification" is capped at 3;
    # bonuses: 1 each, air capped at 2, overall capped at 3
    ded1 = s.Item(1, "逾期整改问题", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 1, "cap": 10}, area="rectification")
    ded2 = s.Item(2, "整改反弹", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 1, "cap": 10}, area="rectification")
    b_air = s.Item(3, "大气加分", "项", s.HIGHER, s.BONUS, 5.0, {"per": 1}, area="air")
    b_water = s.Item(4, "水加分", "项", s.HIGHER, s.BONUS, 5.0, {"per": 1}, area="water")
    base = s.Item(5, "优良天数率", "%", s.HIGHER, s.THRESHOLD, 10.0, {}, area="air")
    items = [ded1, ded2, b_air, b_water, base]
    values = pd.DataFrame(
        [
            {"item_id": 1, "unit_id": 1, "value": 2.0},
            {"item_id": 2, "unit_id": 1, "value": 2.0},
            {"item_id": 3, "unit_id": 1, "value": 4.0},
            {"item_id": 4, "unit_id": 1, "value": 2.0},
            {"item_id": 5, "unit_id": 1, "value": 90.0, "target": 88.0},
        ]
    )
    scores = s.score_items(items, values, [1])
    caps = {"deduction": {"rectification": 3}, "bonus": {"air": 2, "overall": 3}}
    t = s.unit_totals(scores, items, caps).iloc[0]
    # deductions 2 + 2 = 4 → area cap 3; bonuses air 4 → 2, water 2 → 4 → overall cap 3
    assert (t["deduction_raw"], t["deduction"], t["bonus_raw"], t["bonus"]) == (4.0, 3.0, 6.0, 3.0)
    # total 10 + 3 − 3 = 10
    assert t["total"] == 10.0
    # without caps: 10 + 6 − 4 = 12 (the plain sum of points)
    assert s.unit_totals(scores, items).iloc[0]["total"] == 12.0 == scores["points"].sum()


def test_old_callers_keep_working():
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.PROPORTIONAL, 10.0, {})
    values = pd.DataFrame([{"item_id": 1, "unit_id": 7, "value": 44.0, "target": 88.0, "baseline": np.nan}])
    out = s.score_items([it], values, [7, 8])
    assert out["points"].tolist() == [5.0, 0.0] and "explanation" in out


def test_explanation_in_english():
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.THRESHOLD, 5.0, {}, name_en="Good-day rate")
    row = s.score_item(it, frame([86.34], [88.0]), explain_rows=False).iloc[0].to_dict()
    assert s.explain(it, row, "en") == "Good-day rate 86.3%, target ≥ 88.0%, missed: 0.00 points"


# --- 2. deduction risk by accrual kind (井研县's cases, issue point 3) ------------------------------------
def _risk(item, rows, months=10.0):
    df = pd.DataFrame(rows)
    df["item_id"] = item.item_id
    scored = s.score_item(item, df, explain_rows=False)[["unit_id", "points"]]
    return s.assess_risks(df.merge(scored, on="unit_id"), [item], months).set_index("unit_id")


def test_stock_closure_rate_needs_whole_items_to_close():
    # 3 of 7 due items closed = 42.9 % against 100 %, threshold 4 points: closing the 4 overdue gives 7/7 → full.
    # Nothing is lost; 4 points are at risk; the need is "再销号 4 项" (ceil(100 % × 7 − 3) = 4)
    it = s.Item(1, "督察整改销号率", "%", s.HIGHER, s.THRESHOLD, 4.0, {}, accrual=s.STOCK, recovery=s.NEED_CLOSE)
    r = _risk(it, [{"unit_id": 1, "value": 300 / 7, "target": 100.0, "num": 3, "den": 7}]).loc[1]
    assert (r["points_lost"], r["points_at_risk"], r["need_kind"], r["need_amount"]) == (0.0, 4.0, "close", 4.0)
    assert s.need_text(it, r["need_kind"], r["need_amount"]) == "再销号 4 项"


def test_stock_budget_execution_needs_money_to_pay():
    # paid 3,150.16 of 5,000 万元 = 63.0 % against 80 %: 80 % × 5,000 − 3,150.16 = 849.84 万元
    it = s.Item(1, "专项资金预算执行率", "%", s.HIGHER, s.PROPORTIONAL, 6.0, {}, accrual=s.STOCK, recovery=s.NEED_PAY)
    r = _risk(it, [{"unit_id": 1, "value": 63.0032, "target": 80.0, "num": 3150.16, "den": 5000.0}]).loc[1]
    assert r["need_kind"] == "pay" and r["need_amount"] == pytest.approx(849.84)
    assert s.need_text(it, r["need_kind"], r["need_amount"]) == "再支付 849.84 万元"
    # points now 6 × 63.0 / 80 = 4.725 → 4.73 (rounded at 2 decimals); at risk 6 − 4.73 = 1.27
    assert r["points_at_risk"] == 1.27 and r["points_lost"] == 0.0


def test_stock_outlets_need_whole_outlets():
    # 3 of 6 outlets done = 50 % against 79 %: ceil(0.79 × 6 − 3) = ceil(1.74) = 2 → 5/6 = 83.3 % ≥ 79 %
    it = s.Item(1, "入河排污口整治完成率", "%", s.HIGHER, s.THRESHOLD, 6.0, {}, accrual=s.STOCK, recovery="complete")
    r = _risk(it, [{"unit_id": 1, "value": 50.0, "target": 79.0, "num": 3, "den": 6}]).loc[1]
    assert (r["need_kind"], r["need_amount"]) == ("complete", 2.0)
    assert s.need_text(it, "complete", 2.0) == "再完成 2 个排污口"


def test_level_deduction_at_the_cap_needs_two_fewer_for_one_point():
    # 4 red items, 1 point each, at most 3: −3 now. 3 red still give −3 (capped), 2 give −2: the first point
    # back needs 2 fewer (4 − ceil(3 / 1) + 1 = 2), all back needs 4 fewer. Nothing is lost yet: 3 at risk.
    it = s.Item(1, "红橙预警问题", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 1, "cap": 3}, accrual=s.LEVEL)
    r = _risk(it, [{"unit_id": 1, "value": 4.0}]).loc[1]
    assert (r["points_lost"], r["points_at_risk"]) == (0.0, 3.0)
    assert (r["need_kind"], r["need_amount"], r["need_total"]) == ("reduce", 2.0, 4.0)
    assert s.need_text(it, "reduce", 2.0, 4.0) == "再减少 2 项可少扣分，减少 4 项不再扣分"


def test_count_deduction_keeps_points_lost_apart_and_projects_whole_items():
    # 3 rebounds in 10 months, −0.5 each, at most 5: 1.5 already lost for good; by year end
    # floor(3 × 12 / 10) = floor(3.6) = 3 whole rebounds → nothing more at risk (no fractional items).
    # 5 rebounds: floor(6.0) = 6 → −3.0, so 0.5 more at risk and 2.5 lost
    it = s.Item(1, "整改反弹", "项", s.LOWER, s.DEDUCTION, 0.0, {"per": 0.5, "cap": 5}, accrual=s.COUNT)
    r = _risk(it, [{"unit_id": 1, "value": 3.0}, {"unit_id": 2, "value": 5.0}])
    assert r.loc[1, "points_lost"] == 1.5 and r.loc[1, "points_at_risk"] == 0.0 and r.loc[1, "projected"] == 3.0
    assert r.loc[2, "points_lost"] == 2.5 and r.loc[2, "points_at_risk"] == 0.5 and r.loc[2, "projected"] == 6.0
    assert r.loc[2, "need_kind"] == s.NEED_NO_MORE


def test_flow_pm25_needs_a_mean_for_the_remaining_months():
    # 11 months at 35.75 against 35 (threshold): the last month needs 35 × 12 − 35.75 × 11 = 26.75 → ≤ 26
    # (rounded down: an integer concentration that surely suffices). Best case (0 for a month): 32.8 → 33 ≤ 35:
    # nothing lost, 5 points at risk.
    it = s.Item(1, "PM2.5平均浓度", "µg/m³", s.LOWER, s.THRESHOLD, 5.0, {}, accrual=s.FLOW)
    r = _risk(it, [{"unit_id": 1, "value": 35.75, "target": 35.0}], months=11.0).loc[1]
    assert (r["need_kind"], r["need_amount"], r["points_at_risk"], r["points_lost"]) == ("rest_mean", 26.0, 5.0, 0.0)
    assert s.need_text(it, "rest_mean", 26.0, 1.0) == "剩余 1 个月PM2.5平均浓度均值 ≤ 26 µg/m³"


def test_flow_that_cannot_be_reached_is_lost_not_at_risk():
    # good-day rate 70 % over 10 months against 96 %: even 100 % for 2 months gives (700 + 200) / 12 = 75.0 %
    # < 96 → threshold points (5) lost, none at risk, need impossible
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.THRESHOLD, 5.0, {}, accrual=s.FLOW)
    r = _risk(it, [{"unit_id": 1, "value": 70.0, "target": 96.0}]).loc[1]
    assert (r["points_lost"], r["points_at_risk"], r["need_kind"]) == (5.0, 0.0, s.NEED_IMPOSSIBLE)


def test_risk_is_vectorised_over_many_units():
    # 20,000 units of one flow item: same answers as one unit at a time (spot check), in one numpy pass
    it = s.Item(1, "优良天数率", "%", s.HIGHER, s.PROPORTIONAL, 10.0, {}, accrual=s.FLOW)
    n = 20_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"unit_id": range(n), "value": rng.uniform(60, 100, n), "target": 88.0, "item_id": 1})
    df = df.merge(s.score_item(it, df, explain_rows=False)[["unit_id", "points"]], on="unit_id")
    out = s.assess_risks(df, [it], 10.0).set_index("unit_id")
    assert len(out) == n
    one = s.assess_risks(df.iloc[[123]], [it], 10.0).iloc[0]
    assert out.loc[123, "points_at_risk"] == one["points_at_risk"]
