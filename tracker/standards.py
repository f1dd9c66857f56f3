"""The national standards as pure functions (no Django): what a number means under the law.

Air:
- HJ 633-2012《环境空气质量指数（AQI）技术规定（试行）》: daily AQI, category, primary pollutants.
- HJ 663-2013《环境空气质量评价技术规范（试行）》: composite index (综合指数), percentiles, data validity.

Concentrations are µg/m³ except CO in mg/m³. A missing pollutant is `None` (or NaN in a frame).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

# --- air: HJ 633-2012 ------------------------------------------------------------------------------

# HJ 633-2012 表1 空气质量分指数及对应的污染物项目浓度限值 — the IAQI column and the 24-hour columns.
IAQI_LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS_24H: dict[str, tuple[float, ...]] = {
    "SO2": (0, 50, 150, 475, 800, 1600, 2100, 2620),  # SO₂ 24 小时平均 µg/m³
    "NO2": (0, 40, 80, 180, 280, 565, 750, 940),  # NO₂ 24 小时平均 µg/m³
    "PM10": (0, 50, 150, 250, 350, 420, 500, 600),  # PM10 24 小时平均 µg/m³
    "CO": (0, 2, 4, 14, 24, 36, 48, 60),  # CO 24 小时平均 mg/m³
    "O3": (0, 100, 160, 215, 265, 800),  # O₃ 8 小时滑动平均 µg/m³ — the table stops at IAQI 300
    "PM2.5": (0, 35, 75, 115, 150, 250, 350, 500),  # PM2.5 24 小时平均 µg/m³
}
# O₃ 1 小时平均 (same table), used only when O₃-8h exceeds 800 µg/m³ (表1 注 3).
O3_1H_BREAKPOINTS = (0, 160, 200, 300, 400, 800, 1000, 1200)
O3_8H_TOP = 800.0

POLLUTANTS = ("SO2", "NO2", "PM10", "CO", "O3", "PM2.5")
POLLUTANT_LABELS = {"SO2": "SO₂", "NO2": "NO₂", "PM10": "PM10", "CO": "CO", "O3": "O₃_8h", "PM2.5": "PM2.5"}

# HJ 633-2012 表2: AQI range → category (类别). Upper bounds inclusive.
CATEGORIES = (
    (50, "优"),
    (100, "良"),
    (150, "轻度污染"),
    (200, "中度污染"),
    (300, "重度污染"),
    (math.inf, "严重污染"),
)
CATEGORY_NAMES = tuple(name for _, name in CATEGORIES)
# HJ 633-2012 表2 表示颜色 (RGB given there): 绿 黄 橙 红 紫 褐红.
CATEGORY_COLOURS = {
    "优": "#00e400",
    "良": "#ffff00",
    "轻度污染": "#ff7e00",
    "中度污染": "#ff0000",
    "重度污染": "#99004c",
    "严重污染": "#7e0023",
}
GOOD_AQI = 100  # 优良: AQI ≤ 100


def _ceil_exact(value: Fraction) -> int:
    return math.ceil(value)


def iaqi(pollutant: str, concentration: float | None, *, breakpoints: tuple[float, ...] | None = None) -> int | None:
    """IAQI of one pollutant by HJ 633-2012 公式(1), rounded **up** to an integer (the standard's 进位).

    IAQI_P = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C_P − BP_Lo) + IAQI_Lo.
    Computed in exact rational arithmetic so that a value exactly on an integer is not pushed up by
    floating-point noise. A concentration above the table's top gives the top IAQI (500; 300 for O₃-8h),
    since the standard defines nothing higher. Negative concentrations are refused.
    """
    if concentration is None or (isinstance(concentration, float) and math.isnan(concentration)):
        return None
    bps = breakpoints or BREAKPOINTS_24H[pollutant]
    c = Fraction(str(concentration))
    if c < 0:
        raise ValueError(f"{pollutant} 浓度不能为负数：{concentration}")
    if c >= bps[-1]:
        return IAQI_LEVELS[len(bps) - 1]
    for i in range(1, len(bps)):
        if c <= bps[i]:
            lo, hi = Fraction(str(bps[i - 1])), Fraction(str(bps[i]))
            value = Fraction(IAQI_LEVELS[i] - IAQI_LEVELS[i - 1]) / (hi - lo) * (c - lo) + IAQI_LEVELS[i - 1]
            return _ceil_exact(value)
    raise AssertionError("unreachable")


def category_for(aqi: int | None) -> str:
    """The category (类别) of an AQI by HJ 633-2012 表2; "" when there is no AQI."""
    if aqi is None:
        return ""
    for upper, name in CATEGORIES:
        if aqi <= upper:
            return name
    raise AssertionError("unreachable")


def o3_iaqi(o3_8h: float | None, o3_1h: float | None = None) -> int | None:
    """O₃'s IAQI for a day.

    HJ 633-2012 表1 注 3: when O₃-8h exceeds 800 µg/m³ its IAQI is not computed from the 8-hour table
    but from the 1-hour value. A daily reading that carries `o3_1h` gets exactly that. Without a 1-hour
    value we return 300 — the 8-hour table's top, a lower bound of the true IAQI — rather than invent a
    number (the day is 重度污染 at least). Daily readings in this platform carry no 1-hour O₃, so such a
    day is stored with IAQI 300 for O₃; `daily_aqi_frame` accepts an optional `o3_1h` column for the same rule.
    """
    if o3_8h is None or (isinstance(o3_8h, float) and math.isnan(o3_8h)):
        return None
    if o3_8h > O3_8H_TOP:
        if o3_1h is not None:
            return iaqi("O3", o3_1h, breakpoints=O3_1H_BREAKPOINTS)
        return 300
    return iaqi("O3", o3_8h)


@dataclass(frozen=True)
class DailyAqi:
    aqi: int | None
    category: str
    primary: tuple[str, ...]
    iaqis: dict[str, int | None] = field(default_factory=dict)

    def __iter__(self):  # unpack as (aqi, category, primary)
        return iter((self.aqi, self.category, self.primary))


def daily_aqi(so2=None, no2=None, pm10=None, co=None, o3_8h=None, pm25=None, *, o3_1h=None) -> DailyAqi:
    """Daily AQI, category and primary pollutants by HJ 633-2012 (24-hour table; O₃ by its 8-hour table).

    AQI = max IAQI (公式 2). Primary pollutants (首要污染物) are those whose IAQI equals the AQI, only when
    AQI > 50; empty otherwise. Missing pollutants are left out; with none present the AQI is None.
    Unpacks as `aqi, category, primary = daily_aqi(...)`.
    """
    values = {
        "SO2": iaqi("SO2", so2),
        "NO2": iaqi("NO2", no2),
        "PM10": iaqi("PM10", pm10),
        "CO": iaqi("CO", co),
        "O3": o3_iaqi(o3_8h, o3_1h),
        "PM2.5": iaqi("PM2.5", pm25),
    }
    present = {k: v for k, v in values.items() if v is not None}
    if not present:
        return DailyAqi(None, "", (), values)
    aqi = max(present.values())
    primary = tuple(k for k in POLLUTANTS if present.get(k) == aqi) if aqi > 50 else ()
    return DailyAqi(aqi, category_for(aqi), primary, values)


# Frame column for each pollutant (the names used by readings and ingest).
FRAME_COLUMNS = {"SO2": "so2", "NO2": "no2", "PM10": "pm10", "CO": "co", "O3": "o3_8h", "PM2.5": "pm25"}


def _iaqi_vector(values: np.ndarray, bps: tuple[float, ...]) -> np.ndarray:
    """Vectorised `iaqi` (NaN in, NaN out). Rounded to 9 decimals before the ceiling so float noise on an
    exact integer does not push it up; inputs carry at most 3 decimals, so no true value lies that close."""
    bp = np.asarray(bps, dtype=float)
    levels = np.asarray(IAQI_LEVELS[: len(bps)], dtype=float)
    c = np.asarray(values, dtype=float)
    seg = np.clip(np.searchsorted(bp, c, side="left"), 1, len(bp) - 1)
    lo, hi = bp[seg - 1], bp[seg]
    raw = (levels[seg] - levels[seg - 1]) / (hi - lo) * (c - lo) + levels[seg - 1]
    out = np.ceil(np.round(raw, 9))
    out = np.where(c >= bp[-1], levels[-1], out)
    return np.where(np.isnan(c), np.nan, out)


def daily_aqi_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`daily_aqi` for a whole frame at once (bulk ingest): columns so2, no2, pm10, co, o3_8h, pm25 (NaN =
    missing; optional o3_1h) → a frame with `aqi` (Int64), `category` and `primary` (comma-joined codes).
    Same results as the scalar function row by row (tested)."""
    iaqis = {}
    for code, col in FRAME_COLUMNS.items():
        values = (
            pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float) if col in df else np.full(len(df), np.nan)
        )
        if code == "O3":
            capped = _iaqi_vector(np.where(values > O3_8H_TOP, np.nan, values), BREAKPOINTS_24H["O3"])
            over = values > O3_8H_TOP
            if "o3_1h" in df:
                one_h = _iaqi_vector(
                    pd.to_numeric(df["o3_1h"], errors="coerce").to_numpy(dtype=float), O3_1H_BREAKPOINTS
                )
                over_value = np.where(np.isnan(one_h), 300.0, one_h)
            else:
                over_value = np.full(len(df), 300.0)
            iaqis[code] = np.where(over, over_value, capped)
        else:
            iaqis[code] = _iaqi_vector(values, BREAKPOINTS_24H[code])
    matrix = np.column_stack([iaqis[k] for k in POLLUTANTS]) if len(df) else np.empty((0, len(POLLUTANTS)))
    all_nan = np.isnan(matrix).all(axis=1) if len(df) else np.zeros(0, dtype=bool)
    aqi = np.where(all_nan, np.nan, np.nanmax(np.where(np.isnan(matrix), -1, matrix), axis=1) if len(df) else [])
    bounds = [upper for upper, _ in CATEGORIES[:-1]]
    cat_idx = np.searchsorted(np.asarray(bounds, dtype=float), np.nan_to_num(aqi, nan=0), side="left")
    names = np.asarray(CATEGORY_NAMES, dtype=object)
    category = np.where(np.isnan(aqi), "", names[cat_idx])
    is_primary = (matrix == aqi[:, None]) & (aqi[:, None] > 50)
    codes = np.asarray(POLLUTANTS, dtype=object)
    primary = [",".join(codes[row]) for row in is_primary]
    return pd.DataFrame(
        {"aqi": pd.array(aqi, dtype="Float64").astype("Int64"), "category": category, "primary": primary},
        index=df.index,
    )


