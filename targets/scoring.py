"""The assessment's scoring rules: pure functions over pandas frames, vectorised across units. No Django here.

The engine decides every fact a page shows, once per run:

- `score_items` scores each item × unit: the value *as compared* (rounded to the published precision: rates to
  0.1 point, concentrations to integers, the composite index to 2 decimals), whether the item applies (不涉及),
  the status (met / missed / 不涉及 / no data / no target), the points and the maximum.
- `rank_totals` adds per unit the totals — 折算 for items not applicable, caps on bonuses and deductions per area
  and overall, 一票否决 — the level rank and the improvement rank (competition ranking "1224").
- `assess_risks` projects every item × unit to the year end by how its indicator accrues (flow / stock ratio /
  count / level) and states, structured, the points already lost, the points at risk and the recovery need.
- `explain` and `need_text` render a row's explanation from those stored numbers (Chinese or English), so a county
  official can redo every number with a calculator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

HIGHER = "higher"
LOWER = "lower"

PROPORTIONAL = "proportional"
THRESHOLD = "threshold"
LINEAR = "linear"
DEDUCTION = "deduction"
BONUS = "bonus"
RANK = "rank"

# What 不涉及 (the unit has nothing to assess on this item) gives.
NA_FULL = "full"  # full marks
NA_RESCALE = "rescale"  # no points, and the unit's total is rescaled by its applicable maximum (折算)
NA_ZERO = "zero"  # no points, nothing rescaled

# How an indicator's value accrues over the year (decides the year-end projection and the recovery need).
FLOW = "flow"  # a period mean: good-day rate, PM2.5, section compliance — the rest of the year moves it slowly
STOCK = "stock"  # a stock ratio: closure, execution, completion rate — one act moves it at once
COUNT = "count"  # events counted over the year (rebounds): what happened stays
LEVEL = "level"  # a state on the day (items now red or overdue, stalled projects): fixing it removes it
MEAN = "mean"  # legacy aggregate names: mean → flow, sum → count
SUM = "sum"

# Status of an item × unit in a run (stored; readers never re-derive it).
MET = "met"
MISSED = "missed"
NOT_APPLICABLE = "na"
NO_DATA_STATUS = "no_data"
NO_TARGET = "no_target"
NEUTRAL = "neutral"  # bonus and rank items: neither met nor missed

# Recovery needs (structured: kind + amount; rendered by `need_text`).
NEED_CLOSE = "close"  # close N more items (integer)
NEED_PAY = "pay"  # pay X 万元 more
NEED_COMPLETE = "complete"  # finish N more objects (outlets) (integer)
NEED_REST_MEAN = "rest_mean"  # the remaining months' mean must reach X
NEED_REDUCE = "reduce"  # remove N items to get the first point back (need_total: to get all back)
NEED_NO_MORE = "no_more"  # no further occurrences this year
NEED_REACH = "reach"  # the value must reach the target
NEED_IMPOSSIBLE = "impossible"  # cannot be recovered this year

RULE_PARAMS: dict[str, dict[str, str]] = {
    PROPORTIONAL: {},
    THRESHOLD: {},
    LINEAR: {},
    DEDUCTION: {"per": "每次扣分（正数）", "cap": "最多扣分（正数）"},
    BONUS: {"per": "每项加分（正数）"},
    RANK: {"step": "每低一名减分（正数）"},
}
NO_DATA = "暂无数据"
NEEDS_TARGET = {PROPORTIONAL, THRESHOLD, LINEAR}
# Counting rules: no record means nothing happened (0 occurrences), not "no data".
COUNTING = {DEDUCTION, BONUS}


def validate_params(rule: str, params: dict) -> list[str]:
    """Problems with an item's parameters, in Chinese (empty list: valid)."""
    if rule not in RULE_PARAMS:
        return [f"未知的计分规则：{rule}"]
    if not isinstance(params, dict):
        return ["参数必须是 JSON 对象"]
    errors = []
    for name, label in RULE_PARAMS[rule].items():
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            errors.append(f"参数 {name}（{label}）必须是正数")
    extra = set(params) - set(RULE_PARAMS[rule])
    if extra:
        errors.append("多余的参数：" + "、".join(sorted(extra)))
    return errors


def default_precision(unit: str) -> int:
    """Decimals a value is published (and compared) at: rates 1, concentrations and counts 0, indices 2."""
    if unit == "%":
        return 1
    if unit in ("µg/m³", "μg/m³", "ug/m3", "项", "个", "次", "项次", "天"):
        return 0
    if unit == "mg/m³":
        return 1
    if unit == "万元":
        return 2
    return 2  # dimensionless: the composite index (综合指数) has 2 decimals


