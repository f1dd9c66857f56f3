"""GB 3838-2002 single-factor class, on hand-built tables around every limit of Table 1 (基本项目标准限值).

Limits used (mg/L), from GB 3838-2002 Table 1, classes I/II/III/IV/V:
  溶解氧 DO ≥            7.5 (饱和率90%) / 6 / 5 / 3 / 2
  高锰酸盐指数 CODMn ≤    2 / 4 / 6 / 10 / 15
  化学需氧量 COD ≤        15 / 15 / 20 / 30 / 40
  五日生化需氧量 BOD5 ≤   3 / 3 / 4 / 6 / 10
  氨氮 NH3-N ≤            0.15 / 0.5 / 1.0 / 1.5 / 2.0
  总磷 TP ≤ (河流)        0.02 / 0.1 / 0.2 / 0.3 / 0.4
A value exactly on a limit meets that class; where I and II share a limit (COD 15, BOD5 3) it is class I.
"""

import math

import pandas as pd
import pytest

from tracker.standards import (
    cwqi,
    water_class,
    water_compliant,
    water_exceedances,
    water_good_rate,
    water_limiting_factors,
    water_period_means,
    water_reading_assess,
    water_unit_compliance_ranking,
)

# (parameter, value, expected class) — on each limit, and just past it on the worse side.
SINGLE_FACTOR = [
    ("do", 9.0, "I"), ("do", 7.5, "I"), ("do", 7.49, "II"), ("do", 6, "II"), ("do", 5.99, "III"),
    ("do", 5, "III"), ("do", 4.99, "IV"), ("do", 3, "IV"), ("do", 2.99, "V"), ("do", 2, "V"),
    ("do", 1.99, "劣V"), ("do", 0, "劣V"),
    ("codmn", 0, "I"), ("codmn", 2, "I"), ("codmn", 2.01, "II"), ("codmn", 4, "II"), ("codmn", 4.01, "III"),
    ("codmn", 6, "III"), ("codmn", 6.01, "IV"), ("codmn", 10, "IV"), ("codmn", 10.01, "V"), ("codmn", 15, "V"),
    ("codmn", 15.01, "劣V"),
    ("cod", 15, "I"), ("cod", 15.01, "III"), ("cod", 20, "III"), ("cod", 20.01, "IV"), ("cod", 30, "IV"),
    ("cod", 30.01, "V"), ("cod", 40, "V"), ("cod", 40.01, "劣V"),
    ("bod5", 3, "I"), ("bod5", 3.01, "III"), ("bod5", 4, "III"), ("bod5", 4.01, "IV"), ("bod5", 6, "IV"),
    ("bod5", 6.01, "V"), ("bod5", 10, "V"), ("bod5", 10.01, "劣V"),
    ("nh3n", 0.15, "I"), ("nh3n", 0.151, "II"), ("nh3n", 0.5, "II"), ("nh3n", 0.501, "III"), ("nh3n", 1.0, "III"),
    ("nh3n", 1.001, "IV"), ("nh3n", 1.5, "IV"), ("nh3n", 1.501, "V"), ("nh3n", 2.0, "V"), ("nh3n", 2.001, "劣V"),
    ("tp", 0.02, "I"), ("tp", 0.021, "II"), ("tp", 0.1, "II"), ("tp", 0.101, "III"), ("tp", 0.2, "III"),
    ("tp", 0.201, "IV"), ("tp", 0.3, "IV"), ("tp", 0.301, "V"), ("tp", 0.4, "V"), ("tp", 0.401, "劣V"),
]  # fmt: skip


@pytest.mark.parametrize(("parameter", "value", "expected"), SINGLE_FACTOR)
def test_single_parameter_class_matches_table_1(parameter, value, expected):
    assert water_class({parameter: value}) == expected


def test_class_is_the_worst_single_factor():
    # DO I, CODMn II, COD I, BOD5 I, NH3-N IV (1.2 > 1.0), TP III → IV, set by 氨氮.
    m = {"do": 8, "codmn": 3, "cod": 12, "bod5": 2, "nh3n": 1.2, "tp": 0.15}
    assert water_class(m) == "IV"
    assert water_limiting_factors(m) == ["nh3n"]


