"""Issue 16, points 1 and 3: a unit's daily value rounded before its AQI, one definition of a valid day.

`daily_means`, `period_stats` and `monthly_frame` are pandas over frames: no database needed.
"""

import numpy as np
import pandas as pd

from tracker.selectors.air import daily_means, monthly_frame, period_stats
from tracker.standards import daily_aqi_frame


def _day(station, pm25, date="2026-03-01", unit=1, **others):
    row = {"station_id": station, "unit_id": unit, "date": pd.Timestamp(date), "so2": 10.0, "no2": 20.0}
    row |= {"pm10": 50.0, "co": 0.5, "o3_8h": 60.0, "pm25": pm25} | others
    return row


def test_unit_daily_mean_is_rounded_before_the_aqi_gbt8170_hj663_s6():
    # Stations at PM2.5 75, 75, 76 → mean 75.333…; rounded to the integer (GB/T 8170) 75 → IAQI 100 (HJ 633
    # 表1: 75 is the 良 breakpoint) → 良. Unrounded, 75.33 → IAQI ⌈100 + 50/40·0.33⌉ = 101 → 轻度污染.
    df = pd.DataFrame([_day(1, 75.0), _day(2, 75.0), _day(3, 76.0)])
    daily = daily_means(df, "unit_id")
    assert daily.loc[0, "pm25"] == 75.0
    assert daily.loc[0, "aqi"] == 100 and daily.loc[0, "category"] == "良"
    unrounded = df.groupby(["unit_id", "date"], as_index=False)[["so2", "no2", "pm10", "co", "o3_8h", "pm25"]].mean()
    assert int(daily_aqi_frame(unrounded).loc[0, "aqi"]) == 101  # what the old code published


def _thirty_days(*, missing_on_polluted_day: bool):
    days = pd.date_range("2026-04-01", periods=30, freq="D")
    rows = [_day(1, 30.0, date=d) for d in days[:29]]
    polluted = _day(1, 120.0, date=days[29])  # PM2.5 120 → IAQI 158 (轻度污染)
    if missing_on_polluted_day:
        polluted |= {"so2": np.nan, "no2": np.nan, "co": np.nan}
    rows.append(polluted)
    df = pd.DataFrame(rows)
    df["aqi"] = daily_aqi_frame(df)["aqi"].astype(float)
    return df


def test_station_page_and_unit_figure_agree_on_valid_days():
    # 29 good days + 1 day at PM2.5 120 with SO₂, NO₂, CO missing. That day is 超标 whatever the missing values
    # (AQI is a max), so it is valid everywhere: 29 / 30 = 96.666… → 96.7 on both the station page and the unit.
    df = _thirty_days(missing_on_polluted_day=True)
    unit = period_stats(daily_means(df, "unit_id"), "unit_id")
    assert (int(unit.loc[1, "good"]), int(unit.loc[1, "valid"]), unit.loc[1, "rate"]) == (29, 30, 96.7)
    station = monthly_frame(df)
    assert (int(station.loc[0, "good"]), int(station.loc[0, "valid"]), station.loc[0, "rate"]) == (29, 30, 96.7)


def test_an_undecided_day_is_left_out_everywhere():
    # A day with PM2.5 30 and SO₂/NO₂/CO missing: AQI 50 from what is present, but a missing pollutant could have
    # put it above 100 → undecided, out of numerator and denominator on both pages: 29 / 29 = 100.0.
    df = _thirty_days(missing_on_polluted_day=True)
    df.loc[29, "pm25"] = 30.0
    df["aqi"] = daily_aqi_frame(df)["aqi"].astype(float)
    unit = period_stats(daily_means(df, "unit_id"), "unit_id")
    station = monthly_frame(df)
    assert (int(unit.loc[1, "valid"]), unit.loc[1, "rate"]) == (29, 100.0)
    assert (int(station.loc[0, "valid"]), station.loc[0, "rate"]) == (29, 100.0)


def test_sand_dust_day_drops_pm_and_recomputes_the_aqi():
    # 《受沙尘天气过程影响城市空气质量评价补充规定》: PM10 400 and PM2.5 160 on a flagged day are invalid; the AQI
    # is recomputed from the rest: SO₂ 10, NO₂ 20, CO 0.5, O₃ 60 → max IAQI = ⌈60·50/100⌉ = 30 (O₃), and
    # with four pollutants present and AQI ≤ 100 the day is undecided (not valid) for the good-day rate.
    from tracker.selectors.air import apply_sand_dust

    df = pd.DataFrame([_day(1, 160.0, date="2026-03-10", pm10=400.0), _day(1, 30.0, date="2026-03-11")])
    df["aqi"] = daily_aqi_frame(df)["aqi"].astype(float)
    assert df.loc[0, "aqi"] > 200  # 严重 by PM10 without the rule
    out = apply_sand_dust(df, [pd.Timestamp("2026-03-10").date()])
    assert out["sand_dust"].tolist() == [True, False]
    assert np.isnan(out.loc[0, "pm25"]) and np.isnan(out.loc[0, "pm10"]) and out.loc[0, "aqi"] == 30
    stats = period_stats(daily_means(out, "unit_id"), "unit_id")
    assert int(stats.loc[1, "valid"]) == 1 and int(stats.loc[1, "heavy"]) == 0


def test_heavy_pollution_days_count_aqi_above_200():
    # PM2.5 160 → IAQI ⌈200 + 100/100·10⌉ = 210 > 200 → heavy; PM2.5 150 → exactly 200 → not heavy (HJ 633 表2)
    df = pd.DataFrame([_day(1, 160.0, date="2026-03-10"), _day(1, 150.0, date="2026-03-11")])
    stats = period_stats(daily_means(df, "unit_id"), "unit_id")
    assert int(stats.loc[1, "heavy"]) == 1 and int(stats.loc[1, "valid"]) == 2
