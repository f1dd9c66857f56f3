"""National standards as pure functions (no Django import): easy to test against the standards' own tables."""

from __future__ import annotations

# --- water: GB 3838-2002 ---------------------------------------------------------------------------
# 《地表水环境质量标准》GB 3838-2002, Table 1 (基本项目标准限值), the six parameters the sections report.
# Single-factor assessment: each parameter gets the best class whose limit it meets; the section's class is the
# worst of those. DO is a lower bound (≥), the rest are upper bounds (≤). Where two classes share a limit (COD and
# BOD5 for I and II) the value meets the better class first, so it is class I.
from collections.abc import Mapping

import pandas as pd

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