def good_day_rate(aqis: Iterable[float | None]) -> tuple[float, int, int]:
    """优良天数比例 (%): days with AQI ≤ 100 over valid days (days that have an AQI).

    Returns (rate, good days, valid days); the rate is NaN when there is no valid day.
    """
    series = pd.Series(list(aqis), dtype="float64").dropna()
    valid = int(series.size)
    good = int((series <= GOOD_AQI).sum())
    return (100.0 * good / valid if valid else math.nan), good, valid


def mean_pm25(values: Iterable[float | None]) -> tuple[float, int]:
    """Arithmetic mean PM2.5 over the days that have a value; (mean, n). NaN when none."""
    series = pd.Series(list(values), dtype="float64").dropna()
    return (float(series.mean()) if series.size else math.nan), int(series.size)


# --- air: HJ 663-2013 ------------------------------------------------------------------------------

# HJ 663-2013 §5.3 综合指数: annual statistic over the GB 3095-2012 二级 annual limit (CO and O₃: their
# daily-value percentiles over the 24-h / 8-h limits).
COMPOSITE_LIMITS = {"so2": 60.0, "no2": 40.0, "pm10": 70.0, "pm25": 35.0, "co": 4.0, "o3_8h": 160.0}
COMPOSITE_PERCENTILES = {"co": 95, "o3_8h": 90}

