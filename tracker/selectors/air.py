"""Reads for air: station lists, daily frames, war-zone statistics and the assessment indicators.

A unit's or a zone's daily value is the arithmetic mean of its stations' daily concentrations, rounded to the
published precision (GB/T 8170, `standards.round_concentrations`) and only then given its AQI (HJ 663-2013 §4
and §6: a city's value is the mean of its points, published rounded). A day is valid for the good-day rate by
`standards.aqi_day_valid` (six pollutants present, or the present ones already above AQI 100) — the same
definition on the station page, the unit and zone figures and the indicators. PM2.5 statistics use the days
with PM2.5. Rates are rounded to 0.1 point.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from ..choices import StationLevel
from ..common.frames import query_frame
from ..common.memo import shared
from ..models import AirDailyReading, AirStation, SandDustDay, WarZone
from ..standards import (
    COMPOSITE_PERCENTILES,
    FRAME_COLUMNS,
    GOOD_AQI,
    MIN_DAYS_YEAR,
    aqi_day_valid_frame,
    composite_from_statistics,
    composite_index,
    composite_index_by,
    composite_statistics,
    daily_aqi_frame,
    is_sufficient,
    round_concentrations,
    round_gb8170,
    round_rate,
    spearman_trend,
)

POLLUTANTS = list(FRAME_COLUMNS.values())  # so2, no2, pm10, co, o3_8h, pm25
O3_8H_LIMIT = 160.0  # GB 3095-2012 二级 O₃ 日最大 8 小时平均


def station_list(*, zone: WarZone | None = None, unit_id: int | None = None) -> QuerySet[AirStation]:
    """Active stations with unit, zone and the latest reading's date, AQI and category (one query).

    Air quality is shared across the whole site (it is published city-wide), so every role sees all stations.
    """
    latest = AirDailyReading.objects.filter(station=OuterRef("pk")).order_by("-date")
    qs = (
        AirStation.objects.filter(is_active=True)
        .select_related("unit", "war_zone")
        .annotate(
            latest_date=Subquery(latest.values("date")[:1]),
            latest_aqi=Subquery(latest.values("aqi")[:1]),
            latest_category=Subquery(latest.values("category")[:1]),
        )
        .order_by("war_zone__sort_order", "level", "code")
    )
    if zone is not None:
        qs = qs.filter(war_zone=zone)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs


READING_FIELDS = [
    "station_id",
    "station__unit_id",
    "station__war_zone_id",
    "station__level",
    "station__counts_for_assessment",
    "date",
    *POLLUTANTS,
    "aqi",
    "category",
]
HEAVY_AQI = 200  # 重度及以上污染: AQI > 200 (HJ 633-2012 表2)


def mapped_stations() -> pd.DataFrame:
    """Active stations with coordinates, for the map: pk, name, lon, lat, level, unit__name, war_zone__name."""
    cols = ["pk", "name", "lon", "lat", "level", "unit__name", "war_zone__name"]
    return pd.DataFrame(
        AirStation.objects.filter(is_active=True, lon__isnull=False, lat__isnull=False).values(*cols), columns=cols
    )


def apply_sand_dust(df: pd.DataFrame, days) -> pd.DataFrame:
    """《受沙尘天气过程影响城市空气质量评价补充规定》: on a sand-dust day PM10 and PM2.5 are invalid for
    assessment; the day's AQI is recomputed from the other pollutants. Adds a `sand_dust` flag column."""
    days = pd.to_datetime(pd.Series(sorted(days), dtype="datetime64[ns]"))
    df = df.assign(sand_dust=df["date"].isin(days))
    if df["sand_dust"].any():
        mask = df["sand_dust"]
        df.loc[mask, ["pm10", "pm25"]] = np.nan
        df.loc[mask, "aqi"] = daily_aqi_frame(df.loc[mask])["aqi"].astype(float).to_numpy()
    return df


