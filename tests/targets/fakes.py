"""Small fake computed-indicator selectors, registered in tests in place of the other apps' functions."""

import pandas as pd

CALLS: list = []


def good_day_rate(*, year, as_of):
    from tracker.models import Unit

    CALLS.append((year, as_of))
    a = Unit.objects.get(code="511124").pk
    b = Unit.objects.get(code="511129").pk
    return pd.DataFrame(
        {
            "unit_id": [a, b],
            "value": [86.3, 92.0],
            "detail": ["优良天数 259 / 有效天数 300", "优良天数 276 / 有效天数 300"],
        }
    )


def overdue_count(*, year, as_of):
    from tracker.models import Unit

    return pd.DataFrame({"unit_id": [Unit.objects.get(code="511124").pk], "value": [3.0], "detail": ["逾期 3 项"]})


def broken(*, year, as_of):
    raise RuntimeError("数据源故障")