@dataclass(frozen=True)
class Item:
    """One assessment item as the engine sees it. Fields after `params` are optional (defaults keep old callers)."""

    item_id: int
    name: str  # the indicator's name, e.g. 优良天数率
    unit: str  # unit of measure, e.g. %
    direction: str  # higher | lower
    rule: str
    max_points: float
    params: dict
    na_policy: str = NA_ZERO  # what 不涉及 gives: full | rescale | zero
    veto: bool = False  # 一票否决: missing this item puts the unit below every unit that did not
    area: str = ""  # for caps per area
    accrual: str = FLOW  # flow | stock | count | level
    precision: int | None = None  # decimals compared and shown; None: by unit of measure
    recovery: str = ""  # the act that moves a stock ratio: close | pay | complete (else rest_mean / reach)
    name_en: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def digits(self) -> int:
        return default_precision(self.unit) if self.precision is None else int(self.precision)


def round_published(values, digits: int) -> np.ndarray:
    """Round half away from zero (四舍五入, as published), not to even; NaN stays NaN."""
    v = np.asarray(values, dtype=float)
    f = 10.0**digits
    with np.errstate(invalid="ignore"):
        return np.sign(v) * np.floor(np.abs(v) * f + 0.5 + 1e-9) / f


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    """A value as published: `digits` decimals, % glued, other units after a space."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def pts(value: float) -> str:
    return f"{value:.2f}"


def _meets(value: np.ndarray, target: np.ndarray, direction: str) -> np.ndarray:
    return value >= target if direction == HIGHER else value <= target


def meets(value: float, target: float, direction: str, digits: int) -> bool | None:
    """Whether one value meets its target, compared at the published precision (the engine's rule; readers of live
    values that have no run, like the waste-free table, ask here instead of comparing themselves)."""
    if value is None or target is None or math.isnan(value) or math.isnan(target):
        return None
    v, t = round_published([value, target], digits)
    return bool(_meets(np.array([v]), np.array([t]), direction)[0])


def _improving_side(target: np.ndarray, baseline: np.ndarray, direction: str) -> np.ndarray:
    """True where the target lies beyond the baseline in the good direction (a linear span makes sense)."""
    return target > baseline if direction == HIGHER else target < baseline


# --- the rules: points only, vectorised (explanations are rendered on read) -------------------------
def _r2(x) -> np.ndarray:
    """Points to 2 decimals, half up (as a county official rounds on a calculator)."""
    return round_published(x, 2)


def _points(item: Item, v: np.ndarray, t: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = float(item.max_points)
    with np.errstate(divide="ignore", invalid="ignore"):
        if item.rule == PROPORTIONAL:
            if item.direction == HIGHER:
                ratio = np.where(t > 0, v / t, np.where(v >= t, 1.0, 0.0))
            else:  # lower is better: at or below target full points, above it target/value
                ratio = np.where(v <= t, 1.0, np.where(v > 0, t / v, 1.0))
            return _r2(m * np.clip(ratio, 0.0, 1.0))
        if item.rule == THRESHOLD:
            return np.where(_meets(v, t, item.direction), m, 0.0)
        if item.rule == LINEAR:
            # full at or beyond the target; between baseline and target in proportion; a baseline that already
            # beats the target (a relaxed target) or none at all makes it full-or-zero, so points never fall as
            # the value improves
            meets = _meets(v, t, item.direction)
            span_ok = _improving_side(t, b, item.direction) & ~np.isnan(b)
            frac = np.where(span_ok, (v - b) / (t - b), 0.0)
            frac = np.where(meets, 1.0, np.where(span_ok, np.clip(frac, 0.0, 1.0), 0.0))
            return _r2(m * frac)
        if item.rule == DEDUCTION:
            per, cap = float(item.params["per"]), float(item.params["cap"])
            n = np.clip(np.nan_to_num(v), 0, None)
            return _r2(m - np.minimum(n * per, cap))
        if item.rule == BONUS:
            per = float(item.params["per"])
            n = np.clip(np.nan_to_num(v), 0, None)
            return _r2(np.minimum(n * per, m))
    raise ValueError(f"unknown rule {item.rule}")


def competition_rank(values: pd.Series, *, ascending: bool) -> pd.Series:
    """Rank "1224": ties share the best place, the next place is skipped; NaN stays unranked."""
    return values.rank(method="min", ascending=ascending).astype("Int64")


SCORE_COLUMNS = [
    "item_id",
    "unit_id",
    "raw_value",
    "value",
    "target",
    "baseline",
    "applicable",
    "status",
    "points",
    "max_points",
    "item_rank",
    "detail",
    "na_reason",
]


def score_item(item: Item, frame: pd.DataFrame, *, explain_rows: bool = True) -> pd.DataFrame:
    """Score one item for every unit in `frame` (unit_id, value, target, baseline[, detail, no_source,
    applicable, na_reason]).

    `raw_value` is the source's value, `value` the compared one (rounded to the published precision); the target
    and baseline are rounded the same way. A unit without a value scores 0 ("暂无数据"); a rule that needs a target
    scores 0 without one; a unit marked not applicable (`applicable` False) is scored by the item's 不涉及 policy.
    """
    df = frame.reset_index(drop=True)
    n = len(df)

    def col(name, default):
        return df[name] if name in df else pd.Series([default] * n, index=df.index, dtype=object)

    raw = pd.to_numeric(col("value", np.nan), errors="coerce").to_numpy(float)
    digits = item.digits
    v = round_published(raw, digits)
    t = round_published(pd.to_numeric(col("target", np.nan), errors="coerce").to_numpy(float), digits)
    b = round_published(pd.to_numeric(col("baseline", np.nan), errors="coerce").to_numpy(float), digits)
    applicable = col("applicable", True).fillna(True).astype(bool).to_numpy()
    if item.rule in COUNTING:
        # no row = nothing happened; only a source that does not exist at all (`no_source`) is "no data"
        missing = col("no_source", False).fillna(False).astype(bool).to_numpy()
        v = np.where(np.isnan(v) & ~missing, 0.0, v)
    else:
        missing = np.isnan(v)
    no_target = ~missing & np.isnan(t) if item.rule in NEEDS_TARGET else np.zeros(n, bool)
    usable = applicable & ~missing & ~no_target
    points = np.zeros(n)
    item_rank = np.full(n, np.nan)
    if item.rule == RANK:
        step = float(item.params["step"])
        ranks = competition_rank(pd.Series(np.where(usable, v, np.nan)), ascending=item.direction == LOWER)
        r = ranks.to_numpy(dtype=float, na_value=np.nan)
        points = np.nan_to_num(_r2(np.clip(item.max_points - (r - 1) * step, 0, None)))
        item_rank = r
    elif usable.any():
        points[usable] = _points(item, v[usable], t[usable], b[usable])
    status = np.full(n, NEUTRAL, dtype=object)
    if item.rule in NEEDS_TARGET:
        status[usable] = np.where(_meets(v[usable], t[usable], item.direction), MET, MISSED)
    elif item.rule == DEDUCTION:
        status[usable] = np.where(points[usable] >= item.max_points - 1e-9, MET, MISSED)
    status[no_target & applicable] = NO_TARGET
    status[missing & applicable] = NO_DATA_STATUS
    status[~applicable] = NOT_APPLICABLE
    if item.na_policy == NA_FULL:
        points[~applicable] = float(item.max_points) if item.rule != BONUS else 0.0
    else:
        points[~applicable] = 0.0
    out = pd.DataFrame(
        {
            "item_id": item.item_id,
            "unit_id": df["unit_id"].astype(int).to_numpy(),
            "raw_value": raw,
            "value": np.where(missing, np.nan, v),
            "target": t,
            "baseline": b,
            "applicable": applicable,
            "status": status,
            "points": _r2(points),
            "max_points": float(item.max_points),
            "item_rank": item_rank,
            "detail": col("detail", "").fillna("").astype(str).to_numpy(),
            "na_reason": col("na_reason", "").fillna("").astype(str).to_numpy(),
        }
    )
    if explain_rows:
        ranked = int(np.sum(~np.isnan(item_rank)))
        out["explanation"] = [explain(item, r, ranked_count=ranked) for r in out.to_dict("records")]
    return out


def score_items(
    items: list[Item], values: pd.DataFrame, unit_ids: list[int], *, explain_rows: bool = True
) -> pd.DataFrame:
    """Score every item for every unit. `values`: item_id, unit_id, value, target, baseline, detail
    [, applicable, na_reason, no_source].

    Units without a row for an item are scored as "no data" (or zero occurrences for counting rules).
    `explain_rows=False` skips the per-row Chinese text (a run stores numbers; pages render the text).
    """
    grid = pd.MultiIndex.from_product([[i.item_id for i in items], list(unit_ids)], names=["item_id", "unit_id"])
    full = (
        values.set_index(["item_id", "unit_id"]).reindex(grid).reset_index()
        if len(values)
        else grid.to_frame(index=False)
    )
    parts = []
    by_item = dict(tuple(full.groupby("item_id", sort=False)))
    for item in items:
        parts.append(score_item(item, by_item[item.item_id], explain_rows=explain_rows))
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS + (["explanation"] if explain_rows else []))
    return pd.concat(parts, ignore_index=True)


# --- totals: 折算, caps, veto, ranks -----------------------------------------------------------------
def unit_totals(scores: pd.DataFrame, items: list[Item], caps: Mapping | None = None) -> pd.DataFrame:
    """Per unit: base points (rescaled by 折算), bonus and deductions after caps, veto and the total.

    `caps`: {"bonus": {"overall": 5, "<area>": 2}, "deduction": {"overall": 10, "<area>": 3}} (each optional).
    The base is every item that is not a bonus, with deduction items counted at their maximum; 折算 multiplies it
    by (maximum of all base items) ÷ (maximum of the applicable ones) when a unit has items marked 不涉及 with the
    rescale policy. Deductions (what deduction items lost) and bonuses are then capped per area, then overall.
    """
    caps = caps or {}
    meta = pd.DataFrame(
        [(i.item_id, i.rule, i.area, i.na_policy, i.veto) for i in items],
        columns=["item_id", "rule", "area", "na_policy", "veto"],
    )
    df = scores.merge(meta, on="item_id", how="left")
    if "max_points" not in df:
        df["max_points"] = df["item_id"].map({i.item_id: float(i.max_points) for i in items})
    if "applicable" not in df:
        df["applicable"] = True
    if "status" not in df:
        df["status"] = NEUTRAL
    is_bonus = df["rule"] == BONUS
    is_ded = df["rule"] == DEDUCTION
    base = ~is_bonus
    rescaled_out = base & ~df["applicable"].astype(bool) & (df["na_policy"] == NA_RESCALE)
    df["base_points"] = np.where(base, np.where(is_ded, df["max_points"], df["points"]), 0.0)
    df["full_max"] = np.where(base, df["max_points"], 0.0)
    df["app_max"] = np.where(base & ~rescaled_out, df["max_points"], 0.0)
    df["lost"] = np.where(is_ded, df["max_points"] - df["points"], 0.0)
    df["bonus"] = np.where(is_bonus, df["points"], 0.0)
    df["vetoed"] = df["veto"].fillna(False).astype(bool) & (df["status"] == MISSED)
    g = df.groupby("unit_id")
    out = g[["base_points", "full_max", "app_max"]].sum()
    out["scale"] = np.where(
        (out["app_max"] > 0) & (out["app_max"] < out["full_max"] - 1e-9), out["full_max"] / out["app_max"], 1.0
    )
    out["base"] = (out["base_points"] * out["scale"]).round(2)

    def capped(column: str, kind: str) -> tuple[pd.Series, pd.Series]:
        by_area = df.groupby(["unit_id", "area"])[column].sum().unstack(fill_value=0.0)
        raw = by_area.sum(axis=1)
        limits = caps.get(kind, {}) or {}
        for area in by_area.columns:
            if area in limits:
                by_area[area] = by_area[area].clip(upper=float(limits[area]))
        total = by_area.sum(axis=1)
        if "overall" in limits:
            total = total.clip(upper=float(limits["overall"]))
        return total.reindex(out.index).fillna(0.0).round(2), raw.reindex(out.index).fillna(0.0).round(2)

    out["bonus"], out["bonus_raw"] = capped("bonus", "bonus")
    out["deduction"], out["deduction_raw"] = capped("lost", "deduction")
    out["vetoed"] = g["vetoed"].any()
    out["total"] = (out["base"] + out["bonus"] - out["deduction"]).round(2)
    return out.reset_index()[
        ["unit_id", "total", "base", "scale", "bonus", "bonus_raw", "deduction", "deduction_raw", "vetoed"]
    ]


def rank_totals(
    scores: pd.DataFrame,
    previous_totals: pd.Series | None = None,
    items: list[Item] | None = None,
    caps: Mapping | None = None,
) -> pd.DataFrame:
    """Per unit: total, level rank (highest total first; a vetoed unit after every unit that was not) and
    improvement rank against `previous_totals` (the same date last year). Ties share a place ("1224").

    Without `items` the total is the plain sum of points (no 折算, caps or veto).
    """
    if items:
        totals = unit_totals(scores, items, caps).set_index("unit_id")
    else:
        totals = scores.groupby("unit_id")["points"].sum().round(2).rename("total").to_frame()
        totals["vetoed"] = False
    # rank by (not vetoed, total): vetoed units share the places after all the others
    key = totals["total"] - np.where(totals["vetoed"], 1e9, 0.0)
    totals["rank"] = competition_rank(key, ascending=False)
    prev = previous_totals if previous_totals is not None else pd.Series(dtype=float)
    totals["previous_total"] = prev.reindex(totals.index).astype(float)
    totals["improvement"] = (totals["total"] - totals["previous_total"]).round(2)
    totals["improvement_rank"] = competition_rank(totals["improvement"], ascending=False)
    return totals.reset_index()


# --- explanations, rendered from the stored numbers ---------------------------------------------------
_T = {
    "zh": {
        "na_full": "{name}：不涉及{why}，按满分计 {p} 分",
        "na_rescale": "{name}：不涉及{why}，不计分，总分按适用项满分折算",
        "na_zero": "{name}：不涉及{why}，得 0.00 分",
        "no_data": "{name}：暂无数据，得 0.00 分",
        "no_target": "{name} {v}，未设定目标值，得 0.00 分",
        "prop_full": "{name} {v}，目标 {t}，达到目标，得满分 {p} 分",
        "prop": "{name} {v}，目标 {t}，按比例得 {p} 分（{m} × {a0} ÷ {b0}）",
        "thr_met": "{name} {v}，目标 {w} {t}，达标得 {p} 分",
        "thr_missed": "{name} {v}，目标 {w} {t}，未达标得 0.00 分",
        "lin_nobase": "{name} {v}，目标 {t}，无基数按达标计，得 {p} 分",
        "lin_relaxed": "{name} {v}，基数 {b} 已优于目标 {t}，按是否达标计，得 {p} 分",
        "lin": "{name} {v}，基数 {b}、目标 {t}，按完成进度得 {p} 分",
        "lin_formula": "（{m} × ({v0} − {b0}) ÷ ({t0} − {b0})）",
        "ded": "{name} {n} {u}，每{u}扣 {per} 分、最多扣 {cap} 分，{base}扣 {lost} 分{capped}，得 {p} 分",
        "ded_base": "满分 {m}，",
        "ded_capped": "（已达扣分上限）",
        "bonus": "{name} {n} {u}，每{u}加 {per} 分、最多加 {m} 分，加 {p} 分",
        "rank": "{name} {v}，在 {count} 个单位中排第 {r} 名，第 1 名得 {m} 分、每低一名减 {step} 分，得 {p} 分",
        "veto": "；该项为一票否决项，未达标，排名列于未被否决的单位之后",
        "detail": "（{d}）",
    },
    "en": {
        "na_full": "{name}: not applicable{why}, full marks {p}",
        "na_rescale": "{name}: not applicable{why}, not scored; the total is rescaled to the applicable maximum",
        "na_zero": "{name}: not applicable{why}, 0.00 points",
        "no_data": "{name}: no data, 0.00 points",
        "no_target": "{name} {v}, no target set, 0.00 points",
        "prop_full": "{name} {v}, target {t}, target reached: full marks {p}",
        "prop": "{name} {v}, target {t}, proportional: {p} points ({m} × {a0} ÷ {b0})",
        "thr_met": "{name} {v}, target {w} {t}, met: {p} points",
        "thr_missed": "{name} {v}, target {w} {t}, missed: 0.00 points",
        "lin_nobase": "{name} {v}, target {t}, no baseline so scored as met or not: {p} points",
        "lin_relaxed": "{name} {v}, baseline {b} already beats target {t}, scored as met or not: {p} points",
        "lin": "{name} {v}, baseline {b}, target {t}, by progress: {p} points",
        "lin_formula": " ({m} × ({v0} − {b0}) ÷ ({t0} − {b0}))",
        "ded": "{name} {n}, {per} off each, at most {cap}, {base}{lost} deducted{capped}: {p} points",
        "ded_base": "maximum {m}, ",
        "ded_capped": " (deduction cap reached)",
        "bonus": "{name} {n}, {per} each, at most {m}: {p} points added",
        "rank": "{name} {v}, place {r} of {count}; first place {m}, {step} less per place: {p} points",
        "veto": "; a veto item (一票否决) was missed: ranked after every unit not vetoed",
        "detail": " ({d})",
    },
}


def _num(x) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return f


def explain(item: Item, row: Mapping, lang: str = "zh", ranked_count: int | None = None) -> str:
    """The explanation of one item × unit, from the stored numbers: it shows exactly the compared value."""
    T = _T["en" if lang.startswith("en") else "zh"]
    name = (item.name_en or item.name) if lang.startswith("en") else item.name
    d = item.digits
    v, t, b = _num(row.get("value")), _num(row.get("target")), _num(row.get("baseline"))
    p, m = _num(row.get("points")), float(item.max_points)
    status = row.get("status") or NEUTRAL
    word = "≥" if item.direction == HIGHER else "≤"
    kw = {"name": name, "v": fmt(v, item.unit, d), "t": fmt(t, item.unit, d), "b": fmt(b, item.unit, d)}
    kw.update(p=pts(p), m=pts(m), w=word, u=item.unit if item.unit in ("项", "个", "起", "次", "项次") else "项")
    reason = str(row.get("na_reason") or "")
    if status == NOT_APPLICABLE:
        why = (f"（{reason}）" if not lang.startswith("en") else f" ({reason})") if reason else ""
        key = {NA_FULL: "na_full", NA_RESCALE: "na_rescale"}.get(item.na_policy, "na_zero")
        text = T[key].format(why=why, **kw)
    elif status == NO_DATA_STATUS:
        text = T["no_data"].format(**kw)
    elif status == NO_TARGET:
        text = T["no_target"].format(**kw)
    elif item.rule == PROPORTIONAL:
        f = f"{{:.{d}f}}"
        # higher is better: max × value ÷ target; lower is better: max × target ÷ value
        a0, b0 = (v, t) if item.direction == HIGHER else (t, v)
        text = T["prop_full" if status == MET else "prop"].format(a0=f.format(a0), b0=f.format(b0), **kw)
    elif item.rule == THRESHOLD:
        text = T["thr_met" if status == MET else "thr_missed"].format(**kw)
    elif item.rule == LINEAR:
        if math.isnan(b):
            text = T["lin_nobase"].format(**kw)
        elif not bool(_improving_side(np.array([t]), np.array([b]), item.direction)[0]):
            text = T["lin_relaxed"].format(**kw)
        else:
            text = T["lin"].format(**kw)
            if status != MET and p > 0:
                f = f"{{:.{d}f}}"
                text += T["lin_formula"].format(m=pts(m), v0=f.format(v), b0=f.format(b), t0=f.format(t))
    elif item.rule == DEDUCTION:
        per, cap = float(item.params["per"]), float(item.params["cap"])
        n = 0.0 if math.isnan(v) else v
        kw.update(n=f"{n:g}", per=f"{per:g}", cap=f"{cap:g}", lost=pts(m - p))
        kw.update(base=T["ded_base"].format(m=pts(m)) if m else "", capped=T["ded_capped"] if n * per > cap else "")
        text = T["ded"].format(**kw)
    elif item.rule == BONUS:
        n = 0.0 if math.isnan(v) else v
        text = T["bonus"].format(n=f"{n:g}", per=f"{float(item.params['per']):g}", **kw)
    elif item.rule == RANK:
        r = _num(row.get("item_rank"))
        count = ranked_count if ranked_count is not None else _num(row.get("ranked_count"))
        kw.update(r="—" if math.isnan(r) else f"{int(r)}", count=f"{int(count)}" if count == count else "—")
        text = T["rank"].format(step=f"{float(item.params['step']):g}", **kw)
    else:
        text = f"{name} {kw['v']}: {kw['p']}"
    if item.veto and status == MISSED:
        text += T["veto"]
    detail = str(row.get("detail") or "")
    if detail:
        text += T["detail"].format(d=detail)
    return text


# --- deduction risk (扣分风险) ---------------------------------------------------------------------
def year_end_projection(ytd: float, months_elapsed: float, aggregate: str) -> float:
    """Year-end value if the rest of the year goes like the part so far.

    A flow, stock or level stays where it is; a count grows in proportion, in whole occurrences
    (floor(ytd × 12 / months)): no fractional items.
    """
    if math.isnan(ytd) or months_elapsed <= 0:
        return float("nan")
    if aggregate in (SUM, COUNT):
        return float(math.floor(ytd * 12.0 / months_elapsed + 1e-9))
    return ytd


def required_rest(ytd: float, target: float, months_elapsed: float) -> float:
    """The mean the remaining months need so that the year's mean meets `target`."""
    rest = 12.0 - months_elapsed
    if rest <= 0:
        return float("nan")
    return (target * 12.0 - ytd * months_elapsed) / rest


