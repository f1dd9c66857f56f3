"""Pure rules for projects and funds: execution rates and stall detection. No Django import.

Everything here works on plain values or pandas DataFrames so it can be checked by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

HUNDRED = Decimal("100")


def execution_rate(paid: Decimal, allocated: Decimal) -> Decimal | None:
    """Execution rate (预算执行率), percent = paid ÷ allocated × 100, two decimals; None when nothing allocated."""
    if not allocated:
        return None
    return (Decimal(paid) / Decimal(allocated) * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def gap_to_target(paid: Decimal, allocated: Decimal, target_percent: Decimal) -> Decimal:
    """Yuan still to pay so that paid ÷ allocated reaches `target_percent`; 0 when already there.

    Rounded up to the fen, so paying exactly the gap always meets the target.
    """
    needed = Decimal(allocated) * Decimal(target_percent) / HUNDRED - Decimal(paid)
    if needed <= 0:
        return Decimal("0.00")
    return needed.quantize(Decimal("0.01"), rounding="ROUND_CEILING")


def add_rates(frame: pd.DataFrame, paid: str = "paid", allocated: str = "allocated") -> pd.DataFrame:
    """Add `rate` (Decimal percent or None) to a frame with Decimal `paid` and `allocated` columns."""
    out = frame.copy()
    out["rate"] = [execution_rate(p, a) for p, a in zip(out[paid], out[allocated], strict=True)]
    return out


def rank_by_rate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by rate (highest first; no allocation last) and number the ranks 1..n (ties share the better rank)."""
    out = frame.copy()
    numeric = pd.to_numeric(out["rate"].map(lambda r: float(r) if r is not None else None), errors="coerce")
    out["rank"] = numeric.rank(method="min", ascending=False).astype("Int64")
    out["_sort"] = numeric.fillna(-1)
    return out.sort_values(["_sort"], ascending=False, kind="stable").drop(columns="_sort").reset_index(drop=True)


def planned_progress(planned_start: date | None, planned_completion: date | None, as_of: date) -> float | None:
    """The straight-line plan: percent of the planned duration elapsed on `as_of`, clamped to 0–100."""
    if planned_start is None or planned_completion is None:
        return None
    if as_of <= planned_start:
        return 0.0
    total = (planned_completion - planned_start).days
    if total <= 0 or as_of >= planned_completion:
        return 100.0
    return round((as_of - planned_start).days / total * 100, 1)


def next_milestone(milestones: list[tuple[str, date]], stage: str, order: tuple[str, ...]) -> tuple[str, date] | None:
    """The milestone (倒排工期 node) the project has yet to reach: of the plan's (stage, planned date) pairs whose
    stage comes after `stage` in `order`, the one due first; None when every node is reached or there is no plan.

    A node is reached when the project stands at its stage or beyond — a node reached late is no longer "behind".
    """
    here = order.index(stage)
    ahead = [(s, d) for s, d in milestones if order.index(s) > here]
    return min(ahead, key=lambda m: (m[1], order.index(m[0]))) if ahead else None


def milestone_days_late(next_due: date | None, as_of: date) -> int | None:
    """Days the next milestone is overdue on `as_of` (> 0), or None when not yet due (due on `as_of` is on time)."""
    if next_due is None or next_due >= as_of:
        return None
    return (as_of - next_due).days


def stall_flags(
    projects: pd.DataFrame,
    *,
    as_of: date,
    silence_days: int,
    behind_tolerance: float,
) -> pd.DataFrame:
    """Flag stalled projects (停滞/推进缓慢).

    `projects` has columns `planned_start`, `planned_completion` (dates or None), `last_report` (date of the
    latest progress report on or before `as_of`, or None), `progress` (percent on `as_of`) and `watched`
    (bool: funded or under construction, so works should be moving).

    A watched project whose planned start is on or before `as_of` is stalled when
    - silent: no progress report for more than `silence_days` days (counted from its last report, or from the
      planned start if it never reported); or
    - behind: its progress is more than `behind_tolerance` percentage points below the straight line from
      planned start (0 %) to planned completion (100 %), the line taken exactly (not the rounded `expected`
      shown in the reason), so `projects.selectors.stalled_projects` decides the same in integer SQL.
    Whatever its stage, a project with a milestone plan (倒排工期) is also behind when the next node it has yet to
    reach is overdue: optional columns `next_due` (date or None, from `next_milestone`) and `next_label` (the
    node's stage name, for the reason). Without them, or without a plan, only the two rules above apply.
    Returns the frame with `expected`, `days_silent`, `silent`, `behind`, `milestone_late` (days, or None),
    `stalled` and `stall_reason` added.
    """
    out = projects.copy()
    if "next_due" not in out.columns:
        out["next_due"] = None
    if "next_label" not in out.columns:
        out["next_label"] = ""
    expected, days_silent, silent, behind, late, reasons = [], [], [], [], [], []
    for row in out.itertuples(index=False):
        start = row.planned_start
        exp = planned_progress(start, row.planned_completion, as_of)
        applies = bool(row.watched) and start is not None and start <= as_of
        since = row.last_report if row.last_report is not None else start
        days = (as_of - since).days if since is not None else None
        is_silent = applies and days is not None and days > silence_days
        is_behind = applies and _behind(start, row.planned_completion, as_of, row.progress, behind_tolerance)
        days_late = milestone_days_late(row.next_due, as_of)
        why = []
        if is_silent:
            why.append(f"{days} 天未报送进展")
        if is_behind:
            why.append(f"进度 {int(row.progress)}% 落后计划 {exp:.0f}%")
        if days_late is not None:
            why.append(f"“{row.next_label}”节点逾期 {days_late} 天（计划 {row.next_due:%Y-%m-%d}）")
        expected.append(exp)
        days_silent.append(days)
        silent.append(is_silent)
        behind.append(is_behind or days_late is not None)
        late.append(days_late)
        reasons.append("；".join(why))
    out["expected"] = expected
    out["days_silent"] = days_silent
    out["silent"] = silent
    out["behind"] = behind
    out["milestone_late"] = late
    out["stalled"] = [a or b for a, b in zip(silent, behind, strict=True)]
    out["stall_reason"] = reasons
    return out


def _behind(start: date, completion: date | None, as_of: date, progress, tolerance: float) -> bool:
    """progress < exact planned progress − tolerance, in integers when it can be: with elapsed and total days
    (0 ≤ elapsed < total), progress < 100·elapsed/total − tolerance ⇔ (progress + tolerance)·total < 100·elapsed."""
    if completion is None:
        return False
    if as_of <= start:
        planned_num, total = 0, 1
    else:
        total = (completion - start).days
        if total <= 0 or as_of >= completion:
            planned_num, total = 100, 1
        else:
            planned_num = (as_of - start).days * 100
    return (float(progress) + tolerance) * total < planned_num