# HJ 663-2013 表1 数据有效性: a statistic needs this many valid daily values in its period.
MIN_DAYS_YEAR = 324
MIN_DAYS_MONTH = 27
MIN_DAYS_FEBRUARY = 25


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile by HJ 663-2013 公式(1)-(2): sort ascending X(1) ≤ … ≤ X(n),
    k = 1 + (n − 1)·p/100, s = ⌊k⌋, m_p = X(s) + (X(s+1) − X(s))·(k − s). NaN for no values."""
    xs = sorted(float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
    n = len(xs)
    if n == 0:
        return math.nan
    k = 1 + (n - 1) * p / 100
    s = math.floor(k)
    if s >= n:
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


def min_valid_days(period: str, month: int | None = None) -> int:
    """Valid daily values a period's statistic needs (HJ 663-2013 表1): year 324, month 27, February 25."""
    if period == "year":
        return MIN_DAYS_YEAR
    if period == "month":
        return MIN_DAYS_FEBRUARY if month == 2 else MIN_DAYS_MONTH
    raise ValueError(f"unknown period {period!r}")


def is_sufficient(n_days: int, period: str, month: int | None = None) -> bool:
    """True when `n_days` valid daily values are enough for the period's statistic."""
    return n_days >= min_valid_days(period, month)