def test_all_at_class_i_limits_is_class_i():
    assert water_class({"do": 7.5, "codmn": 2, "cod": 15, "bod5": 3, "nh3n": 0.15, "tp": 0.02}) == "I"


def test_missing_parameters_are_ignored_and_all_missing_is_none():
    assert water_class({"do": None, "tp": 0.05, "cod": float("nan")}) == "II"
    assert water_class({"do": None, "tp": None}) is None
    assert water_class({}) is None
    assert water_limiting_factors({}) == []


def test_unknown_keys_are_ignored():
    assert water_class({"ph": 12, "tp": 0.5}) == "劣V"


@pytest.mark.parametrize(
    ("rank", "target", "expected"),
    [(1, 3, True), (3, 3, True), (4, 3, False), (6, 5, False), (2, 2, True), (None, 3, None)],
)
def test_compliance_is_class_no_worse_than_target(rank, target, expected):
    assert water_compliant(rank, target) is expected


def test_good_rate_is_share_at_i_to_iii():
    # 5 classed values, 3 of them ≤ III → 60 %; the missing one is not counted.
    assert water_good_rate(pd.Series([1, 3, 4, 6, 2, None])) == pytest.approx(60.0)
    assert math.isnan(water_good_rate(pd.Series([], dtype=float)))


def test_unit_ranking_by_compliance_rate_shares_ties():
    frame = pd.DataFrame(
        {
            "unit_id": [1, 1, 1, 1, 2, 2, 3, 3],
            "compliant": [True, True, True, False, True, True, True, True],
        }
    )
    ranking = water_unit_compliance_ranking(frame)
    assert ranking["unit_id"].tolist() == [2, 3, 1]
    assert ranking["rank"].tolist() == [1, 1, 3]
    assert ranking["rate"].tolist() == [100.0, 100.0, 75.0]
    assert ranking.loc[2, "compliant"] == 3 and ranking.loc[2, "total"] == 4


def test_class_rank_frame_matches_the_scalar_rule_row_by_row():
    import numpy as np
    import pandas as pd

    from tracker.standards import water_class_rank, water_class_rank_frame

    nan = np.nan
    frame = pd.DataFrame(
        {
            # row 0: DO 7.5 is exactly the I limit (≥ 7.5) → I; row 1: DO 4 → IV (≥ 3, < 5);
            # row 2: COD 15 → I (≤ 15, the I and II limits are both 15), TP 0.21 → IV (0.2 < 0.21 ≤ 0.3) → IV;
            # row 3: nothing measured → NA; row 4: NH3-N 2.5 > 2.0 → 劣V (6)
            "do": [7.5, 4.0, nan, nan, nan],
            "cod": [nan, nan, 15.0, nan, nan],
            "tp": [nan, nan, 0.21, nan, nan],
            "nh3n": [nan, nan, nan, nan, 2.5],
        }
    )
    ranks = water_class_rank_frame(frame)
    assert ranks.tolist()[:3] == [1, 4, 4] and ranks.isna().tolist()[3] and ranks.tolist()[4] == 6
    for i, row in frame.iterrows():
        expected = water_class_rank({k: (None if v != v else v) for k, v in row.items()})
        assert (ranks[i] if not pd.isna(ranks[i]) else None) == expected


# --- lakes and reservoirs, completeness, 超标倍数 (issue 16 point 3) ------------------------------------------


@pytest.mark.parametrize(
    ("tp", "river", "lake"),
    [
        # GB 3838-2002 表1 总磷: 河流 0.02/0.1/0.2/0.3/0.4, 湖、库 0.01/0.025/0.05/0.1/0.2
        (0.01, "I", "I"),
        (0.02, "I", "II"),
        (0.025, "II", "II"),
        (0.05, "II", "III"),
        (0.08, "II", "IV"),  # the reservoir at TP 0.08 of the issue: IV, not II
        (0.1, "II", "IV"),
        (0.2, "III", "V"),
        (0.21, "IV", "劣V"),
    ],
)
def test_total_phosphorus_uses_the_lake_column_for_lakes_and_reservoirs(tp, river, lake):
    assert water_class({"tp": tp}) == river
    assert water_class({"tp": tp}, water_body="river") == river
    assert water_class({"tp": tp}, water_body="lake") == lake
    assert water_class({"tp": tp}, water_body="reservoir") == lake


