"""The national standards against hand-computed values.

Breakpoints: HJ 633-2012 表1 (24-hour columns; O₃ 8-hour column), categories 表2. IAQI by 公式(1), rounded up.
Composite index and percentile: HJ 663-2013 §5.3 and 公式(1)-(2); validity 表1.
"""

import math

import numpy as np
import pandas as pd
import pytest

from tracker.standards import (
    BREAKPOINTS_24H,
    IAQI_LEVELS,
    aqi_day_valid,
    category_for,
    composite_index,
    composite_index_by,
    daily_aqi,
    daily_aqi_frame,
    good_day_rate,
    iaqi,
    is_sufficient,
    mean_pm25,
    min_valid_days,
    percentile,
    round_gb8170,
    spearman_trend,
)


# Every breakpoint of 表1 gives exactly its IAQI level.
@pytest.mark.parametrize(
    ("pollutant", "bp", "level"),
    [(p, bp, IAQI_LEVELS[i]) for p, bps in BREAKPOINTS_24H.items() for i, bp in enumerate(bps)],
)
def test_iaqi_at_every_breakpoint_is_the_tables_level(pollutant, bp, level):
    assert iaqi(pollutant, bp) == level


# Just above a breakpoint the IAQI rounds up into the next segment; hand-computed by 公式(1).
@pytest.mark.parametrize(
    ("pollutant", "conc", "expected"),
    [
        ("PM2.5", 35.1, 51),  # 50 + 50/40·0.1 = 50.125 → 51
        ("PM2.5", 34.9, 50),  # 50/35·34.9 = 49.857 → 50
        ("PM2.5", 75.1, 101),  # 100 + 50/40·0.1 = 100.125 → 101
        ("PM2.5", 55, 75),  # 50 + 50/40·20 = 75 exactly, not 76
        ("PM2.5", 115.1, 151),  # 150 + 50/35·0.1 = 150.14 → 151
        ("PM2.5", 150.1, 201),  # 200 + 100/100·0.1 = 200.1 → 201
        ("PM2.5", 250.1, 301),  # 300 + 100/100·0.1 → 301
        ("PM2.5", 350.1, 401),  # 400 + 100/150·0.1 = 400.07 → 401
        ("PM2.5", 600, 500),  # above the table: the top level
        ("PM10", 50.1, 51),  # 50 + 50/100·0.1 = 50.05 → 51
        ("PM10", 100, 75),  # 50 + 50/100·50 = 75
        ("PM10", 420.5, 301),  # 420 is IAQI 300: 300 + 100/80·0.5 = 300.625 → 301
        ("SO2", 50.1, 51),  # 50 + 50/100·0.1 = 50.05 → 51
        ("SO2", 150.1, 101),  # 100 + 50/325·0.1 = 100.015 → 101
        ("SO2", 20, 20),  # 50/50·20
        ("NO2", 40.1, 51),  # 50 + 50/40·0.1 = 50.125 → 51
        ("NO2", 60, 75),  # 50 + 50/40·20 = 75
        ("NO2", 565.1, 301),  # 300 + 100/185·0.1 → 301
        ("CO", 2.1, 53),  # 50 + 50/2·0.1 = 52.5 → 53
        ("CO", 1.0, 25),  # 50/2·1
        ("CO", 4.1, 101),  # 100 + 50/10·0.1 = 100.5 → 101
        ("CO", 14.1, 151),  # 150 + 50/10·0.1 = 150.5 → 151
        ("O3", 100.1, 51),  # 50 + 50/60·0.1 = 50.08 → 51
        ("O3", 160.1, 101),  # 100 + 50/55·0.1 = 100.09 → 101
        ("O3", 130, 75),  # 50 + 50/60·30 = 75
        ("O3", 265.1, 201),  # 200 + 100/535·0.1 → 201
        ("O3", 0, 0),
    ],
)
def test_iaqi_around_breakpoints_rounds_up(pollutant, conc, expected):
    assert iaqi(pollutant, conc) == expected


def test_negative_concentration_is_refused():
    with pytest.raises(ValueError):
        iaqi("SO2", -1)


@pytest.mark.parametrize(
    ("aqi", "category"),
    [
        (0, "优"),
        (50, "优"),
        (51, "良"),
        (100, "良"),
        (101, "轻度污染"),
        (150, "轻度污染"),
        (151, "中度污染"),
        (200, "中度污染"),
        (201, "重度污染"),
        (300, "重度污染"),
        (301, "严重污染"),
        (500, "严重污染"),
    ],
)
def test_category_boundaries_follow_table_2(aqi, category):
    assert category_for(aqi) == category