@dataclass(frozen=True)
class CompositeIndex:
    """The composite index of one place over one period; `value` is None when data are insufficient."""

    value: float | None
    concentrations: dict[str, float]  # the statistic Cᵢ per pollutant column
    sub_indices: dict[str, float]  # Iᵢ = Cᵢ / Sᵢ
    valid_days: dict[str, int]
    sufficient: bool


def composite_index(frame: pd.DataFrame, *, min_days: int = MIN_DAYS_YEAR) -> CompositeIndex:
    """HJ 663-2013 composite index Σ Cᵢ/Sᵢ of a place's daily values (columns so2, no2, pm10, pm25, co, o3_8h).

    Means for SO₂, NO₂, PM10, PM2.5; CO 95th and O₃-8h 90th percentile by the standard's interpolation.
    Each pollutant needs `min_days` valid daily values (324 for a year, see `min_valid_days`); if any falls
    short the result is marked insufficient and `value` is None — sub-indices are still given for reference.
    """
    conc, sub, counts = {}, {}, {}
    for col, limit in COMPOSITE_LIMITS.items():
        series = pd.to_numeric(frame[col], errors="coerce").dropna() if col in frame else pd.Series(dtype=float)
        counts[col] = int(series.size)
        if col in COMPOSITE_PERCENTILES:
            c = percentile(series.tolist(), COMPOSITE_PERCENTILES[col])
        else:
            c = float(series.mean()) if series.size else math.nan
        conc[col] = c
        sub[col] = c / limit
    sufficient = all(n >= min_days for n in counts.values())
    value = float(sum(sub.values())) if sufficient else None
    return CompositeIndex(value, conc, sub, counts, sufficient)


def composite_index_by(frame: pd.DataFrame, by: str | list[str], *, min_days: int = MIN_DAYS_YEAR) -> pd.DataFrame:
    """`composite_index` for every group at once (e.g. every station's year): one row per group with the
    statistic per pollutant, `n_<col>` valid-day counts, `sufficient` and `value` (NaN when insufficient).

    pandas' `quantile(interpolation="linear")` is exactly HJ 663-2013's formula (k = 1 + (n−1)p)."""
    cols = list(COMPOSITE_LIMITS)
    grouped = frame.groupby(by)[cols]
    means = grouped.mean()
    counts = grouped.count().add_prefix("n_")
    out = means.copy()
    for col, p in COMPOSITE_PERCENTILES.items():
        out[col] = frame.groupby(by)[col].quantile(p / 100, interpolation="linear")
    total = sum(out[col] / limit for col, limit in COMPOSITE_LIMITS.items())
    out = out.join(counts)
    out["sufficient"] = (counts >= min_days).all(axis=1)
    out["value"] = total.where(out["sufficient"])
    return out


def seasonal_mode(day) -> tuple[str, str, str]:
    """The campaign mode of a date and the pollutant a dashboard leads with: (key, label, frame column).

    Summer ozone mode May–Sep (O₃-8h), autumn-winter particulate mode Oct–Mar (PM2.5); April sits between
    the two campaigns and leads with PM2.5 as the annual assessment does.
    """
    if 5 <= day.month <= 9:
        return "summer_o3", "夏季臭氧污染防治攻坚", "o3_8h"
    if day.month >= 10 or day.month <= 3:
        return "winter_pm", "秋冬季颗粒物污染防治攻坚", "pm25"
    return "normal", "常态化管控", "pm25"


# --- water: GB 3838-2002 ---------------------------------------------------------------------------
# 《地表水环境质量标准》GB 3838-2002, Table 1 (基本项目标准限值), the six parameters the sections report.
# Single-factor assessment: each parameter gets the best class whose limit it meets; the section's class is the
# worst of those. DO is a lower bound (≥), the rest are upper bounds (≤). Where two classes share a limit (COD and
# BOD5 for I and II) the value meets the better class first, so it is class I.
WATER_CLASSES: tuple[str, ...] = ("I", "II", "III", "IV", "V", "劣V")
WATER_CLASS_RANK: dict[str, int] = {label: i for i, label in enumerate(WATER_CLASSES, start=1)}
WATER_GOOD_MAX_RANK = 3  # 优良 = I–III

