"""The assessment's scoring rules: pure functions over pandas frames, vectorised across units. No Django here.

Every rule takes one item's row of parameters and a frame with one row per unit (`unit_id`, `value`, `target`,
`baseline`) and returns `points` and a Chinese `explanation` a county official can check by hand. `score_items`
applies the rules for a whole scheme; `rank_totals` adds totals, level ranks and improvement ranks
(competition ranking "1224": equal totals share a place, the next place is skipped).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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

# Required parameters per rule, with their validators: (name, description, check).
RULE_PARAMS: dict[str, dict[str, str]] = {
    PROPORTIONAL: {},
    THRESHOLD: {},
    LINEAR: {},
    DEDUCTION: {"per": "每次扣分（正数）", "cap": "最多扣分（正数）"},
    BONUS: {"per": "每项加分（正数）"},
    RANK: {"step": "每低一名减分（正数）"},
}
NO_DATA = "暂无数据"


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


@dataclass(frozen=True)
class Item:
    """One assessment item as the engine sees it."""

    item_id: int
    name: str  # the indicator's name, e.g. 优良天数率
    unit: str  # unit of measure, e.g. %
    direction: str  # higher | lower
    rule: str
    max_points: float
    params: dict


def fmt(value: float, unit: str = "") -> str:
    """A value as a county official writes it: one decimal, % glued, other units after a space."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.1f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def pts(value: float) -> str:
    return f"{value:.2f}"


def _meets(value: np.ndarray, target: np.ndarray, direction: str) -> np.ndarray:
    return value >= target if direction == HIGHER else value <= target