def test_daily_aqi_is_the_max_iaqi_with_primary_pollutant():
    # PM2.5 80 → 100 + 50/40·5 = 106.25 → 107; PM10 120 → 50 + 0.5·70 = 85; O3 90 → 45; others small.
    aqi, category, primary = daily_aqi(so2=10, no2=30, pm10=120, co=0.8, o3_8h=90, pm25=80)
    assert (aqi, category, primary) == (107, "轻度污染", ("PM2.5",))


def test_daily_aqi_has_no_primary_pollutant_when_excellent():
    # PM2.5 30 → 50/35·30 = 42.86 → 43 (the max: PM10 40 → 40, O3 80 → 40, NO2 20 → 25).
    assert tuple(daily_aqi(so2=5, no2=20, pm10=40, co=0.5, o3_8h=80, pm25=30)) == (43, "优", ())
    assert tuple(daily_aqi(pm25=35)) == (50, "优", ())


def test_daily_aqi_lists_every_pollutant_tied_at_the_max():
    # PM2.5 55 → 75; PM10 100 → 75; NO2 60 → 75.
    assert daily_aqi(so2=5, no2=60, pm10=100, co=0.5, o3_8h=80, pm25=55).primary == ("NO2", "PM10", "PM2.5")


def test_daily_aqi_summer_ozone_day():
    # O3-8h 180 → 150 + 50/55·... no: 160–215 segment: 100 + 50/55·20 = 118.18 → 119.
    assert tuple(daily_aqi(so2=8, no2=25, pm10=60, co=0.6, o3_8h=180, pm25=30)) == (119, "轻度污染", ("O3",))


def test_daily_aqi_with_missing_pollutants_uses_those_present_and_none_when_empty():
    assert daily_aqi(pm25=80).aqi == 107
    assert tuple(daily_aqi()) == (None, "", ())


def test_ozone_above_800_uses_the_one_hour_value_or_stays_at_300():
    # 表1 注3: O3-8h > 800 → IAQI from O3-1h. 1h table: 800 → 300, 1000 → 400; 900 → 300 + 100/200·100 = 350.
    assert daily_aqi(o3_8h=850, o3_1h=900).aqi == 350
    assert daily_aqi(o3_8h=850).aqi == 300  # no 1-h value: the 8-h table's top, a lower bound
    assert daily_aqi(o3_8h=800).aqi == 300


def test_daily_aqi_frame_matches_the_scalar_function():
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame(
        {
            "so2": rng.integers(0, 900, n).astype(float),
            "no2": rng.integers(0, 400, n).astype(float),
            "pm10": np.round(rng.uniform(0, 650, n), 1),
            "co": np.round(rng.uniform(0, 20, n), 1),
            "o3_8h": rng.integers(0, 900, n).astype(float),
            "pm25": np.round(rng.uniform(0, 550, n), 1),
        }
    )
    # Exact breakpoints and gaps too.
    df.loc[0] = [50, 40, 50, 2, 100, 35]
    df.loc[1] = [np.nan] * 6
    df.loc[2, "pm25"] = np.nan
    df.loc[3] = [5, 60, 100, 0.5, 80, 55]
    got = daily_aqi_frame(df)
    for i, row in df.iterrows():
        kw = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        exp = daily_aqi(**kw)
        assert (None if pd.isna(got.at[i, "aqi"]) else int(got.at[i, "aqi"])) == exp.aqi, (i, kw)
        assert got.at[i, "category"] == exp.category
        assert got.at[i, "primary"] == ",".join(exp.primary)


def test_good_day_rate_and_mean_pm25_skip_missing_days():
    rate, good, valid = good_day_rate([50, 100, 101, None, 200])
    assert (good, valid) == (2, 4) and rate == 50.0
    assert math.isnan(good_day_rate([])[0])
    assert mean_pm25([10, 20, None, 30]) == (20.0, 3)


def test_percentile_follows_hj663_interpolation():
    # n = 10, p = 90: k = 1 + 9·0.9 = 9.1, s = 9 → X9 + 0.1·(X10 − X9) = 90 + 0.1·10 = 91.
    assert percentile(range(10, 101, 10), 90) == pytest.approx(91.0)
    # p = 95 on 1..20: k = 1 + 19·0.95 = 19.05 → 19 + 0.05·1 = 19.05.
    assert percentile(range(1, 21), 95) == pytest.approx(19.05)
    assert percentile([7], 95) == 7
    assert math.isnan(percentile([], 90))


def _year_frame(n=365):
    days = np.arange(n)
    return pd.DataFrame(
        {
            "so2": np.full(n, 12.0),  # /60 = 0.2
            "no2": np.full(n, 20.0),  # /40 = 0.5
            "pm10": np.full(n, 70.0),  # /70 = 1.0
            "pm25": np.full(n, 35.0),  # /35 = 1.0
            "co": (days % 100) / 10.0 * 0 + 2.0,  # constant 2 → P95 2 → /4 = 0.5
            "o3_8h": np.full(n, 80.0),  # P90 80 → /160 = 0.5
        }
    )