def test_a_reading_without_the_minimum_parameter_set_has_no_class_when_required():
    # DO alone would be class I; with require_complete it is 数据不全 (None) and the assessment is not compliant.
    assert water_class({"do": 8.0}) == "I"
    assert water_class({"do": 8.0}, require_complete=True) is None
    a = water_reading_assess({"do": 8.0}, target_rank=3)
    assert (a.rank, a.compliant, a.complete) == (None, False, False)
    full = water_reading_assess({"do": 8.0, "codmn": 3.0, "nh3n": 1.2, "tp": 0.1}, target_rank=3)
    assert (full.rank, full.compliant, full.complete, full.limiting_factors) == (4, False, True, ("nh3n",))


def test_exceedance_multiple_against_the_target_class_limit():
    # 《地表水环境质量评价办法（试行）》: 超标倍数 = (C − C_标准)/C_标准. Target III: NH₃-N 1.5 → (1.5−1.0)/1.0 = 0.50;
    # TP 0.27 (river III limit 0.2) → 0.07/0.2 = 0.35; COD 20 = its limit → not exceeded; DO never has one.
    got = water_exceedances({"do": 2.5, "cod": 20.0, "nh3n": 1.5, "tp": 0.27}, target_rank=3)
    assert got == {"nh3n": 0.5, "tp": 0.35}
    # the same TP on a reservoir (III limit 0.05): (0.27 − 0.05)/0.05 = 4.40
    assert water_exceedances({"tp": 0.27}, target_rank=3, water_body="lake") == {"tp": 4.4}
    assert water_exceedances({"tp": 9.0}, target_rank=6) == {}


def test_cwqi_sums_ratios_to_class_iii_with_do_inverted():
    # 《城市地表水环境质量排名技术规定（试行）》: CWQI = Σ Cᵢ/Sᵢ(III), DO as S/C.
    # DO 5/5 = 1; CODMn 3/6 = 0.5; COD 10/20 = 0.5; BOD5 2/4 = 0.5; NH₃-N 0.5/1 = 0.5; TP 0.1/0.2 = 0.5 → 3.50
    values = {"do": 5.0, "codmn": 3.0, "cod": 10.0, "bod5": 2.0, "nh3n": 0.5, "tp": 0.1}
    assert cwqi(values) == 3.5
    # on a reservoir the TP ratio is 0.1/0.05 = 2 → 5.00
    assert cwqi(values, water_body="reservoir") == 5.0
    assert cwqi({"do": 5.0}) is None  # 数据不全


def test_period_means_use_complete_readings_only():
    # 评价办法 §3: the period mean per parameter over valid readings. Two complete months TP 0.1 and 0.3 → 0.2;
    # the incomplete month (TP 0.9, DO missing) is left out.
    frame = pd.DataFrame(
        {
            "section_id": [1, 1, 1],
            "do": [8.0, 6.0, None],
            "codmn": [2.0, 4.0, 5.0],
            "cod": [None, None, None],
            "bod5": [None, None, None],
            "nh3n": [0.2, 0.4, 0.3],
            "tp": [0.1, 0.3, 0.9],
            "data_complete": [True, True, False],
        }
    )
    means = water_period_means(frame).set_index("section_id")
    assert means.loc[1, "tp"] == pytest.approx(0.2) and means.loc[1, "do"] == 7.0 and means.loc[1, "months"] == 2


# --- the whole-table assessment (bulk upload) equals the scalar one ------------------------------------------


def _scalar_rows(frame: pd.DataFrame, targets, bodies) -> list[tuple]:
    out = []
    for (_i, row), target, body in zip(frame.iterrows(), targets, bodies, strict=True):
        a = water_reading_assess(
            {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}, target_rank=int(target), water_body=body
        )
        out.append((a.rank, a.compliant, a.complete, ",".join(a.limiting_factors)))
    return out