def _accrual_of(item: Item, aggregate) -> str:
    if aggregate in (SUM, COUNT):
        return COUNT
    if aggregate in (FLOW, STOCK, LEVEL):
        return aggregate
    return item.accrual


RISK_COLUMNS = [
    "item_id",
    "unit_id",
    "projected",
    "projected_points",
    "best_points",
    "points_lost",
    "points_at_risk",
    "need_kind",
    "need_amount",
    "need_total",
]


def assess_risks(frame: pd.DataFrame, items: list[Item], months_elapsed: float) -> pd.DataFrame:
    """For every item × unit: the year-end projection by accrual kind, the points already lost, the points at
    risk and the recovery need. Vectorised per item (one pass of numpy per item, no loop over units).

    `frame`: item_id, unit_id, value (year to date, as compared), target, baseline, points (the run's), and
    optionally `months` (the months a value covers; default `months_elapsed`), `num`/`den` (a stock ratio's
    numerator and denominator: items closed / due, 万元 paid / allocated, outlets done / registered),
    `applicable`, `aggregate` (flow|stock|count|level, or legacy mean|sum: overrides the item's accrual).

    - points_lost = max − points of the best reachable year end (what no effort can bring back);
    - points_at_risk = best − projected points (what the trend loses but action can still save);
    - need: flow → the mean the remaining months need (rounded to the published precision in the safe
      direction); stock → the whole items (close/complete) or the money (pay) to reach the target; level
      deduction → the items to remove for the first point back (need_amount) and for all (need_total), exact at a
      cap; count → no further occurrences.
    """
    by_id = {i.item_id: i for i in items}
    parts = []
    for item_id, df in frame.groupby("item_id", sort=False):
        item = by_id.get(item_id)
        if item is None:
            continue
        parts.append(_risk_of_item(item, df.reset_index(drop=True), months_elapsed))
    if not parts:
        return pd.DataFrame(columns=RISK_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _risk_of_item(item: Item, df: pd.DataFrame, months_elapsed: float) -> pd.DataFrame:
    n = len(df)
    nan = np.full(n, np.nan)

    def col(name):
        return pd.to_numeric(df[name], errors="coerce").to_numpy(float) if name in df else nan.copy()

    aggregate = df["aggregate"].iloc[0] if "aggregate" in df and df["aggregate"].notna().any() else None
    kind = _accrual_of(item, aggregate)
    d = item.digits
    raw = col("value")
    v = round_published(raw, d)
    t = round_published(col("target"), d)
    b = round_published(col("baseline"), d)
    months = (
        np.clip(np.nan_to_num(col("months"), nan=months_elapsed), 0, 12.0)
        if "months" in df
        else np.full(n, months_elapsed)
    )
    m = float(item.max_points)
    points = col("points")
    applicable = df["applicable"].fillna(True).astype(bool).to_numpy() if "applicable" in df else np.ones(n, bool)
    # columns as arrays, one frame at the end (a frame's column assignment costs more than the arithmetic here)
    out: dict[str, Any] = {
        "item_id": np.full(n, item.item_id),
        "unit_id": df["unit_id"].astype(int).to_numpy(),
        "projected": nan,
        "projected_points": points,
        "best_points": points,
        "points_lost": np.where(np.isnan(points), 0.0, np.round(np.clip(m - np.nan_to_num(points), 0, None), 2)),
        "points_at_risk": np.zeros(n),
        "need_kind": np.full(n, "", dtype=object),
        "need_amount": nan,
        "need_total": nan,
    }
    if item.rule in (BONUS, RANK):
        out["points_lost"] = np.zeros(n)
        return pd.DataFrame(out)  # a bonus cannot lose points; a rank depends on others' results
    has = applicable & ~np.isnan(v) & ~np.isnan(points)
    if item.rule in NEEDS_TARGET:
        has &= ~np.isnan(t)
    done = months >= 12.0 - 1e-9  # the whole year is known: nothing is at risk, what is lost is lost
    rest = 12.0 - months
    if item.rule == DEDUCTION:
        per, cap = float(item.params["per"]), float(item.params["cap"])
        now = np.clip(np.nan_to_num(v), 0, None)
        if kind == LEVEL:
            projected = now
            best = np.zeros(n)
        else:  # a count of events: what happened stays, the trend adds whole occurrences
            with np.errstate(divide="ignore", invalid="ignore"):
                projected = np.where(months > 0, np.floor(now * 12.0 / np.where(months > 0, months, 1) + 1e-9), now)
            projected = np.where(done, now, np.maximum(projected, now))
            best = now
        proj_pts = np.round(m - np.minimum(projected * per, cap), 2)
        best_pts = np.round(m - np.minimum(best * per, cap), 2)
        if kind == LEVEL:
            best_pts = np.where(done, np.round(m - np.minimum(now * per, cap), 2), best_pts)
        out["projected"] = np.where(has, projected, np.nan)
        out["projected_points"] = np.where(has, proj_pts, points)
        out["best_points"] = np.where(has, best_pts, points)
        lost_now = np.minimum(now * per, cap)
        if kind == LEVEL:
            # the first point back: the smallest k with min((n − k) × per, cap) < current deduction
            first = now - np.ceil(lost_now / per - 1e-9) + 1
            out["need_kind"] = np.where(has & (lost_now > 0) & ~done, NEED_REDUCE, "")
            out["need_amount"] = np.where(has & (lost_now > 0) & ~done, np.clip(first, 1, None), np.nan)
            out["need_total"] = np.where(has & (lost_now > 0) & ~done, now, np.nan)
        else:
            more = has & (proj_pts < best_pts - 1e-9)
            out["need_kind"] = np.where(more, NEED_NO_MORE, "")
    else:
        direction = item.direction
        if kind == FLOW:
            projected = v
            top = 100.0 if item.unit == "%" else np.inf
            extreme = top if direction == HIGHER else 0.0
            with np.errstate(invalid="ignore"):
                best = np.where(done, v, round_published((raw * months + extreme * rest) / 12.0, d))
            # the remaining months' mean that brings the year's mean to the target, from the unrounded mean so far
            need = np.where(rest > 0, (t * 12.0 - raw * months) / np.where(rest > 0, rest, 1), np.nan)
            f = 10.0**d
            need = np.ceil(need * f - 1e-9) / f if direction == HIGHER else np.floor(need * f + 1e-9) / f
            feasible = (need <= top) if direction == HIGHER else (need >= 0)
            need_kind = np.where(feasible, NEED_REST_MEAN, NEED_IMPOSSIBLE)
            need_amount = np.where(feasible, need, np.nan)
            need_total = rest  # the remaining months
        elif kind == STOCK:
            projected = v
            num, den = col("num"), col("den")
            known = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
            best = np.where(known, 100.0, np.where(direction == HIGHER, np.inf, 0.0)) if item.unit == "%" else v
            best = np.where(done, v, best)
            if item.recovery == NEED_PAY:
                amount = np.ceil((t / 100.0 * den - num) * 100 - 1e-6) / 100
                feasible = known
                need_kind = np.where(known, NEED_PAY, NEED_REACH)
            else:
                amount = np.ceil(t / 100.0 * den - num - 1e-9)
                feasible = known & (amount <= den - num)
                kind_code = item.recovery or NEED_CLOSE
                need_kind = np.where(feasible, kind_code, np.where(known, NEED_IMPOSSIBLE, NEED_REACH))
            need_amount = np.where(known, np.clip(amount, 0, None), t)
            need_amount = np.where(need_kind == NEED_IMPOSSIBLE, np.nan, need_amount)
            need_total = nan
        else:  # level: stays where it is; the value itself must reach the target
            projected = v
            best = np.where(done, v, t)
            need_kind = np.full(n, NEED_REACH, dtype=object)
            need_amount = t
            need_total = nan
        proj_pts = _points(item, projected, t, b) if n else projected
        best_pts = _points(item, np.where(np.isnan(best), projected, best), t, b) if n else best
        out["projected"] = np.where(has, projected, np.nan)
        out["projected_points"] = np.where(has, proj_pts, points)
        out["best_points"] = np.where(has, best_pts, points)
        short = has & (proj_pts < m - 1e-9) & ~done
        out["need_kind"] = np.where(short, need_kind, "")
        out["need_amount"] = np.where(short, need_amount, np.nan)
        out["need_total"] = np.where(short, need_total, np.nan)
    pp, bp = np.asarray(out["projected_points"], dtype=float), np.asarray(out["best_points"], dtype=float)
    out["points_lost"] = np.where(has, np.round(np.clip(m - bp, 0, None), 2), out["points_lost"])
    out["points_at_risk"] = np.where(has & ~done, np.round(np.clip(bp - pp, 0, None), 2), 0.0)
    kinds = np.asarray(out["need_kind"], dtype=object).copy()
    lost = np.asarray(out["points_lost"], dtype=float)
    kinds[~has] = ""
    kinds[has & done] = np.where(lost[has & done] > 0, NEED_IMPOSSIBLE, "")
    out["need_kind"] = kinds
    none = np.isin(kinds, ["", NEED_IMPOSSIBLE])
    out["need_amount"] = np.where(none, np.nan, np.asarray(out["need_amount"], dtype=float))
    out["need_total"] = np.where(none, np.nan, np.asarray(out["need_total"], dtype=float))
    return pd.DataFrame(out)


_NEED = {
    "zh": {
        NEED_CLOSE: "再销号 {a} 项",
        NEED_PAY: "再支付 {a} 万元",
        NEED_COMPLETE: "再完成 {a} 个排污口",
        NEED_REST_MEAN: "剩余{months}{name}均值 {w} {a}",
        NEED_REDUCE: "再减少 {a} 项可少扣分，减少 {total} 项不再扣分",
        NEED_NO_MORE: "今后不再新增即可保住",
        NEED_REACH: "{name}须 {w} {a}",
        NEED_IMPOSSIBLE: "本年度已无法挽回",
    },
    "en": {
        NEED_CLOSE: "close {a} more items",
        NEED_PAY: "pay {a} 10k yuan more",
        NEED_COMPLETE: "finish {a} more outlets",
        NEED_REST_MEAN: "{name} mean of the remaining {months} {w} {a}",
        NEED_REDUCE: "remove {a} items to lose less, {total} to lose nothing",
        NEED_NO_MORE: "no further occurrences this year",
        NEED_REACH: "{name} must be {w} {a}",
        NEED_IMPOSSIBLE: "cannot be recovered this year",
    },
}


def need_text(item: Item, kind: str, amount: float | None, total: float | None = None, lang: str = "zh") -> str:
    """The recovery need as a sentence, from its stored kind and amount."""
    if not kind:
        return ""
    T = _NEED["en" if lang.startswith("en") else "zh"]
    name = (item.name_en or item.name) if lang.startswith("en") else item.name
    amt = _num(amount)
    word = "≥" if item.direction == HIGHER else "≤"
    if kind == NEED_PAY:
        a = f"{amt:,.2f}"
    elif kind in (NEED_CLOSE, NEED_COMPLETE, NEED_REDUCE):
        a = f"{int(amt)}" if amt == amt else "—"
    else:
        a = fmt(amt, item.unit, item.digits)
    tot = _num(total)
    en = lang.startswith("en")
    if kind == NEED_REST_MEAN:
        if tot != tot:
            months = "months" if en else "月份"
        elif tot < 1:
            months = "month (less than one)" if en else "不足 1 个月"
        else:
            months = f"{tot:.0f} months" if en else f" {tot:.0f} 个月"
    else:
        months = ""
    total_text = f"{int(tot)}" if tot == tot else "—"
    return T.get(kind, kind).format(a=a, name=name, w=word, total=total_text, months=months)


def deduction_risks(frame: pd.DataFrame, items: list[Item], months_elapsed: float) -> pd.DataFrame:
    """The flagged rows of `assess_risks` (points lost or at risk), with the recovery need as `advice`.

    Kept for callers of the old API: `frame` as for `assess_risks`; when it has no `points` column they are
    scored here from the value.
    """
    cols = ["item_id", "unit_id", "projected", "projected_points", "max_points", "points_at_risk", "advice"]
    df = frame.copy()
    if "points" not in df:
        scored = []
        by_id = {i.item_id: i for i in items}
        for item_id, g in df.groupby("item_id", sort=False):
            if item_id in by_id:
                s = score_item(by_id[item_id], g, explain_rows=False)
                scored.append(s[["item_id", "unit_id", "points"]])
        if scored:
            df = df.merge(pd.concat(scored), on=["item_id", "unit_id"], how="left")
    risks = assess_risks(df, items, months_elapsed)
    if risks.empty:
        return pd.DataFrame(columns=cols)
    flagged = risks[(risks["points_at_risk"] > 0) | ((risks["points_lost"] > 0) & (risks["need_kind"] != ""))]
    by_id = {i.item_id: i for i in items}
    flagged = flagged.assign(
        max_points=[float(by_id[i].max_points) for i in flagged["item_id"]],
        advice=[
            need_text(by_id[i], k, a, t)
            for i, k, a, t in zip(
                flagged["item_id"], flagged["need_kind"], flagged["need_amount"], flagged["need_total"], strict=True
            )
        ],
    )
    return flagged[cols].reset_index(drop=True)
