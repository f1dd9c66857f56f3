"""HJ 663-2013 statistics per group (`standards.composite_statistics`, `group_percentiles`): hand-computed cases,
and the same numbers as pandas' groupby mean / linear quantile (the implementation they replaced) on random
data. Pure: no database."""

import math

import numpy as np
import pandas as pd
import pytest

from tracker.standards import (
    COMPOSITE_LIMITS,
    COMPOSITE_PERCENTILES,
    composite_from_statistics,
    composite_statistics,
    group_percentiles,
    percentile,
)

COLS = list(COMPOSITE_LIMITS)


def _pandas_reference(frame: pd.DataFrame, by) -> pd.DataFrame:
    """The previous implementation: pandas groupby mean, linear quantile and count."""
    grouped = frame.groupby(by)[COLS]
    stats = grouped.mean()
    for col, p in COMPOSITE_PERCENTILES.items():
        stats[col] = frame.groupby(by)[col].quantile(p / 100, interpolation="linear")
    return stats.join(grouped.count().add_prefix("n_"))


def test_statistics_of_uneven_groups_with_missing_values_by_hand():
    frame = pd.DataFrame(
        {
            "station": [2, 1, 1, 1, 1, 1, 2, np.nan],
            "so2": [6, 10, 20, 30, 40, 50, np.nan, 99],
            "no2": [1, 2, 3, 4, 5, 6, 7, 99],
            "pm10": [1, 1, 1, 1, 1, 1, 1, 99],
            "pm25": [np.nan] * 6 + [9, 99],
            "co": [np.nan, 1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 99],
            "o3_8h": [30, 10, 20, 30, 40, 50, 70, 99],
        }
    )
    out = composite_statistics(frame, "station")
    assert list(out.index) == [1.0, 2.0]  # the row without a station is left out
    one, two = out.loc[1.0], out.loc[2.0]
    assert one["so2"] == 30 and one["n_so2"] == 5  # (10 + 20 + 30 + 40 + 50) / 5
    assert two["so2"] == 6 and two["n_so2"] == 1  # the missing value is not a zero
    assert two["no2"] == 4  # (1 + 7) / 2
    assert math.isnan(one["pm25"]) and one["n_pm25"] == 0 and two["pm25"] == 9
    # CO P95 of 1..5: position (5 − 1)·0.95 = 3.8 → X4 + 0.8·(X5 − X4) = 4.8 (HJ 663: k = 1 + 3.8 = 4.8, s = 4)
    assert one["co"] == pytest.approx(4.8)
    assert math.isnan(two["co"]) and two["n_co"] == 0
    # O₃ P90 of 10..50: 4·0.9 = 3.6 → 40 + 0.6·10 = 46; of {30, 70}: 0.9 → 30 + 0.9·40 = 66
    assert one["o3_8h"] == pytest.approx(46.0) and two["o3_8h"] == pytest.approx(66.0)


def test_group_percentiles_equal_the_standards_scalar_formula():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 30, 2000)
    values = rng.gamma(3, 10, 2000)
    values[rng.random(2000) < 0.1] = np.nan
    for p in (90, 95):
        got = group_percentiles(codes, values, 31, p)  # group 30 has no row: NaN
        for g in range(30):
            assert got[g] == pytest.approx(percentile(values[codes == g], p), rel=1e-12)
        assert math.isnan(got[30])


def _random_frame(rng, n, groups, *, integers: bool, uneven: bool = False) -> pd.DataFrame:
    if uneven:  # one big group and many of one row: the lexicographic-sort branch
        station = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 10 * n, n))
    else:
        station = rng.integers(0, groups, n)
    frame = pd.DataFrame({"station": station})
    for col in COLS:
        values = rng.gamma(3, 15, n)
        values = np.round(values, 1 if col == "co" else 0) if integers else values
        values[rng.random(n) < 0.15] = np.nan
        frame[col] = values
    return frame


@pytest.mark.parametrize("seed", range(12))
def test_same_numbers_as_pandas_at_published_precision_to_the_last_bit(seed):
    rng = np.random.default_rng(seed)
    frame = _random_frame(rng, int(rng.integers(1, 4000)), int(rng.integers(1, 60)), integers=True)
    if seed % 2:
        frame = frame.sort_values("station", kind="stable")  # the database's order, no sort needed
    if seed % 3 == 0:
        frame.loc[frame.sample(frac=0.05, random_state=seed).index, "station"] = np.nan
    pd.testing.assert_frame_equal(composite_statistics(frame, "station"), _pandas_reference(frame, "station"))


@pytest.mark.parametrize("seed", range(12))
def test_same_numbers_as_pandas_on_arbitrary_values_and_the_same_published_index(seed):
    rng = np.random.default_rng(100 + seed)
    frame = _random_frame(
        rng, int(rng.integers(1, 4000)), int(rng.integers(1, 60)), integers=False, uneven=seed % 4 == 0
    )
    got, ref = composite_statistics(frame, "station"), _pandas_reference(frame, "station")
    # percentiles and counts to the last bit; means within the last bit (pandas sums with compensation)
    pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12, atol=0)
    pcols = list(COMPOSITE_PERCENTILES) + [f"n_{c}" for c in COLS]
    pd.testing.assert_frame_equal(got[pcols], ref[pcols])
    published = composite_from_statistics(got, min_days=1)
    pd.testing.assert_frame_equal(published, composite_from_statistics(ref, min_days=1))


def test_groups_by_several_keys_as_pandas():
    rng = np.random.default_rng(3)
    frame = _random_frame(rng, 3000, 12, integers=True).assign(year=rng.integers(2023, 2026, 3000))
    frame = frame.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(
        composite_statistics(frame, ["station", "year"]), _pandas_reference(frame, ["station", "year"])
    )


def test_a_frame_without_rows_gives_no_groups():
    frame = pd.DataFrame({"station": pd.Series(dtype=int), **{c: pd.Series(dtype=float) for c in COLS}})
    out = composite_statistics(frame, "station")
    assert out.empty and list(out.columns) == COLS + [f"n_{c}" for c in COLS]
