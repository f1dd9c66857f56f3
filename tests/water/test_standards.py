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
    water_class,
    water_compliant,
    water_good_rate,
    water_limiting_factors,
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
