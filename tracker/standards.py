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

# --- rounding: GB/T 8170-2008 -----------------------------------------------------------------------
# The one place that says at which precision a figure is published and how it is rounded there.
# HJ 663-2013 §6 (数据修约) sends every statistic to GB/T 8170-2008《数值修约规则与极限数值的表示和判定》:
# §3.3 进舍规则 "四舍六入五成双" — a 5 followed by nothing (or zeros) rounds to the even neighbour.
# Published precision (HJ 663-2013 表 3 / the monthly city bulletins): SO₂, NO₂, PM10, PM2.5, O₃ in whole µg/m³,
# CO to 0.1 mg/m³; the composite index to 0.01; percentages (good-day rate, compliance, 优良率) to 0.1 point.
# A figure is rounded *before* it is used further: a unit's daily mean before its AQI, an annual statistic
# before its sub-index. Unrounded numbers are never published or compared.
CONCENTRATION_DIGITS: dict[str, int] = {"so2": 0, "no2": 0, "pm10": 0, "pm25": 0, "o3_8h": 0, "co": 1}
COMPOSITE_DIGITS = 2
RATE_DIGITS = 1


def round_gb8170(value, digits: int = 0):
    """Round half to even at `digits` decimals, on the decimal value (GB/T 8170-2008 §3.3).

    Works on a number (NaN/None pass through) or a numpy array / pandas Series (vectorised). The value is
    first taken to 9 significant decimals of its scaled form, so 0.35 (stored in binary as 0.34999…) is
    rounded as the decimal 0.35 it stands for → 0.4, and 0.25 → 0.2.
    """
    if value is None:
        return None
    scale = 10.0**digits
    if isinstance(value, pd.Series):
        return value.astype(float).mul(scale).round(6).round(0).div(scale)
    if isinstance(value, np.ndarray):
        return np.round(np.round(value.astype(float) * scale, 6), 0) / scale
    v = float(value)
    if math.isnan(v):
        return v
    return float(np.round(np.round(v * scale, 6), 0) / scale)


def round_rate(value):
    """A percentage at its published precision (0.1 point)."""
    return round_gb8170(value, RATE_DIGITS)