def test_composite_index_sums_the_sub_indices():
    result = composite_index(_year_frame())
    assert result.sufficient
    assert result.value == pytest.approx(0.2 + 0.5 + 1.0 + 1.0 + 0.5 + 0.5)
    assert result.sub_indices["pm25"] == pytest.approx(1.0)


def test_composite_index_uses_percentiles_for_co_and_ozone():
    df = _year_frame(330)
    df["o3_8h"] = np.arange(1, 331, dtype=float)  # P90: k = 1 + 329·0.9 = 297.1 → 297 + 0.1 = 297.1
    df["co"] = np.arange(1, 331, dtype=float) / 100  # P95: k = 1 + 329·0.95 = 313.55 → 3.1355
    result = composite_index(df, rounded=False)
    assert result.concentrations["o3_8h"] == pytest.approx(297.1)
    assert result.concentrations["co"] == pytest.approx(3.1355)
    # at published precision (HJ 663-2013 §6 → GB/T 8170): O₃ integer 297, CO 0.1 mg/m³ 3.1
    published = composite_index(df)
    assert published.concentrations["o3_8h"] == 297.0 and published.concentrations["co"] == 3.1


def test_composite_index_is_insufficient_below_324_days():
    result = composite_index(_year_frame(323))
    assert not result.sufficient and result.value is None
    assert result.valid_days["pm25"] == 323


def test_composite_index_by_group_equals_the_single_frame_function():
    a, b = _year_frame(), _year_frame(340)
    b["o3_8h"] = np.linspace(40, 220, 340)
    b["co"] = np.linspace(0.3, 2.5, 340)
    a["station"], b["station"] = 1, 2
    out = composite_index_by(pd.concat([a, b]), "station")
    for sid, frame in ((1, a), (2, b)):
        assert out.loc[sid, "value"] == pytest.approx(composite_index(frame).value)


@pytest.mark.parametrize(
    ("n", "period", "month", "ok"),
    [
        (324, "year", None, True),
        (323, "year", None, False),
        (27, "month", 1, True),
        (26, "month", 1, False),
        (25, "month", 2, True),
        (24, "month", 2, False),
    ],
)
def test_validity_thresholds_of_hj663_table_1(n, period, month, ok):
    assert is_sufficient(n, period, month) is ok
    assert min_valid_days("month", 2) == 25


# --- rounding (GB/T 8170-2008 §3.3, required by HJ 663-2013 §6) ---------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (75.333, 0, 75.0),  # 四舍
        (75.6, 0, 76.0),  # 六入
        (74.5, 0, 74.0),  # 五成双: 4 is even, stays
        (75.5, 0, 76.0),  # 五成双: 5 is odd, goes up to 6
        (0.35, 1, 0.4),  # the decimal 0.35, not its binary 0.34999…
        (0.25, 1, 0.2),
        (2.451, 1, 2.5),  # 5 followed by a non-zero digit: 入
        (96.66666, 1, 96.7),
    ],
)
def test_gb8170_rounds_half_to_even_on_the_decimal_value(value, digits, expected):
    assert round_gb8170(value, digits) == expected


def test_gb8170_vectorised_equals_scalar():
    values = [75.333, 74.5, 75.5, 0.35, 0.25, float("nan")]
    got = round_gb8170(pd.Series(values), 1).tolist()
    for g, v in zip(got, values, strict=True):
        assert (math.isnan(g) and math.isnan(v)) or g == round_gb8170(v, 1)


def test_composite_index_rounds_statistics_before_dividing_hj663_s6():
    # SO₂ mean 12.5 → 12 (五成双), NO₂ 20.5 → 20, PM10 70.5 → 70, PM2.5 35.5 → 36, CO 2.25 → 2.2, O₃ 80.
    # Rounded: 12/60 + 20/40 + 70/70 + 36/35 + 2.2/4 + 80/160 = 0.2 + 0.5 + 1 + 1.028571 + 0.55 + 0.5 = 3.778571 → 3.78
    # Unrounded: 12.5/60 + 20.5/40 + 70.5/70 + 35.5/35 + 2.25/4 + 0.5 = 0.208333 + 0.5125 + 1.007143 + 1.014286
    #            + 0.5625 + 0.5 = 3.804762 — a different 2-decimal index (3.80), as issue 16 reports.
    df = _year_frame()
    df["so2"], df["no2"], df["pm10"], df["pm25"], df["co"] = 12.5, 20.5, 70.5, 35.5, 2.25
    assert composite_index(df).value == 3.78
    assert composite_index(df, rounded=False).value == pytest.approx(3.804762, abs=1e-6)


