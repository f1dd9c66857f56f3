"""Pure rules for the province's view of the city (全省排名): the gap to the next place and the target it implies.

No Django import; tested on hand-computed cases (tests/targets/test_province.py).
"""

from __future__ import annotations

import math


def from_bottom(rank: int, total: int) -> int:
    """倒数第 N: the place counted from the bottom (21st of 21 → 1, 19th of 21 → 3)."""
    return total - rank + 1


def gap_to_next(value: float | None, next_value: float | None, *, higher_better: bool) -> float | None:
    """How much the city's value must improve to equal the city one place above; None when unknown or first.

    Higher is better: next − value; lower is better: value − next. Never negative (a tie or a better value
    already is 0).
    """
    if value is None or next_value is None:
        return None
    gap = next_value - value if higher_better else value - next_value
    return max(gap, 0.0)


def proposed_target(next_value: float, *, higher_better: bool, precision: int) -> float:
    """The target that passes the next place: its value plus one step of the indicator's published precision
    (to pass it, not to tie), rounded to that precision. 83.40 % with one decimal, higher better → 83.5."""
    step = 10.0 ** (-precision)
    raw = next_value + step if higher_better else next_value - step
    factor = 10.0**precision
    # round to the precision without float noise (83.4 + 0.1 = 83.50000000000001)
    return math.floor(raw * factor + 0.5) / factor if raw >= 0 else -math.floor(-raw * factor + 0.5) / factor


def stricter(current: float, proposed: float, *, higher_better: bool) -> bool:
    """Is `proposed` a stricter target than `current`?"""
    return proposed > current if higher_better else proposed < current