def round_concentrations(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every pollutant column present rounded to its published precision."""
    out = frame.copy()
    for col, digits in CONCENTRATION_DIGITS.items():
        if col in out:
            out[col] = round_gb8170(pd.to_numeric(out[col], errors="coerce"), digits)
    return out


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


# every subset of POLLUTANTS (bit i = POLLUTANTS[i]) → its codes comma-joined in POLLUTANTS order
_PRIMARY_NAMES = np.asarray(
    [",".join(code for i, code in enumerate(POLLUTANTS) if m >> i & 1) for m in range(1 << len(POLLUTANTS))],
    dtype=object,
)


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
    # each row's set of primary pollutants as a 6-bit number, its comma-joined codes looked up (not joined per row)
    mask = (is_primary.astype(np.int64) << np.arange(len(POLLUTANTS), dtype=np.int64)).sum(axis=1)
    primary = _PRIMARY_NAMES[mask].tolist()
    return pd.DataFrame(
        {"aqi": pd.array(aqi, dtype="Float64").astype("Int64"), "category": category, "primary": primary},
        index=df.index,
    )


def aqi_day_valid(aqi: float | None, n_present: int) -> bool:
    """Is a day valid for the good-day rate? — the one definition used by every page and indicator.

    A day counts when its category is decided: all six pollutants are present (HJ 633-2012 §5, AQI over the
    six items), or the pollutants present already put the AQI above 100. A missing pollutant can only raise the
    AQI (it is a max), never lower it, so such a day is 超标 whatever the missing values were; a day with a
    pollutant missing and AQI ≤ 100 is undecided and left out of both numerator and denominator.
    """
    if aqi is None or (isinstance(aqi, float) and math.isnan(aqi)):
        return False
    return n_present >= len(POLLUTANTS) or aqi > GOOD_AQI


def aqi_day_valid_frame(frame: pd.DataFrame, aqi: pd.Series | None = None) -> pd.Series:
    """`aqi_day_valid` for every row of a frame with the six pollutant columns (and `aqi`, or pass it)."""
    aqi = frame["aqi"] if aqi is None else aqi
    aqi = pd.to_numeric(aqi, errors="coerce").astype(float)
    cols = [c for c in FRAME_COLUMNS.values()]
    present = frame.reindex(columns=cols).notna().sum(axis=1)
    return aqi.notna() & ((present >= len(cols)) | (aqi > GOOD_AQI))


def good_day_rate(aqis: Iterable[float | None], valid: Iterable[bool] | None = None) -> tuple[float, int, int]:
    """优良天数比例 (%): days with AQI ≤ 100 over valid days, at its published precision (0.1).

    `valid` (one flag per AQI, see `aqi_day_valid`) says which days count; without it every day that has an
    AQI counts. Returns (rate, good days, valid days); the rate is NaN when there is no valid day.
    """
    series = pd.Series(list(aqis), dtype="float64")
    if valid is not None:
        series = series[pd.Series(list(valid), dtype=bool).to_numpy()]
    series = series.dropna()
    n = int(series.size)
    good = int((series <= GOOD_AQI).sum())
    return (round_rate(100.0 * good / n) if n else math.nan), good, n


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


def monthly_rule_met(frame: pd.DataFrame, by: str | list[str] | None = None) -> pd.Series | bool:
    """HJ 663-2013 表1 / GB 3095-2012 §7 的月有效性: every calendar month of each year in the frame has at
    least 27 valid daily values of every pollutant (25 in February).

    A month with no row at all fails (a year with July missing is not a valid year even with 334 days).
    Needs a `date` column; with `by` one verdict per group (a boolean Series), else one boolean.
    """
    cols = [c for c in COMPOSITE_LIMITS if c in frame]
    if "date" not in frame or frame.empty:
        return pd.Series(dtype=bool) if by is not None else False
    dates = pd.to_datetime(frame["date"])
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    d = frame[keys + cols].assign(_y=dates.dt.year.to_numpy(), _m=dates.dt.month.to_numpy())
    counts = d.groupby([*keys, "_y", "_m"])[cols].count()
    months = counts.index.get_level_values("_m")
    need = np.where(months == 2, MIN_DAYS_FEBRUARY, MIN_DAYS_MONTH)
    ok = pd.Series((counts.to_numpy() >= need[:, None]).all(axis=1), index=counts.index)
    if not keys:
        return bool(ok.sum() == 12 * d["_y"].nunique())
    months_ok = ok.groupby(level=keys).sum()
    years = d.groupby(keys)["_y"].nunique()
    return months_ok.reindex(years.index, fill_value=0) == 12 * years


@dataclass(frozen=True)
class CompositeIndex:
    """The composite index of one place over one period; `value` is None when data are insufficient.

    `concentrations` are the statistics at their published precision when the index was computed with
    `rounded=True` (the default); `monthly_ok` is None when the frame had no dates to check months with.
    """

    value: float | None
    concentrations: dict[str, float]  # the statistic Cᵢ per pollutant column
    sub_indices: dict[str, float]  # Iᵢ = Cᵢ / Sᵢ
    valid_days: dict[str, int]
    sufficient: bool
    monthly_ok: bool | None = None


def composite_index(frame: pd.DataFrame, *, min_days: int = MIN_DAYS_YEAR, rounded: bool = True) -> CompositeIndex:
    """HJ 663-2013 composite index Σ Cᵢ/Sᵢ of a place's daily values (columns so2, no2, pm10, pm25, co, o3_8h).

    Means for SO₂, NO₂, PM10, PM2.5; CO 95th and O₃-8h 90th percentile by the standard's interpolation.
    With `rounded` (default) each statistic is first rounded to its published precision (GB/T 8170: integers,
    CO 0.1 mg/m³) and the index to 0.01, as HJ 663-2013 §6 requires.
    Validity: each pollutant needs `min_days` valid daily values (324 for a year) and, for a yearly index of a
    frame with a `date` column, every month its 27 days (February 25) — `monthly_rule_met`. Otherwise the
    result is insufficient and `value` is None; sub-indices are still given for reference.
    """
    conc, sub, counts = {}, {}, {}
    for col, limit in COMPOSITE_LIMITS.items():
        series = pd.to_numeric(frame[col], errors="coerce").dropna() if col in frame else pd.Series(dtype=float)
        counts[col] = int(series.size)
        if col in COMPOSITE_PERCENTILES:
            c = percentile(series.tolist(), COMPOSITE_PERCENTILES[col])
        else:
            c = float(series.mean()) if series.size else math.nan
        if rounded:
            c = round_gb8170(c, CONCENTRATION_DIGITS[col])
        conc[col] = c
        sub[col] = c / limit
    monthly_ok = monthly_rule_met(frame) if ("date" in frame and min_days == MIN_DAYS_YEAR) else None
    sufficient = all(n >= min_days for n in counts.values()) and monthly_ok is not False
    value = float(sum(sub.values())) if sufficient else None
    if value is not None and rounded:
        value = round_gb8170(value, COMPOSITE_DIGITS)
    return CompositeIndex(value, conc, sub, counts, sufficient, monthly_ok)


def composite_index_by(
    frame: pd.DataFrame, by: str | list[str], *, min_days: int = MIN_DAYS_YEAR, rounded: bool = True
) -> pd.DataFrame:
    """`composite_index` for every group at once (e.g. every station's year): one row per group with the
    statistic per pollutant, `n_<col>` valid-day counts, `monthly_ok`, `sufficient` and `value` (NaN when
    insufficient). Same rounding and validity rules as `composite_index`.

    pandas' `quantile(interpolation="linear")` is exactly HJ 663-2013's formula (k = 1 + (n−1)p)."""
    stats = composite_statistics(frame, by)
    monthly = None
    if "date" in frame and min_days == MIN_DAYS_YEAR:
        verdicts = monthly_rule_met(frame, by)
        assert isinstance(verdicts, pd.Series)  # with `by`, one verdict per group
        monthly = verdicts.reindex(stats.index, fill_value=False).astype(bool)
    return composite_from_statistics(stats, min_days=min_days, rounded=rounded, monthly=monthly)


def composite_statistics(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Per group, the statistic HJ 663-2013 takes of each pollutant's daily values (the mean; CO's 95th and O₃'s
    90th percentile) and `n_<col>`, the days with a value: `composite_index_by`'s first half. Groups as
    `frame.groupby(by)` makes them (sorted; rows whose key is missing left out).

    One pass in numpy over rows ordered by group (the database's order by station or unit needs no sort): sums
    and counts by `np.add.reduceat`, the percentiles by `group_percentiles`. It gives pandas' groupby `mean` and
    `quantile(interpolation="linear")` (HJ 663-2013's formula) to the last bit on values at published precision,
    and within rounding of the last bit otherwise (pandas sums with compensation), in a third of the time."""
    cols = list(COMPOSITE_LIMITS)
    groupby = frame.groupby(by)
    index = groupby.size().index
    groups = len(index)
    if not groups:
        empty = pd.DataFrame(index=index, columns=cols, dtype=float)
        return empty.join(pd.DataFrame(index=index, columns=[f"n_{c}" for c in cols], dtype=np.int64))
    codes = groupby.ngroup().to_numpy(dtype=float, na_value=np.nan)  # NaN: a row whose key is missing
    keyed = np.flatnonzero(~np.isnan(codes))
    g = codes[keyed].astype(np.int64)
    rows: np.ndarray | None = keyed
    if len(g) > 1 and not (g[1:] >= g[:-1]).all():
        order = np.argsort(g, kind="stable")
        g, rows = g[order], keyed[order]
    elif len(keyed) == len(frame):
        rows = None  # every row, already in group order: no copy
    start = np.concatenate(([0], np.cumsum(np.bincount(g, minlength=groups))[:-1]))
    stats: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for col in cols:
        values = _float_values(frame[col])
        if rows is not None:
            values = values[rows]
        ok = ~np.isnan(values)
        n = np.add.reduceat(ok, start, dtype=np.int64)
        counts[f"n_{col}"] = n
        if col in COMPOSITE_PERCENTILES:
            stats[col] = group_percentiles(g, values, groups, COMPOSITE_PERCENTILES[col], sorted_by_group=True)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                stats[col] = np.add.reduceat(np.where(ok, values, 0.0), start) / n
    return pd.DataFrame({**stats, **counts}, index=index)


def _float_values(series: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for missing (a float column's own array, not a copy)."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":
        return series.to_numpy(dtype=float)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def group_percentiles(
    codes: np.ndarray, values: np.ndarray, groups: int, p: float, *, sorted_by_group: bool = False
) -> np.ndarray:
    """The p-th percentile of `values` in each group of `codes` (integers 0 … groups − 1; NaN values left out),
    by HJ 663-2013's interpolation computed as pandas' linear quantile computes it: position (n − 1)·p/100 in the
    group's sorted values, linear between its two neighbours. NaN for a group without values.

    The values are laid out one row per group and sorted row-wise; when the groups are so uneven that the rows
    would hold mostly padding, one lexicographic sort of (group, value) instead. `sorted_by_group`: the caller
    knows `codes` is non-decreasing."""
    keep = ~np.isnan(values)
    g = np.asarray(codes).astype(np.int64, copy=False)
    v = values
    if not keep.all():
        g, v = g[keep], v[keep]
    n = np.bincount(g, minlength=groups)
    out = np.full(groups, np.nan)
    if not len(v):
        return out
    width = int(n.max())
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    if groups * width <= 4 * len(v):
        if not sorted_by_group and len(g) > 1 and not (g[1:] >= g[:-1]).all():
            order = np.argsort(g, kind="stable")
            g, v = g[order], v[order]
        if (n == width).all():  # every group the same size (a year of every station): a reshape
            ordered = v.reshape(groups, width).copy()
        else:
            ordered = np.full((groups, width), np.inf)  # padding after every value
            ordered.ravel()[np.arange(len(v)) + (g * width - start[g])] = v
        ordered.sort(axis=1)
        flat, offset = ordered.ravel(), np.arange(groups) * width
    else:
        flat, offset = v[np.lexsort((v, g))], start
    at = p / 100 * (n - 1)
    lo = np.floor(at).astype(np.int64)
    has = n > 0
    low = flat[(offset + lo)[has]]
    high = flat[(offset + np.minimum(lo + 1, n - 1))[has]]
    frac = (at - lo)[has]
    out[has] = np.where(frac == 0, low, low + (high - low) * frac)
    return out


def composite_from_statistics(
    stats: pd.DataFrame, *, min_days: int = MIN_DAYS_YEAR, rounded: bool = True, monthly: pd.Series | None = None
) -> pd.DataFrame:
    """The composite index of groups whose statistics are already taken (the annual means, CO's 95th and O₃'s
    90th percentile per group, and the `n_<col>` valid-day counts) — `composite_index_by`'s second half, also
    fed by the database's aggregate of the kept unit-days (`tracker.selectors.air`)."""
    cols = list(COMPOSITE_LIMITS)
    out = stats[cols].astype(float).copy()
    counts = stats[[f"n_{c}" for c in cols]].astype(int)
    if rounded:
        for col in cols:
            out[col] = round_gb8170(out[col], CONCENTRATION_DIGITS[col])
    total = sum(out[col] / limit for col, limit in COMPOSITE_LIMITS.items())
    if rounded:
        total = round_gb8170(total, COMPOSITE_DIGITS)
    out = out.join(counts)
    sufficient = (counts >= min_days).all(axis=1)
    if monthly is not None:
        out["monthly_ok"] = monthly
        sufficient = sufficient & monthly
    out["sufficient"] = sufficient
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


def _value(measurements: Mapping[str, float | None], name: str) -> float | None:
    """A parameter's value as a float, or None when it is absent or NaN."""
    value = measurements.get(name)
    return None if _missing(value) else float(value)  # type: ignore[arg-type]


# GB 3838-2002 表1 总磷: rivers 0.02/0.1/0.2/0.3/0.4, lakes and reservoirs (湖、库) 0.01/0.025/0.05/0.1/0.2.
WATER_TP_LAKE_LIMITS = (0.01, 0.025, 0.05, 0.1, 0.2)
# GB 3838-2002 表1 总氮 (湖、库, 以 N 计): shown for lakes and reservoirs and used for the trophic state, never for
# the class — 《地表水环境质量评价办法（试行）》(环办〔2011〕22号) §2.1: 湖库总氮单独评价.
WATER_TN_LAKE_LIMITS = (0.2, 0.5, 1.0, 1.5, 2.0)
WATER_BODIES = ("river", "lake")  # a reservoir is assessed as a lake ("湖、库")
# The minimum set a monthly reading must carry to be classed: the parameters every section reports, including
# those run by automatic stations (水质自动监测站: DO, CODMn, NH₃-N, TP). A reading without one of them is
# 数据不全: it gets no class and counts as not compliant (a class from DO alone would be "I" by default).
WATER_MIN_PARAMETERS = ("do", "codmn", "nh3n", "tp")


def water_limits(water_body: str = "river") -> dict[str, tuple[bool, tuple[float, float, float, float, float]]]:
    """GB 3838-2002 表1 limits for a river or a lake/reservoir (`water_body="lake"`; "reservoir" is the same)."""
    if water_body == "reservoir":
        water_body = "lake"
    if water_body not in WATER_BODIES:
        raise ValueError(f"unknown water body {water_body!r}")
    if water_body == "river":
        return WATER_LIMITS
    return {**WATER_LIMITS, "tp": (False, WATER_TP_LAKE_LIMITS)}


def parameter_class_rank(parameter: str, value: float, *, water_body: str = "river") -> int:
    """The class rank (1 = I … 6 = 劣V) of one parameter's value under Table 1."""
    lower_bound, limits = water_limits(water_body)[parameter]
    for rank, limit in enumerate(limits, start=1):
        if (value >= limit) if lower_bound else (value <= limit):
            return rank
    return 6


def water_data_complete(measurements: Mapping[str, float | None]) -> bool:
    """True when every parameter of `WATER_MIN_PARAMETERS` has a value."""
    return all(not _missing(measurements.get(name)) for name in WATER_MIN_PARAMETERS)


def water_class_rank(
    measurements: Mapping[str, float | None], *, water_body: str = "river", require_complete: bool = False
) -> int | None:
    """Worst single-factor class rank over the given parameters; missing ones are ignored; none → None.

    With `require_complete`, a reading short of `WATER_MIN_PARAMETERS` is None too (数据不全)."""
    if require_complete and not water_data_complete(measurements):
        return None
    values = {name: _value(measurements, name) for name in WATER_LIMITS}
    ranks = [
        parameter_class_rank(name, value, water_body=water_body) for name, value in values.items() if value is not None
    ]
    return max(ranks) if ranks else None


def water_class(
    measurements: Mapping[str, float | None], *, water_body: str = "river", require_complete: bool = False
) -> str | None:
    """Single-factor water class under GB 3838-2002: "I", "II", "III", "IV", "V", "劣V", or None if no data.

    `measurements` maps parameter codes (do, codmn, cod, bod5, nh3n, tp; mg/L) to values. `water_body="lake"`
    (or "reservoir") uses the lake/reservoir TP limits of 表1. With `require_complete` a reading without the
    minimum set is None (数据不全).
    """
    rank = water_class_rank(measurements, water_body=water_body, require_complete=require_complete)
    return None if rank is None else WATER_CLASSES[rank - 1]


def water_limiting_factors(measurements: Mapping[str, float | None], *, water_body: str = "river") -> list[str]:
    """The parameters that set the class (定类因子), in table order; empty when the class is I or no data."""
    rank = water_class_rank(measurements, water_body=water_body)
    if rank is None or rank == 1:
        return []
    values = {name: _value(measurements, name) for name in WATER_LIMITS}
    return [
        name
        for name, value in values.items()
        if value is not None and parameter_class_rank(name, value, water_body=water_body) == rank
    ]


def water_exceedances(
    measurements: Mapping[str, float | None], *, target_rank: int = 3, water_body: str = "river"
) -> dict[str, float]:
    """超标倍数 of each parameter above the target class's limit, in table order, to 0.01.

    《地表水环境质量评价办法（试行）》§4: 超标倍数 = (C − C_标准) / C_标准, C_标准 the limit of the target class
    (III for an unassigned water); DO, a lower bound, has none. A 劣V target has no limit → empty.
    """
    if target_rank >= 6:
        return {}
    out: dict[str, float] = {}
    for name, (lower_bound, limits) in water_limits(water_body).items():
        value = _value(measurements, name)
        if lower_bound or value is None:
            continue
        limit = limits[target_rank - 1]
        if value > limit:
            out[name] = round_gb8170((value - limit) / limit, 2)
    return out


def water_compliant(class_rank: int | None, target_rank: int) -> bool | None:
    """达标: the class is no worse than the target class. None when there is no class."""
    if class_rank is None:
        return None
    return class_rank <= target_rank


@dataclass(frozen=True)
class ReadingAssessment:
    """What one monthly reading is under GB 3838-2002, as stored with it."""

    rank: int | None  # 1…6, None when 数据不全 or empty
    compliant: bool | None  # None only when the reading has no value at all
    complete: bool  # carries WATER_MIN_PARAMETERS
    limiting_factors: tuple[str, ...]  # 定类因子


def water_reading_assess(
    measurements: Mapping[str, float | None], *, target_rank: int, water_body: str = "river"
) -> ReadingAssessment:
    """Class, compliance, completeness and class-deciding parameters of one reading.

    A reading short of the minimum set gets no class and is not compliant (it cannot show the target was met);
    an empty reading has neither class nor verdict.
    """
    complete = water_data_complete(measurements)
    any_value = any(not _missing(measurements.get(name)) for name in WATER_LIMITS)
    if not complete:
        return ReadingAssessment(None, False if any_value else None, False, ())
    rank = water_class_rank(measurements, water_body=water_body)
    factors = tuple(water_limiting_factors(measurements, water_body=water_body))
    return ReadingAssessment(rank, water_compliant(rank, target_rank), True, factors)


def _water_body_is_lake(water_body, n: int) -> np.ndarray:
    """Per row: is the reading assessed with the lake/reservoir column? `water_body` is one name or one per row."""
    if isinstance(water_body, str):
        names = np.full(n, water_body, dtype=object)
    else:
        names = np.asarray(water_body, dtype=object)
        if names.shape != (n,):
            raise ValueError(f"water_body has {names.size} entries for {n} rows")
    unknown = set(pd.unique(names)) - {*WATER_BODIES, "reservoir"}
    if unknown:
        raise ValueError(f"unknown water body {sorted(map(str, unknown))[0]!r}")
    return names != "river"


def _parameter_ranks(values: pd.DataFrame, lake: np.ndarray) -> np.ndarray:
    """The (rows × WATER_LIMITS) matrix of `parameter_class_rank`, 0 where a value is missing.

    For an upper limit the rank is 1 + the number of class limits the value exceeds (the limits rise, so those
    are the first ones; a value equal to a limit meets it); for DO, a lower bound, 1 + the number of limits above
    the value. TP takes the lake/reservoir limits on the rows where `lake` is set."""
    n = len(values)
    ranks = np.zeros((n, len(WATER_LIMITS)), dtype=np.int64)
    for j, (name, (lower_bound, limits)) in enumerate(WATER_LIMITS.items()):
        if name not in values:
            continue
        x = values[name].to_numpy(dtype=float, na_value=np.nan)
        bounds = np.broadcast_to(np.asarray(limits, dtype=float), (n, len(limits)))
        if name == "tp":
            bounds = np.where(lake[:, None], np.asarray(WATER_TP_LAKE_LIMITS, dtype=float), bounds)
        with np.errstate(invalid="ignore"):
            failed = (bounds > x[:, None]) if lower_bound else (bounds < x[:, None])
        ranks[:, j] = np.where(np.isnan(x), 0, 1 + failed.sum(axis=1))
    return ranks


def water_class_rank_frame(values: pd.DataFrame, *, water_body="river") -> pd.Series:
    """`water_class_rank` of every row at once (columns: parameter codes, NaN = not measured; others ignored).

    Returns an Int64 series: 1 = I … 6 = 劣V, NA for a row with no value. `water_body` is "river", "lake",
    "reservoir" or one of those per row.
    """
    worst = _parameter_ranks(values, _water_body_is_lake(water_body, len(values))).max(axis=1, initial=0)
    return pd.Series(worst, index=values.index, dtype="Int64").mask(worst == 0)


# limiting-factor text of each subset of WATER_LIMITS (bit j set = the j-th parameter), in table order
_FACTOR_TEXT = np.asarray(
    [",".join(n for j, n in enumerate(WATER_LIMITS) if code >> j & 1) for code in range(1 << len(WATER_LIMITS))],
    dtype=object,
)


def water_reading_assess_frame(values: pd.DataFrame, *, target_rank, water_body="river") -> pd.DataFrame:
    """`water_reading_assess` for every row at once (bulk upload); equal to the scalar one row by row (tested).

    `values` has parameter columns (NaN = not measured; TN and other columns are ignored: they never class a
    reading); `target_rank` and `water_body` are one value or one per row. Returns, on the same index, `rank`
    (Int64, NA when 数据不全 or empty), `compliant` (boolean, NA only for an empty reading), `complete` (bool) and
    `limiting_factors` (the 定类因子 joined by commas in table order, "" for class I or no class).
    """
    n = len(values)
    ranks = _parameter_ranks(values, _water_body_is_lake(water_body, n))
    present = ranks > 0
    names = list(WATER_LIMITS)
    complete = present[:, [names.index(p) for p in WATER_MIN_PARAMETERS]].all(axis=1)
    any_value = present.any(axis=1)
    worst = ranks.max(axis=1, initial=0)
    target = np.broadcast_to(np.asarray(target_rank, dtype=np.int64), (n,))
    deciding = present & (ranks == worst[:, None]) & (complete & (worst > 1))[:, None]
    codes = (deciding * (1 << np.arange(len(names)))).sum(axis=1)
    rank = pd.array(np.where(complete, worst, 0), dtype="Int64")
    compliant = pd.array(np.where(complete, worst <= target, False), dtype="boolean")
    compliant[~any_value] = pd.NA
    rank[~complete] = pd.NA
    return pd.DataFrame(
        {"rank": rank, "compliant": compliant, "complete": complete, "limiting_factors": _FACTOR_TEXT[codes]},
        index=values.index,
    )


def water_good_rate(class_ranks: pd.Series) -> float:
    """优良率 (%): share of classed values at I–III, to 0.1 point; NaN when nothing is classed."""
    ranks = class_ranks.dropna()
    if ranks.empty:
        return float("nan")
    return round_rate(float((ranks <= WATER_GOOD_MAX_RANK).mean() * 100))


def water_unit_compliance_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Rank units by compliance rate.

    `frame` has one row per section-month with columns `unit_id` and `compliant` (bool). Returns
    `unit_id, total, compliant, rate (%), rank` sorted best first; ties share the better rank (min method).
    """
    if frame.empty:
        return water_unit_compliance_rank(pd.DataFrame(columns=["unit_id", "total", "compliant"]))
    return water_unit_compliance_rank(
        frame.groupby("unit_id")["compliant"].agg(total="count", compliant="sum").reset_index()
    )


def water_unit_compliance_rank(counts: pd.DataFrame) -> pd.DataFrame:
    """`water_unit_compliance_ranking` from counts already made (by the database): one row per unit with
    `unit_id`, `total` (assessed section-months) and `compliant` (compliant ones); other columns are kept."""
    columns = ["unit_id", "total", "compliant", "rate", "rank"]
    extra = [c for c in counts.columns if c not in columns]
    if counts.empty:
        return pd.DataFrame(columns=[*columns, *extra])
    ranked = counts.astype({"total": int, "compliant": int})
    ranked["rate"] = round_rate(ranked["compliant"] / ranked["total"] * 100)
    ranked["rank"] = ranked["rate"].rank(ascending=False, method="min").astype(int)
    return ranked.sort_values(["rank", "unit_id"]).reset_index(drop=True)[[*columns, *extra]]


# --- water: period assessment and CWQI -----------------------------------------------------------------------
# 《地表水环境质量评价办法（试行）》(环办〔2011〕22号) §3: a section over a period (year, quarter, year to date) is
# assessed on the arithmetic mean of each parameter over the period's valid readings, classed like one reading.
# 《城市地表水环境质量排名技术规定（试行）》(环办监测〔2017〕51号): CWQI = Σ Cᵢ/Sᵢ over the parameters, Sᵢ the
# class III limit (湖库 TP 0.05); for DO the ratio is inverted, S_DO / C_DO. A unit's CWQI is the mean of its
# sections' CWQI; lower is cleaner and ranks first. This platform carries six of the 21 items, so its CWQI is
# lower than an official one in absolute terms, but every unit is measured on the same six.
CWQI_DIGITS = 2


def water_period_means(readings: pd.DataFrame) -> pd.DataFrame:
    """Mean of each parameter per `section_id` over the complete readings of `readings` (one row per reading,
    with `data_complete`); a mean is rounded to 3 decimals (the stored precision) before it is classed."""
    params = list(WATER_LIMITS)
    data = readings[readings["data_complete"].astype(bool)] if "data_complete" in readings else readings
    if data.empty:
        return pd.DataFrame(columns=["section_id", *params, "months"])
    means = data.groupby("section_id")[params].mean().apply(lambda col: round_gb8170(col, 3))
    means["months"] = data.groupby("section_id").size()
    return means.reset_index()


def cwqi(measurements: Mapping[str, float | None], *, water_body: str = "river") -> float | None:
    """A section's CWQI over the parameters present (see above); None when a minimum parameter is missing."""
    if not water_data_complete(measurements):
        return None
    total = 0.0
    for name, (lower_bound, limits) in water_limits(water_body).items():
        value = _value(measurements, name)
        if value is None:
            continue
        limit = limits[2]  # class III
        total += (limit / value if value > 0 else 0.0) if lower_bound else value / limit
    return round_gb8170(total, CWQI_DIGITS)


# --- air: trend test, HJ 663-2013 附录 (Spearman 秩相关系数法) -------------------------------------------------
# rs = 1 − 6 Σ dᵢ² / (n (n² − 1)), dᵢ the difference between the rank of period i and the rank of its value
# (ties get their mean rank). |rs| > Wp (the table's critical value for n periods, one-sided α = 0.05) is a
# significant trend: rs > 0 rising (worsening for a concentration), rs < 0 falling. At least 5 periods.
SPEARMAN_CRITICAL = {
    5: 0.900, 6: 0.829, 7: 0.714, 8: 0.643, 9: 0.600, 10: 0.564, 11: 0.523, 12: 0.497, 13: 0.475, 14: 0.457,
    15: 0.441, 16: 0.425, 17: 0.412, 18: 0.399, 19: 0.388, 20: 0.377, 21: 0.368, 22: 0.359, 23: 0.351,
    24: 0.343, 25: 0.336, 26: 0.329, 27: 0.323, 28: 0.317, 29: 0.311, 30: 0.305,
}  # fmt: skip
MIN_TREND_PERIODS = 5


@dataclass(frozen=True)
class Trend:
    rs: float | None
    n: int
    critical: float | None
    verdict: str  # "上升" / "下降" / "无显著变化" / "" (fewer than 5 periods)


def spearman_trend(values: Iterable[float | None]) -> Trend:
    """Spearman rank-correlation trend of a time series in period order (HJ 663-2013 附录); missing periods
    are dropped. Fewer than 5 periods → no verdict."""
    series = pd.Series([v for v in values if not _missing(v)], dtype=float)
    n = int(series.size)
    if n < MIN_TREND_PERIODS:
        return Trend(None, n, None, "")
    time_rank = np.arange(1, n + 1, dtype=float)
    value_rank = series.rank(method="average").to_numpy()
    d2 = float(((time_rank - value_rank) ** 2).sum())
    rs = round_gb8170(1 - 6 * d2 / (n * (n * n - 1)), 3)
    critical = SPEARMAN_CRITICAL.get(n, SPEARMAN_CRITICAL[30])
    verdict = "无显著变化" if abs(rs) <= critical else ("上升" if rs > 0 else "下降")
    return Trend(rs, n, critical, verdict)


# --- lakes and reservoirs: trophic state ------------------------------------------------------------------------
# 综合营养状态指数 TLI(Σ) = Σ Wⱼ·TLI(j), 《湖泊（水库）富营养化评价方法及分级技术规定》(中国环境监测总站 2001),
# which 《地表水环境质量评价办法（试行）》 §2.2 prescribes for lakes and reservoirs. Wⱼ = rᵢⱼ² / Σ rᵢⱼ² with the
# correlations to chlorophyll a of Chinese lakes: chla 1, TP 0.84, TN 0.82, SD −0.83, CODMn 0.83.
# Units: chla mg/m³, SD m, TP/TN/CODMn mg/L. All five are needed; otherwise there is no index.
TLI_R = {"chla": 1.0, "tp": 0.84, "tn": 0.82, "sd": -0.83, "codmn": 0.83}


def _tli_part(name: str, value: float) -> float:
    ln = math.log(value)
    return {
        "chla": 10 * (2.5 + 1.086 * ln),
        "tp": 10 * (9.436 + 1.624 * ln),
        "tn": 10 * (5.453 + 1.694 * ln),
        "sd": 10 * (5.118 - 1.94 * ln),
        "codmn": 10 * (0.109 + 2.661 * ln),
    }[name]


def trophic_state_index(measurements: Mapping[str, float | None]) -> tuple[float, str] | None:
    """TLI(Σ) to 0.1 and its grade (TLI < 30 贫营养 … > 70 重度富营养; a value on a bound takes the upper grade:
    30 ≤ TLI ≤ 50 中营养), or None when one of chla, TP, TN, SD, CODMn is missing or not positive."""
    present = {name: _value(measurements, name) for name in TLI_R}
    values: dict[str, float] = {name: v for name, v in present.items() if v is not None and v > 0}
    if len(values) < len(TLI_R):
        return None
    total_r2 = sum(r * r for r in TLI_R.values())
    tli = float(sum((r * r / total_r2) * _tli_part(name, values[name]) for name, r in TLI_R.items()))
    tli = round_gb8170(tli, 1)
    if tli < 30:
        return tli, "贫营养"
    if tli <= 50:
        return tli, "中营养"
    if tli <= 60:
        return tli, "轻度富营养"
    if tli <= 70:
        return tli, "中度富营养"
    return tli, "重度富营养"