def _dated_year(year=2025, drop_month=None, keep_feb=None):
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    frame = _year_frame(len(dates)).assign(date=dates)
    if drop_month is not None:
        frame = frame[frame["date"].dt.month != drop_month]
    if keep_feb is not None:
        feb = frame[frame["date"].dt.month == 2].head(keep_feb)
        frame = pd.concat([frame[frame["date"].dt.month != 2], feb])
    return frame.reset_index(drop=True)


def test_year_with_a_month_missing_is_insufficient_gb3095_s7_hj663_table1():
    # 365 − 31 (July) = 334 ≥ 324 days, but July has 0 < 27 valid days: GB 3095-2012 §7 / HJ 663-2013 表1
    # require 324 days in the year AND 27 in every month (25 in February).
    frame = _dated_year(drop_month=7)
    assert len(frame) == 334
    result = composite_index(frame)
    assert result.valid_days["pm25"] == 334 and result.monthly_ok is False
    assert not result.sufficient and result.value is None
    by = composite_index_by(frame.assign(station=1), "station")
    assert not bool(by.loc[1, "sufficient"]) and math.isnan(by.loc[1, "value"])


def test_february_needs_25_days_hj663_table1():
    # 365 − 28 + 24 = 361 days, February 24 < 25 → insufficient; with 25 February days it is sufficient.
    assert composite_index(_dated_year(keep_feb=24)).sufficient is False
    ok = composite_index(_dated_year(keep_feb=25))
    assert ok.sufficient and ok.monthly_ok is True and ok.value == pytest.approx(3.7)


def test_aqi_day_valid_is_decided_days_only():
    # six present: valid whatever the AQI
    assert aqi_day_valid(60, 6)
    # PM2.5 120 alone (IAQI 158): AQI > 100 is certain, missing pollutants could only raise it → valid
    assert aqi_day_valid(158, 1)
    # one pollutant missing and AQI 80: the missing one might have made it > 100 → undecided, not valid
    assert not aqi_day_valid(80, 5)
    assert not aqi_day_valid(None, 0)


def test_good_day_rate_is_rounded_to_0_1_and_counts_only_valid_days():
    # 29 good days and 1 day PM2.5-only at AQI 158 (valid): 29/30 = 96.666… → 96.7
    rate, good, valid = good_day_rate([50] * 29 + [158], valid=[True] * 30)
    assert (rate, good, valid) == (96.7, 29, 30)
    # an undecided day (flag False) is left out: 29/29 = 100.0
    assert good_day_rate([50] * 29 + [80], valid=[True] * 29 + [False])[0] == 100.0


def test_spearman_trend_hj663_appendix():
    # Five yearly PM2.5 means 40, 38, 39, 35, 33: value ranks 5, 3, 4, 2, 1 vs years 1..5;
    # d = −4, −1, −1, 2, 4 → Σd² = 16+1+1+4+16 = 38; rs = 1 − 6·38/(5·24) = 1 − 1.9 = −0.9;
    # |−0.9| ≤ W(5) = 0.900 → 无显著变化 (the table's bound must be exceeded).
    t = spearman_trend([40, 38, 39, 35, 33])
    assert (t.rs, t.n, t.critical, t.verdict) == (-0.9, 5, 0.9, "无显著变化")
    # strictly falling over six years: rs = −1 < −0.829 → 下降
    assert spearman_trend([50, 45, 44, 40, 38, 30]).verdict == "下降"
    assert spearman_trend([30, 31, None, 33, 35, 36]).verdict == "上升"  # 5 periods after dropping the gap
    assert spearman_trend([30, 31, 32]).verdict == ""  # fewer than 5 periods


def test_the_bulk_frame_names_the_same_primary_pollutants_as_the_scalar_rule_ties_included():
    # Every pollutant at each of its breakpoints (or missing): the IAQIs land on the table's levels, so many
    # rows tie — two, three or all six pollutants share the AQI — which is where the bulk path's set of primary
    # pollutants could differ from HJ 633's rule as the scalar function applies it.
    import itertools

    import pandas as pd

    from tracker.standards import BREAKPOINTS_24H, daily_aqi, daily_aqi_frame

    columns = {"SO2": "so2", "NO2": "no2", "PM10": "pm10", "CO": "co", "O3": "o3_8h", "PM2.5": "pm25"}
    choices = {col: [None, *BREAKPOINTS_24H[code][1:4]] for code, col in columns.items()}  # IAQI 50, 100, 150
    rows = [dict(zip(choices, combo, strict=True)) for combo in itertools.product(*choices.values())]
    assert len(rows) == 4**6
    frame = daily_aqi_frame(pd.DataFrame(rows, dtype=float))
    expected = [",".join(daily_aqi(**r).primary) for r in rows]
    assert frame["primary"].tolist() == expected
    assert sum(1 for p in expected if p.count(",") >= 2) > 100  # the ties are really there