def _proportional(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    v, t = df["value"].to_numpy(float), df["target"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if item.direction == HIGHER:
            ratio = np.where(t > 0, v / t, np.where(v >= t, 1.0, 0.0))
        else:  # lower is better: at or below target full points, above it target/value
            ratio = np.where(v <= t, 1.0, np.where(v > 0, t / v, 1.0))
    ratio = np.clip(ratio, 0.0, 1.0)
    points = np.round(item.max_points * ratio, 2)
    texts = []
    for vi, ti, pi, ri in zip(v, t, points, ratio, strict=True):
        how = "达到目标，得满分" if ri >= 1 else "按比例得"
        texts.append(f"{item.name} {fmt(vi, item.unit)}，目标 {fmt(ti, item.unit)}，{how} {pts(pi)} 分")
    return points, texts


def _threshold(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    v, t = df["value"].to_numpy(float), df["target"].to_numpy(float)
    ok = _meets(v, t, item.direction)
    points = np.where(ok, float(item.max_points), 0.0)
    word = "≥" if item.direction == HIGHER else "≤"
    texts = [
        f"{item.name} {fmt(vi, item.unit)}，目标 {word} {fmt(ti, item.unit)}，"
        + (f"达标得 {pts(pi)} 分" if oi else "未达标得 0.00 分")
        for vi, ti, pi, oi in zip(v, t, points, ok, strict=True)
    ]
    return points, texts


def _linear(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    v, t, b = (df[c].to_numpy(float) for c in ("value", "target", "baseline"))
    span = t - b
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span != 0, (v - b) / span, np.where(_meets(v, t, item.direction), 1.0, 0.0))
    frac = np.where(np.isnan(b), np.where(_meets(v, t, item.direction), 1.0, 0.0), frac)
    frac = np.clip(frac, 0.0, 1.0)
    points = np.round(item.max_points * frac, 2)
    texts = []
    for vi, ti, bi, pi in zip(v, t, b, points, strict=True):
        if math.isnan(bi):
            head = f"{item.name} {fmt(vi, item.unit)}，目标 {fmt(ti, item.unit)}"
            texts.append(f"{head}，无基数按达标计，得 {pts(pi)} 分")
        else:
            texts.append(
                f"{item.name} {fmt(vi, item.unit)}，基数 {fmt(bi, item.unit)}、目标 {fmt(ti, item.unit)}，"
                f"按完成进度得 {pts(pi)} 分"
            )
    return points, texts


def _deduction(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    per, cap = float(item.params["per"]), float(item.params["cap"])
    n = np.clip(np.nan_to_num(df["value"].to_numpy(float)), 0, None)
    lost = np.minimum(n * per, cap)
    points = np.round(item.max_points - lost, 2)
    texts = []
    for ni, li, pi in zip(n, lost, points, strict=True):
        capped = "（已达扣分上限）" if ni * per > cap else ""
        base = f"满分 {pts(item.max_points)}，" if item.max_points else ""
        texts.append(
            f"{item.name} {ni:g} 项，每项扣 {per:g} 分、最多扣 {cap:g} 分，"
            f"{base}扣 {pts(li)} 分{capped}，得 {pts(pi)} 分"
        )
    return points, texts


def _bonus(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    per = float(item.params["per"])
    n = np.clip(np.nan_to_num(df["value"].to_numpy(float)), 0, None)
    points = np.round(np.minimum(n * per, item.max_points), 2)
    texts = [
        f"{item.name} {ni:g} 项，每项加 {per:g} 分、最多加 {pts(item.max_points)} 分，加 {pts(pi)} 分"
        for ni, pi in zip(n, points, strict=True)
    ]
    return points, texts


def competition_rank(values: pd.Series, *, ascending: bool) -> pd.Series:
    """Rank "1224": ties share the best place, the next place is skipped; NaN stays unranked."""
    return values.rank(method="min", ascending=ascending).astype("Int64")


def _rank(item: Item, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    step = float(item.params["step"])
    ranks = competition_rank(df["value"], ascending=item.direction == LOWER)
    r = ranks.to_numpy(dtype=float, na_value=np.nan)
    points = np.nan_to_num(np.round(np.clip(item.max_points - (r - 1) * step, 0, None), 2))
    r = np.nan_to_num(r)
    total = int(ranks.notna().sum())
    texts = [
        f"{item.name} {fmt(vi, item.unit)}，在 {total} 个单位中排第 {int(ri)} 名，"
        f"第 1 名得 {pts(item.max_points)} 分、每低一名减 {step:g} 分，得 {pts(pi)} 分"
        for vi, ri, pi in zip(df["value"].to_numpy(float), r, points, strict=True)
    ]
    return points, texts


RULES: dict[str, Callable[[Item, pd.DataFrame], tuple[np.ndarray, list[str]]]] = {
    PROPORTIONAL: _proportional,
    THRESHOLD: _threshold,
    LINEAR: _linear,
    DEDUCTION: _deduction,
    BONUS: _bonus,
    RANK: _rank,
}
NEEDS_TARGET = {PROPORTIONAL, THRESHOLD, LINEAR}
# Counting rules: no record means nothing happened (0 occurrences), not "no data".
COUNTING = {DEDUCTION, BONUS}


def score_item(item: Item, frame: pd.DataFrame) -> pd.DataFrame:
    """Score one item for every unit in `frame` (unit_id, value, target, baseline[, detail, no_source]).

    A unit without a value scores 0 with "暂无数据"; a rule that needs a target scores 0 without one.
    """
    df = frame.reset_index(drop=True).copy()
    for col in ("value", "target", "baseline"):
        if col not in df:
            df[col] = np.nan
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    if "detail" not in df:
        df["detail"] = ""
    df["detail"] = df["detail"].fillna("").astype(str)
    points = np.zeros(len(df))
    texts = np.array([f"{item.name}：{NO_DATA}，得 0.00 分"] * len(df), dtype=object)
    missing_value = df["value"].isna().to_numpy()
    if item.rule in COUNTING:
        # no row = nothing happened; only a source that does not exist at all (`no_source`) is "no data"
        no_source = df["no_source"] if "no_source" in df else pd.Series(False, index=df.index)
        missing_value = no_source.fillna(False).astype(bool).to_numpy()
    usable = ~missing_value
    if item.rule in NEEDS_TARGET:
        no_target = df["target"].isna().to_numpy() & usable
        texts[no_target] = [
            f"{item.name} {fmt(v, item.unit)}，未设定目标值，得 0.00 分" for v in df["value"][no_target]
        ]
        usable &= ~no_target
    if item.rule == RANK:
        sub = df.copy()
        sub.loc[~usable, "value"] = np.nan
        p, t = _rank(item, sub)
        points[usable] = p[usable]
        texts[usable] = np.array(t, dtype=object)[usable]
    elif usable.any():
        p, t = RULES[item.rule](item, df[usable])
        points[usable] = p
        texts[usable] = t
    detail = df["detail"].to_numpy(object)
    texts = np.array(
        [f"{tx}（{d}）" if d else tx for tx, d in zip(texts, detail, strict=True)],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "item_id": item.item_id,
            "unit_id": df["unit_id"].astype(int).to_numpy(),
            "raw_value": df["value"].to_numpy(float),
            "target": df["target"].to_numpy(float),
            "points": points.round(2),
            "explanation": texts,
        }
    )


def score_items(items: list[Item], values: pd.DataFrame, unit_ids: list[int]) -> pd.DataFrame:
    """Score every item for every unit. `values`: item_id, unit_id, value, target, baseline, detail.

    Units without a row for an item are scored as "no data" (or zero occurrences for counting rules).
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
        parts.append(score_item(item, by_item[item.item_id]))
    if not parts:
        return pd.DataFrame(columns=["item_id", "unit_id", "raw_value", "target", "points", "explanation"])
    return pd.concat(parts, ignore_index=True)


def rank_totals(scores: pd.DataFrame, previous_totals: pd.Series | None = None) -> pd.DataFrame:
    """Per unit: total, level rank (highest total first) and improvement rank against `previous_totals`.

    `previous_totals` (indexed by unit_id) is the same period last year; units without one have no
    improvement rank. Ties share a place ("1224").
    """
    totals = scores.groupby("unit_id")["points"].sum().round(2).rename("total").to_frame()
    totals["rank"] = competition_rank(totals["total"], ascending=False)
    prev = previous_totals if previous_totals is not None else pd.Series(dtype=float)
    totals["previous_total"] = prev.reindex(totals.index).astype(float)
    totals["improvement"] = (totals["total"] - totals["previous_total"]).round(2)
    totals["improvement_rank"] = competition_rank(totals["improvement"], ascending=False)
    return totals.reset_index()


# --- deduction risk (扣分风险) ---------------------------------------------------------------------
MEAN = "mean"  # rates and means: the year's value is the time-weighted mean of the months
SUM = "sum"  # counts that accumulate over the year


def year_end_projection(ytd: float, months_elapsed: float, aggregate: str) -> float:
    """Year-end value if the rest of the year goes like the part so far.

    A mean or rate stays at its year-to-date level; a count grows in proportion (ytd × 12 / months).
    """
    if math.isnan(ytd) or months_elapsed <= 0:
        return float("nan")
    return ytd if aggregate == MEAN else ytd * 12.0 / months_elapsed


def required_rest(ytd: float, target: float, months_elapsed: float) -> float:
    """The mean the remaining months need so that the year's mean meets `target`."""
    rest = 12.0 - months_elapsed
    if rest <= 0:
        return float("nan")
    return (target * 12.0 - ytd * months_elapsed) / rest


def _rest_label(months: float) -> str:
    remaining = max(12.0 - months, 0.0)
    return f"剩余 {remaining:.0f} 个月" if remaining >= 1 else "剩余不足 1 个月"


def deduction_risks(frame: pd.DataFrame, items: list[Item], months_elapsed: float) -> pd.DataFrame:
    """Flag item × unit pairs whose projected year-end value loses points, with what it takes to recover.

    `frame`: item_id, unit_id, value (YTD), target, baseline, aggregate (mean|sum) and optionally `months`
    (the months the value covers, e.g. an entered value reported up to September = 9; default
    `months_elapsed`). Returns only the flagged rows: item_id, unit_id, projected, projected_points,
    max_points, points_at_risk, advice.
    """
    cols = ["item_id", "unit_id", "projected", "projected_points", "max_points", "points_at_risk", "advice"]
    out = []
    by_id = {i.item_id: i for i in items}
    for item_id, df in frame.groupby("item_id", sort=False):
        item = by_id.get(item_id)
        if item is None or item.rule in (BONUS, RANK):
            continue  # bonus cannot lose points; a rank depends on others' results
        df = df.reset_index(drop=True)
        aggregate = df["aggregate"].iloc[0] if "aggregate" in df else MEAN
        months = (
            df["months"].astype(float).fillna(months_elapsed).clip(upper=12.0)
            if "months" in df
            else pd.Series(months_elapsed, index=df.index, dtype=float)
        )
        projected = [
            year_end_projection(v, m, aggregate) for v, m in zip(df["value"].astype(float), months, strict=True)
        ]
        proj = df.assign(value=projected)
        scored = score_item(item, proj)
        full = item.max_points
        lose = (scored["points"].to_numpy() < full - 1e-9) & proj["value"].notna().to_numpy()
        for i in np.flatnonzero(lose):
            row, m = df.iloc[i], float(months.iloc[i])
            advice = _advice(item, row, float(proj["value"].iloc[i]), m, _rest_label(m))
            out.append(
                (
                    item_id,
                    int(row["unit_id"]),
                    float(proj["value"].iloc[i]),
                    float(scored["points"].iloc[i]),
                    float(full),
                    round(float(full - scored["points"].iloc[i]), 2),
                    advice,
                )
            )
    return pd.DataFrame(out, columns=cols)


def _advice(item: Item, row: pd.Series, projected: float, months: float, rest_label: str) -> str:
    value, target = float(row["value"]), float(row.get("target", float("nan")))
    if item.rule == DEDUCTION:
        per = float(item.params["per"])
        return (
            f"至今 {value:g} 项，按此趋势全年约 {projected:.0f} 项，"
            f"将扣 {min(projected * per, item.params['cap']):.2f} 分；"
            f"{rest_label}每减少 1 项少扣 {per:g} 分"
        )
    if math.isnan(target):
        return f"{item.name} 未设定目标值"
    if months >= 12:
        return (
            f"{item.name} 全年数据已确定为 {fmt(value, item.unit)}，目标 {fmt(target, item.unit)}，该项失分已无法挽回"
        )
    need = required_rest(value, target, months)
    word = "≥" if item.direction == HIGHER else "≤"
    impossible = math.isnan(need) or (item.direction == HIGHER and item.unit == "%" and need > 100) or need < 0
    head = (
        f"{item.name} 至今 {fmt(value, item.unit)}，目标 {fmt(target, item.unit)}，"
        f"按趋势年末约 {fmt(projected, item.unit)}；"
    )
    if impossible:
        return head + "按剩余时间已难以完成年度目标，需争取其他加分项"
    return head + f"{rest_label}{item.name}需 {word} {fmt(need, item.unit)} 才能完成年度目标"