def readings_frame(*, start: datetime.date, end: datetime.date, sand_dust: bool = True, **filters) -> pd.DataFrame:
    """Station-day readings in [start, end] with station, unit and zone ids, in one query (two with the
    sand-dust days, which by default are applied: `apply_sand_dust`).

    The rows go straight into pandas (`tracker.common.frames.query_frame`, COPY on PostgreSQL): building a dict
    or a tuple per row costs more than the query itself once a year of a country's stations is read.
    """
    qs = AirDailyReading.objects.filter(date__gte=start, date__lte=end, **filters).values_list(*READING_FIELDS)
    df = query_frame(
        qs, READING_FIELDS, booleans=["station__counts_for_assessment"], text=["station__level", "category"]
    )
    df = df.rename(
        columns={
            "station__unit_id": "unit_id",
            "station__war_zone_id": "zone_id",
            "station__level": "level",
            "station__counts_for_assessment": "assessed",
        }
    )
    for col in [*POLLUTANTS, "aqi"]:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["date"] = pd.to_datetime(df["date"])
    if sand_dust:
        df = apply_sand_dust(df, SandDustDay.objects.filter(date__range=(start, end)).values_list("date", flat=True))
    else:
        df["sand_dust"] = False
    return df


def daily_means(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """One row per `by` × date: mean concentrations over the group's stations, AQI recomputed, `valid` flag."""
    if df.empty:
        return pd.DataFrame(columns=[by, "date", *POLLUTANTS, "aqi", "category", "valid"])
    means = round_concentrations(df.groupby([by, "date"], as_index=False)[POLLUTANTS].mean())
    computed = daily_aqi_frame(means)
    means["aqi"] = computed["aqi"].astype(float)
    means["category"] = computed["category"]
    means["valid"] = aqi_day_valid_frame(means)
    return means


def period_stats(daily: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: good days, valid days, good-day rate (%), PM2.5 mean and its day count."""
    if daily.empty:
        return pd.DataFrame(columns=["good", "valid", "heavy", "rate", "pm25", "pm25_days"])
    valid = daily[daily["valid"].astype(bool)]
    keys = valid[by]
    counts = pd.DataFrame(
        {
            "good": (valid["aqi"] <= GOOD_AQI).groupby(keys).sum(),
            "valid": keys.groupby(keys).size(),
            "heavy": (valid["aqi"] > HEAVY_AQI).groupby(keys).sum(),
        }
    )
    pm = daily.dropna(subset=["pm25"]).groupby(by)["pm25"]
    return _finish(counts, pm.mean(), pm.size())


def _expected_days(year: int, as_of: datetime.date) -> int:
    """Valid days a year-to-date statistic needs: HJ 663-2013's 324 of 365, pro rata for the elapsed part."""
    elapsed = (as_of - datetime.date(year, 1, 1)).days + 1
    days_in_year = (datetime.date(year, 12, 31) - datetime.date(year, 1, 1)).days + 1
    return math.ceil(elapsed * MIN_DAYS_YEAR / days_in_year)


def unit_days_frame(
    *, start: datetime.date, end: datetime.date, unit_id: int | None = None, sand_dust: bool = True
) -> pd.DataFrame:
    """Units' daily means over their assessment points in [start, end] (`AirUnitDay`, kept at ingest; anything
    still stale is recomputed first), with the sand-dust days applied as `apply_sand_dust` does to readings:
    PM10 and PM2.5 dropped, the AQI and the day's validity those without them (stored with the row, computed by
    the same rule at refresh). Columns as `daily_means`
    by "unit_id" (without `category`), plus `stations`. Two queries (three with the sand-dust days)."""
    from ..air_days import air_unit_days_refresh
    from ..models import AirUnitDay

    air_unit_days_refresh()
    cols = ["unit_id", "date", *POLLUTANTS, "aqi", "valid", "aqi_dust", "valid_dust", "stations"]
    qs = AirUnitDay.objects.filter(date__gte=start, date__lte=end)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    days = query_frame(qs.values_list(*cols), cols, booleans=["valid", "valid_dust"])
    for col in [*POLLUTANTS, "aqi", "aqi_dust"]:
        days[col] = pd.to_numeric(days[col], errors="coerce").astype(float)
    days["date"] = pd.to_datetime(days["date"])
    days[["valid", "valid_dust"]] = days[["valid", "valid_dust"]].astype(bool)
    if sand_dust and not days.empty:
        dust = SandDustDay.objects.filter(date__range=(start, end)).values_list("date", flat=True)
        mask = days["date"].isin(pd.to_datetime(pd.Series(list(dust), dtype="datetime64[ns]")))
        days.loc[mask, ["pm10", "pm25"]] = np.nan
        days.loc[mask, "aqi"] = days.loc[mask, "aqi_dust"]
        days.loc[mask, "valid"] = days.loc[mask, "valid_dust"]
    return days.drop(columns=["aqi_dust", "valid_dust"])


def _unit_ytd_stats(year: int, as_of: datetime.date) -> pd.DataFrame:
    """`period_stats` of every unit's assessment points, Jan 1 to `as_of`, sand-dust days applied."""
    return _unit_ytd_statistics(year, as_of)[0]


def _unit_ytd_statistics(year: int, as_of: datetime.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every unit's year-to-date statistics, (`period_stats`, `composite_statistics`), taken once per scoring
    pass (the four air indicators share them, tracker.common.memo) and, on PostgreSQL, kept across passes under
    the data versions of `UNIT_STATISTICS_TABLES` (a run whose air inputs did not change reads them back).

    On PostgreSQL the database aggregates the kept unit-days (`UNIT_STATISTICS_SQL`: one row per unit comes back,
    not a row per unit-day); elsewhere pandas does, from `unit_days_frame`. Both take the same counts, sums and
    percentiles, and the rates, means and rounding are computed from those by the same code (`_finish`,
    `standards.composite_from_statistics`); a test holds the two paths equal."""
    end = min(as_of, datetime.date(year, 12, 31))
    start = datetime.date(year, 1, 1)

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        if connection.vendor == "postgresql":
            from .. import versions

            # kept across runs under the versions of what the unit-days are made of: a run that follows an
            # approval or an inspection (air unchanged) reads the aggregate the last run made; the first run
            # after an upload, a station change or a sand-dust ruling makes it again
            return versions.cached(
                f"air:unit-statistics:{start.isoformat()}:{end.isoformat()}",
                UNIT_STATISTICS_TABLES,
                lambda: unit_statistics_sql(start=start, end=end),
            )
        days = unit_days_frame(start=start, end=end)
        return period_stats(days, "unit_id"), composite_statistics(days, "unit_id")

    return shared(("air_unit_ytd_statistics", start, end), build)


def unit_statistics_warm(today: datetime.date) -> None:
    """Make and keep every unit's statistics of `today`'s year to date (after an upload: the next scoring run of
    the day finds them)."""
    _unit_ytd_statistics(today.year, today)


# what the kept unit-days and their statistics are made of (tracker.versions watches each)
UNIT_STATISTICS_TABLES = ("tracker_airdailyreading", "tracker_airstation", "tracker_sanddustday")


def _percentiles_sql() -> str:
    return ", ".join(
        f"percentile_cont({p / 100}) WITHIN GROUP (ORDER BY {col}) AS {col}" for col, p in COMPOSITE_PERCENTILES.items()
    )


UNIT_STATISTICS_SQL = f"""
SELECT unit_id,
    count(*) FILTER (WHERE v) AS valid,
    count(*) FILTER (WHERE v AND a <= {GOOD_AQI}) AS good,
    count(*) FILTER (WHERE v AND a > {HEAVY_AQI}) AS heavy,
    {", ".join(f"sum({c}) AS sum_{c}, count({c}) AS n_{c}" for c in POLLUTANTS)},
    {_percentiles_sql()}
FROM (
    SELECT d.unit_id, d.so2, d.no2, d.co, d.o3_8h,
        CASE WHEN NOT d.dust THEN d.pm10 END AS pm10,
        CASE WHEN NOT d.dust THEN d.pm25 END AS pm25,
        CASE WHEN NOT d.dust THEN d.aqi ELSE d.aqi_dust END AS a,
        CASE WHEN NOT d.dust THEN d.valid ELSE d.valid_dust END AS v
    FROM (SELECT *, date = ANY(%(dust)s::date[]) AS dust FROM tracker_airunitday) AS d
    WHERE d.date BETWEEN %(start)s AND %(end)s
) AS days
GROUP BY unit_id
"""


def unit_statistics_sql(*, start: datetime.date, end: datetime.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`period_stats`, `composite_statistics`) of every unit's kept unit-days in [start, end], sand-dust days
    applied (PM10 and PM2.5 dropped, the stored dust-day AQI and validity used), aggregated by PostgreSQL.

    The period's sand-dust days go in as an array (a handful of dates): joined to the table instead, they cost a
    join per unit-day, about as much as the whole aggregate on a country's year."""
    from ..air_days import air_unit_days_refresh

    air_unit_days_refresh()
    # the period's sand-dust days as a list, not a join: a join probed the table once per unit-day (~40 % of the
    # query on the national set)
    dust = list(SandDustDay.objects.filter(date__range=(start, end)).values_list("date", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(UNIT_STATISTICS_SQL, {"dust": dust, "start": start, "end": end})
        names = [c[0] for c in cursor.description]
        raw = pd.DataFrame(cursor.fetchall(), columns=names).set_index("unit_id").sort_index()
    raw = raw.apply(pd.to_numeric, errors="coerce")
    counts = raw[["good", "valid", "heavy"]].astype(int)
    n_pm = raw["n_pm25"].astype(int)
    period = _finish(counts, raw["sum_pm25"] / n_pm.where(n_pm > 0), n_pm)
    period = period[(period["valid"] > 0) | (period["pm25_days"] > 0)]  # as period_stats: units with a value
    composite = pd.DataFrame(index=raw.index)
    for col in POLLUTANTS:
        n = raw[f"n_{col}"].astype(int)
        composite[col] = raw[col] if col in COMPOSITE_PERCENTILES else raw[f"sum_{col}"] / n.where(n > 0)
    for col in POLLUTANTS:
        composite[f"n_{col}"] = raw[f"n_{col}"].astype(int)
    return period, composite


def _finish(counts: pd.DataFrame, pm25_mean: pd.Series, pm25_days: pd.Series) -> pd.DataFrame:
    """`period_stats`' columns from its counts (good, valid, heavy per group) and the PM2.5 mean and days."""
    out = counts[["good", "valid", "heavy"]].copy()
    out["rate"] = round_rate(100.0 * out["good"] / out["valid"].where(out["valid"] > 0))
    out = out.join(pd.DataFrame({"pm25": round_gb8170(pm25_mean, 0), "pm25_days": pm25_days}), how="outer")
    out[["good", "valid", "heavy", "pm25_days"]] = out[["good", "valid", "heavy", "pm25_days"]].fillna(0).astype(int)
    return out


def _indicator(unit_ids, values, details) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_id": np.asarray(unit_ids, dtype=int), "value": np.asarray(values, dtype=float), "detail": details},
        columns=["unit_id", "value", "detail"],
    )


def _short(days: pd.Series, need: int) -> list[str]:
    """The "仅供参考" note of units whose valid days fall short of the pro-rata rule (`_expected_days`)."""
    return [f"（有效天数不足 {need} 天，仅供参考）" if d < need else "" for d in days]


def indicator_air_good_day_rate(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """优良天数比例 (%) per unit (its assessment points' daily mean, `unit_days_frame`), Jan 1 of `year` to `as_of`."""
    stats = _unit_ytd_stats(year, as_of)
    stats = stats[stats["valid"] > 0]
    notes = _short(stats["valid"], _expected_days(year, as_of))
    details = [f"优良天数 {g} / 有效天数 {v}{n}" for g, v, n in zip(stats["good"], stats["valid"], notes, strict=True)]
    return _indicator(stats.index, stats["rate"], details)


def indicator_air_pm25_mean(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """PM2.5 mean (µg/m³) per unit over its days with PM2.5 (`unit_days_frame`), Jan 1 of `year` to `as_of`."""
    stats = _unit_ytd_stats(year, as_of)
    stats = stats[stats["pm25_days"] > 0]
    notes = _short(stats["pm25_days"], _expected_days(year, as_of))
    details = [
        f"PM2.5 均值 {p:.1f} µg/m³ / 有效天数 {d}{n}"
        for p, d, n in zip(stats["pm25"], stats["pm25_days"], notes, strict=True)
    ]
    return _indicator(stats.index, stats["pm25"], details)


def indicator_air_heavy_pollution_days(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """重污染天数 per unit (days with AQI > 200 over its assessment points' daily mean), Jan 1 to `as_of`."""
    stats = _unit_ytd_stats(year, as_of)
    stats = stats[stats["valid"] > 0]
    details = [f"重度及以上污染 {h} 天 / 有效天数 {v}" for h, v in zip(stats["heavy"], stats["valid"], strict=True)]
    return _indicator(stats.index, stats["heavy"], details)


# What the air index's two-year reads depend on: cached under these tables' versions, a warm index reads none
# of the readings again until a reading, a station or a sand-dust day changes (tracker.versions).
AIR_READ_TABLES = ("tracker_airdailyreading", "tracker_airstation", "tracker_sanddustday", "tracker_warzone")


def versioned(name: str, today: datetime.date, build):
    """`build()` cached by `name`, the day and the versions of AIR_READ_TABLES (tracker.versions.cached)."""
    from .. import versions

    return versions.cached(f"air:{name}:{today.isoformat()}", AIR_READ_TABLES, build)


def city_headline(*, today: datetime.date) -> dict:
    """The city's air headline as published: the daily mean of the 国控 stations, year to date and the same
    period last year — good-day rate, PM2.5, composite index, heavy-pollution days — and the changes. One query
    (two with sand-dust days).

    The year-to-date composite index uses the same formula and rounding as the annual one; it is not an annual
    assessment (HJ 663's 324-day rule applies to the full year) and the page says so."""
    ly_end = _same_period_last_year(today)
    df = readings_frame(start=datetime.date(today.year - 1, 1, 1), end=today, station__level=StationLevel.NATIONAL)
    out: dict = {"this": {}, "last": {}, "sand_dust_days": 0}
    if df.empty:
        return out
    daily = daily_means(df.assign(city=1), "city")
    for key, start, end in (
        ("this", datetime.date(today.year, 1, 1), today),
        ("last", datetime.date(today.year - 1, 1, 1), ly_end),
    ):
        part = daily[(daily["date"] >= pd.Timestamp(start)) & (daily["date"] <= pd.Timestamp(end))]
        if part.empty:
            continue
        stats = period_stats(part, "city").iloc[0]
        ci = composite_index(part, min_days=1)
        out[key] = {
            "rate": stats["rate"],
            "pm25": stats["pm25"],
            "heavy": int(stats["heavy"]),
            "valid": int(stats["valid"]),
            "composite": round_gb8170(sum(ci.sub_indices.values()), 2),
        }
    this_year = df[df["date"] >= pd.Timestamp(datetime.date(today.year, 1, 1))]
    out["sand_dust_days"] = int(this_year.loc[this_year["sand_dust"], "date"].nunique())
    if out["this"] and out["last"]:
        out["change"] = {
            "rate": round_rate(out["this"]["rate"] - out["last"]["rate"]),
            "pm25": out["this"]["pm25"] - out["last"]["pm25"],
            "composite": round_gb8170(out["this"]["composite"] - out["last"]["composite"], 2),
            "heavy": out["this"]["heavy"] - out["last"]["heavy"],
        }
    return out


def yearly_trend(df: pd.DataFrame, column: str = "pm25") -> dict:
    """Spearman trend (HJ 663-2013 附录) of the yearly means of one place's daily values; the years and values."""
    if df.empty:
        return {"years": [], "values": [], "trend": spearman_trend([])}
    yearly = round_gb8170(df.groupby(df["date"].dt.year)[column].mean(), 0)
    return {"years": list(yearly.index), "values": list(yearly), "trend": spearman_trend(yearly.tolist())}


def unit_trend(*, unit_id: int, today: datetime.date) -> dict:
    """The unit's PM2.5 trend (Spearman, HJ 663-2013 附录) over up to ten years of its assessment points' daily
    means (sand-dust days applied)."""
    return yearly_trend(unit_days_frame(start=datetime.date(today.year - 9, 1, 1), end=today, unit_id=unit_id))


def indicator_air_composite_index(*, year: int, as_of: datetime.date) -> pd.DataFrame:
    """环境空气质量综合指数 per unit (HJ 663-2013 over its assessment points' daily means, as the other three air
    indicators), Jan 1 of `year` to `as_of`.

    Lower is better; published to 2 decimals. A unit whose days fall short of the pro-rata 324-of-365 rule still
    gets a value, marked "仅供参考" as the other air indicators are.
    """
    stats = composite_from_statistics(_unit_ytd_statistics(year, as_of)[1], min_days=1)
    stats = stats[stats["value"].notna()]
    days = stats[[f"n_{c}" for c in POLLUTANTS]].min(axis=1).astype(int)
    notes = _short(days, _expected_days(year, as_of))
    details = [f"综合指数 {v:.2f} / 有效天数 {d}{n}" for v, d, n in zip(stats["value"], days, notes, strict=True)]
    return _indicator(stats.index, stats["value"], details)


def _same_period_last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - 1, day=28)


def zone_overview(*, today: datetime.date, zone_id: int | None = None, by: str = "zone_id") -> pd.DataFrame:
    """Per war zone (or, with by="unit_id", per unit of the zone): good-day rate and PM2.5 this month, year
    to date, and the same period last year.

    One query (two years of readings), the rest in pandas. Index: zone (or unit) id.
    """
    last_year_start = datetime.date(today.year - 1, 1, 1)
    filters: dict[str, Any] = {"station__war_zone__isnull": False}
    if zone_id is not None:
        filters = {"station__war_zone_id": zone_id}
    df = readings_frame(start=last_year_start, end=today, **filters)
    daily = daily_means(df, by)
    if daily.empty:
        return pd.DataFrame()
    month_start = pd.Timestamp(today.replace(day=1))
    ytd_start = pd.Timestamp(datetime.date(today.year, 1, 1))
    ly_end = pd.Timestamp(_same_period_last_year(today))
    ly_month_start = pd.Timestamp(_same_period_last_year(today).replace(day=1))
    parts = {
        "month": daily[daily["date"] >= month_start],
        "ytd": daily[daily["date"] >= ytd_start],
        "ly_month": daily[(daily["date"] >= ly_month_start) & (daily["date"] <= ly_end)],
        "ly_ytd": daily[(daily["date"] >= pd.Timestamp(last_year_start)) & (daily["date"] <= ly_end)],
    }
    out = pd.DataFrame(index=sorted(daily[by].unique()))
    for key, part in parts.items():
        stats = period_stats(part, by)
        out = out.join(stats[["rate", "pm25", "valid", "pm25_days"]].add_prefix(f"{key}_"))
    month = parts["month"]
    out["month_o3_exceed"] = (
        month[month["o3_8h"] > O3_8H_LIMIT].groupby(by).size().reindex(out.index).fillna(0).astype(int)
    )
    out["month_sufficient"] = out["month_valid"].fillna(0).map(
        lambda n: is_sufficient(int(n), "month", today.month)
    ) | (today.day < 27)
    out["rate_change"] = out["ytd_rate"] - out["ly_ytd_rate"]
    out["pm25_change"] = out["ytd_pm25"] - out["ly_ytd_pm25"]
    return out


def monthly_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Monthly statistics of one place's daily values, each with HJ 663-2013's validity (27 days, Feb 25)."""
    if df.empty:
        return pd.DataFrame(columns=["year", "month", "pm25", "o3_8h", "rate", "valid", "sufficient"])
    d = df.assign(year=df["date"].dt.year, month=df["date"].dt.month, valid=aqi_day_valid_frame(df))
    g = d.groupby(["year", "month"])
    out = pd.DataFrame(
        {
            "pm25": round_gb8170(g["pm25"].mean(), 0),
            "o3_8h": g["o3_8h"].max(),
            "good": g.apply(lambda s: int(((s["aqi"] <= GOOD_AQI) & s["valid"]).sum()), include_groups=False),
            "valid": g["valid"].sum(),
            "pm25_days": g["pm25"].count(),
        }
    ).reset_index()
    out["rate"] = round_rate(
        pd.Series(np.where(out["valid"] > 0, 100.0 * out["good"] / out["valid"].clip(lower=1), np.nan))
    )
    out["sufficient"] = [
        is_sufficient(int(n), "month", int(m)) for n, m in zip(out["pm25_days"], out["month"], strict=True)
    ]
    return out


def station_detail_data(*, station: AirStation, today: datetime.date) -> dict:
    """The station page's frames: last 365 days, monthly statistics with validity, yearly composite index."""
    start = datetime.date(today.year - 1, 1, 1)
    history = readings_frame(start=datetime.date(today.year - 9, 1, 1), end=today, station_id=station.pk)
    df = history[history["date"] >= pd.Timestamp(start)]
    last_year = df[df["date"].dt.year == today.year - 1]
    this_year = df[df["date"].dt.year == today.year]
    composite = composite_index_by(df.assign(year=df["date"].dt.year), "year") if not df.empty else pd.DataFrame()
    return {
        "recent": df[df["date"] > pd.Timestamp(today - datetime.timedelta(days=365))],
        "monthly": monthly_frame(df),
        "composite": composite,
        "trend": yearly_trend(history),
        "last_year_days": len(last_year),
        "this_year_days": len(this_year),
    }


def composite_by_station(*, year: int, min_days: int = MIN_DAYS_YEAR) -> pd.DataFrame:
    """Every station's composite index for `year` (HJ 663-2013), one query."""
    df = readings_frame(start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31))
    if df.empty:
        return pd.DataFrame()
    return composite_index_by(df, "station_id", min_days=min_days)