def _frame_rows(assessed: pd.DataFrame) -> list[tuple]:
    return [
        (
            None if pd.isna(r["rank"]) else int(r["rank"]),
            None if pd.isna(r["compliant"]) else bool(r["compliant"]),
            bool(r["complete"]),
            r["limiting_factors"],
        )
        for _i, r in assessed.iterrows()
    ]


def test_reading_assess_frame_hand_computed_cases():
    from tracker.standards import water_reading_assess_frame

    nan = math.nan
    cols = ["do", "codmn", "cod", "bod5", "nh3n", "tp", "tn"]
    cases = [
        # (values in `cols` order, target, water body, expected (rank, compliant, complete, factors))
        # GB 3838-2002 表1: DO 8 ≥ 7.5, CODMn 2 ≤ 2, NH₃-N 0.15 ≤ 0.15, TP 0.02 ≤ 0.02 (河流) → all I: class I,
        # and a class-I reading names no 定类因子
        ([8, 2, nan, nan, 0.15, 0.02, nan], 3, "river", (1, True, True, "")),
        # every minimum parameter exactly on its III limit (DO ≥ 5, CODMn ≤ 6, NH₃-N ≤ 1.0, TP ≤ 0.2): a value on a
        # limit meets that class → III, all four decide it; target II → not compliant (3 > 2)
        ([5, 6, nan, nan, 1.0, 0.2, nan], 3, "river", (3, True, True, "do,codmn,nh3n,tp")),
        ([5, 6, nan, nan, 1.0, 0.2, nan], 2, "river", (3, False, True, "do,codmn,nh3n,tp")),
        # 表1 总磷 湖、库 column: TP 0.05 is exactly the lake III limit → III on a reservoir, TP alone decides
        # (DO 6, CODMn 4, NH₃-N 0.5 are II); the same values on a river: TP 0.05 ≤ 0.1 → II, all four at II
        ([6, 4, nan, nan, 0.5, 0.05, nan], 2, "reservoir", (3, False, True, "tp")),
        ([6, 4, nan, nan, 0.5, 0.05, nan], 2, "river", (2, True, True, "do,codmn,nh3n,tp")),
        # COD 15 is both the I and the II limit → I; BOD5 3 likewise → I; the rest I → class I
        ([8, 1, 15, 3, 0.1, 0.01, nan], 1, "lake", (1, True, True, "")),
        # TN 5.0 (湖库 劣V by its own column) never classes the reading: 环办〔2011〕22号 §2.1 湖库总氮单独评价
        ([8, 1, nan, nan, 0.1, 0.01, 5.0], 1, "lake", (1, True, True, "")),
        # NH₃-N 2.01 > 2.0 (V limit) → 劣V (6)
        ([8, 1, nan, nan, 2.01, 0.01, nan], 3, "river", (6, False, True, "nh3n")),
        # 数据不全: TP missing (DO, COD alone) → no class, not compliant
        ([8, nan, 10, nan, 0.1, nan, nan], 3, "river", (None, False, False, "")),
        # TN only: the six parameters are empty → neither class nor verdict
        ([nan, nan, nan, nan, nan, nan, 1.0], 3, "lake", (None, None, False, "")),
        ([nan] * 7, 3, "river", (None, None, False, "")),
    ]
    frame = pd.DataFrame([c[0] for c in cases], columns=cols, dtype=float)
    targets = [c[1] for c in cases]
    bodies = [c[2] for c in cases]
    assessed = water_reading_assess_frame(frame, target_rank=targets, water_body=bodies)
    assert _frame_rows(assessed) == [c[3] for c in cases]
    assert _scalar_rows(frame, targets, bodies) == [c[3] for c in cases]
    assert list(assessed.index) == list(frame.index)