# parameter → (lower_bound?, limits for I, II, III, IV, V) — mg/L; TP for rivers (lakes/reservoirs differ).
WATER_LIMITS: dict[str, tuple[bool, tuple[float, float, float, float, float]]] = {
    "do": (True, (7.5, 6, 5, 3, 2)),
    "codmn": (False, (2, 4, 6, 10, 15)),
    "cod": (False, (15, 15, 20, 30, 40)),
    "bod5": (False, (3, 3, 4, 6, 10)),
    "nh3n": (False, (0.15, 0.5, 1.0, 1.5, 2.0)),
    "tp": (False, (0.02, 0.1, 0.2, 0.3, 0.4)),
}
WATER_PARAMETER_LABELS = {
    "do": "溶解氧",
    "codmn": "高锰酸盐指数",
    "cod": "化学需氧量",
    "bod5": "五日生化需氧量",
    "nh3n": "氨氮",
    "tp": "总磷",
}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def parameter_class_rank(parameter: str, value: float) -> int:
    """The class rank (1 = I … 6 = 劣V) of one parameter's value under Table 1."""
    lower_bound, limits = WATER_LIMITS[parameter]
    for rank, limit in enumerate(limits, start=1):
        if (value >= limit) if lower_bound else (value <= limit):
            return rank
    return 6


def water_class_rank(measurements: Mapping[str, float | None]) -> int | None:
    """Worst single-factor class rank over the given parameters; missing ones are ignored; none → None."""
    ranks = [
        parameter_class_rank(name, float(value))
        for name, value in measurements.items()
        if name in WATER_LIMITS and not _missing(value)
    ]
    return max(ranks) if ranks else None


def water_class_rank_frame(values: pd.DataFrame) -> pd.Series:
    """`water_class_rank` of every row at once (columns: parameter codes, NaN = not measured).

    Returns an Int64 series: 1 = I … 6 = 劣V, NA for a row with no value. Same thresholds as the scalar function:
    for an upper limit the rank is 1 + the number of class limits below the value; for DO (a lower bound) it is
    1 + the number of limits above it.
    """
    worst = np.zeros(len(values), dtype=np.int64)
    for name, (lower_bound, limits) in WATER_LIMITS.items():
        if name not in values:
            continue
        x = values[name].to_numpy(dtype=float, na_value=np.nan)
        bounds = np.asarray(limits, dtype=float)
        failed = (bounds[None, :] > x[:, None]) if lower_bound else (bounds[None, :] < x[:, None])
        rank = np.where(np.isnan(x), 0, 1 + failed.sum(axis=1))
        worst = np.maximum(worst, rank)
    return pd.Series(worst, index=values.index, dtype="Int64").mask(worst == 0)


def water_class(measurements: Mapping[str, float | None]) -> str | None:
    """Single-factor water class under GB 3838-2002: "I", "II", "III", "IV", "V", "劣V", or None if no data.

    `measurements` maps parameter codes (do, codmn, cod, bod5, nh3n, tp; mg/L) to values.
    """
    rank = water_class_rank(measurements)
    return None if rank is None else WATER_CLASSES[rank - 1]


def water_limiting_factors(measurements: Mapping[str, float | None]) -> list[str]:
    """The parameters that set the class (定类因子), in table order; empty when the class is I or no data."""
    rank = water_class_rank(measurements)
    if rank is None or rank == 1:
        return []
    return [
        name
        for name in WATER_LIMITS
        if not _missing(measurements.get(name)) and parameter_class_rank(name, float(measurements[name])) == rank
    ]


def water_compliant(class_rank: int | None, target_rank: int) -> bool | None:
    """达标: the class is no worse than the target class. None when there is no class."""
    if class_rank is None:
        return None
    return class_rank <= target_rank


def water_good_rate(class_ranks: pd.Series) -> float:
    """优良率 (%): share of classed values at I–III; NaN when nothing is classed."""
    ranks = class_ranks.dropna()
    if ranks.empty:
        return float("nan")
    return float((ranks <= WATER_GOOD_MAX_RANK).mean() * 100)


def water_unit_compliance_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank units by compliance rate.

    `frame` has one row per section-month with columns `unit_id` and `compliant` (bool). Returns
    `unit_id, total, compliant, rate (%), rank` sorted best first; ties share the better rank (min method).
    """
    columns = ["unit_id", "total", "compliant", "rate", "rank"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby("unit_id")["compliant"].agg(total="count", compliant="sum").reset_index()
    grouped["compliant"] = grouped["compliant"].astype(int)
    grouped["rate"] = grouped["compliant"] / grouped["total"] * 100
    grouped["rank"] = grouped["rate"].rank(ascending=False, method="min").astype(int)
    return grouped.sort_values(["rank", "unit_id"]).reset_index(drop=True)[columns]
