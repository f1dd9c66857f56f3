"""A fake computed source for the dashboards' tests: a good-day rate for every county-level unit.

The value of a unit is `BASE + (its position % 15)`, or the override in `OVERRIDE` (so a test can make a
new scoring run differ from the last one).
"""

import pandas as pd

OVERRIDE: dict[str, float] = {}
BASE = 80.0


def good_day_rate(*, year, as_of):
    from tracker.selectors import territorial_units

    rows = []
    for n, (pk, code) in enumerate(territorial_units().values_list("pk", "code")):
        value = OVERRIDE.get(code, BASE + n % 15)
        rows.append({"unit_id": pk, "value": value, "detail": f"优良天数比例 {value:.1f}%"})
    return pd.DataFrame(rows, columns=["unit_id", "value", "detail"])