def test_reading_assess_frame_equals_the_scalar_one_row_by_row():
    import numpy as np

    from tracker.standards import WATER_LIMITS, WATER_TN_LAKE_LIMITS, WATER_TP_LAKE_LIMITS, water_reading_assess_frame

    rng = np.random.default_rng(20261130)
    n = 4000
    cols = [*WATER_LIMITS, "tn"]
    data = {}
    for name in cols:
        limits = {"tp": WATER_TP_LAKE_LIMITS + WATER_LIMITS["tp"][1], "tn": WATER_TN_LAKE_LIMITS}.get(name)
        limits = limits or WATER_LIMITS[name][1]
        # values on every limit (ties), a thousandth either side, and anything in between; ~15 % missing
        anchors = np.asarray(limits, dtype=float)
        on_limit = rng.choice(anchors, n) + rng.choice([-0.001, 0.0, 0.0, 0.001], n)
        anywhere = np.round(rng.uniform(0, max(anchors) * 1.5, n), 3)
        values = np.where(rng.random(n) < 0.6, on_limit, anywhere).clip(0)
        data[name] = np.where(rng.random(n) < 0.15, np.nan, np.round(values, 3))
    frame = pd.DataFrame(data)
    frame.iloc[: n // 40, :] = np.nan  # empty readings
    frame.iloc[n // 40 : n // 20, :] = [8.0, 1.0, 10.0, 2.0, 0.1, 0.01, 0.1]  # class I on rivers and lakes
    bodies = rng.choice(["river", "lake", "reservoir"], n)
    targets = rng.integers(1, 7, n)
    got = _frame_rows(water_reading_assess_frame(frame, target_rank=targets, water_body=bodies))
    assert got == _scalar_rows(frame, targets, bodies)
    # the table covers what it should: rivers and lakes, every class, incomplete, empty, ties
    kinds = {(r[0], r[2], r[1] is None) for r in got}
    assert {(k, True, False) for k in range(1, 7)} <= kinds
    assert (None, False, False) in kinds and (None, False, True) in kinds
    assert (frame["tp"] == 0.05).any() and (frame["do"] == 7.5).any()


def test_reading_assess_frame_refuses_an_unknown_water_body():
    from tracker.standards import water_reading_assess_frame

    with pytest.raises(ValueError, match="sea"):
        water_reading_assess_frame(pd.DataFrame({"do": [8.0]}), target_rank=3, water_body=["sea"])


def test_trophic_state_index_of_a_reservoir():
    from tracker.standards import trophic_state_index

    # 《湖泊（水库）富营养化评价方法及分级技术规定》: TLI(chla) = 10(2.5 + 1.086 ln 10) = 50.006;
    # TLI(TP) = 10(9.436 + 1.624 ln 0.05) = 45.709; TLI(TN) = 10·5.453 = 54.53; TLI(SD) = 10·5.118 = 51.18;
    # TLI(CODMn) = 10(0.109 + 2.661 ln 4) = 37.979. Weights r²/Σr² with Σr² = 1 + 0.7056 + 0.6724 + 0.6889·2
    # = 3.7558: 0.26626·50.006 + 0.18787·45.709 + 0.17903·54.53 + 0.18342·(51.18 + 37.979) = 48.02 → 48.0 中营养
    assert trophic_state_index({"chla": 10, "tp": 0.05, "tn": 1.0, "sd": 1.0, "codmn": 4.0}) == (48.0, "中营养")
    assert trophic_state_index({"chla": 10, "tp": 0.05, "tn": 1.0, "codmn": 4.0}) is None  # SD missing


def test_unit_ranking_from_counts_is_the_ranking_from_rows():
    from tracker.standards import water_unit_compliance_rank

    rows = pd.DataFrame({"unit_id": [1, 1, 1, 1, 2, 2, 3], "compliant": [True, True, True, False, True, True, False]})
    counts = pd.DataFrame(
        {"unit_id": [3, 1, 2], "total": [1, 4, 2], "compliant": [0, 3, 2], "unit_name": ["丙", "甲", "乙"]}
    )
    ranked = water_unit_compliance_rank(counts)
    assert ranked.drop(columns="unit_name").equals(water_unit_compliance_ranking(rows))
    assert ranked["unit_name"].tolist() == ["乙", "甲", "丙"] and ranked["rank"].tolist() == [1, 2, 3]
