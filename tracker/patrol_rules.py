"""Pure rules of river-chief patrol frequency (no Django): the periods a rule counts in, and which periods a chief's
patrols fell short of.

Periods: a week runs Monday–Sunday; a dekad (旬) is days 1–10, 11–20 and 21 to the month's end; a month; a quarter
(Jan–Mar, …). Only periods that have ended by `as_of` are judged (the current one can still be made good), and only
those that start on or after the chief's `since` date (a chief appointed mid-period owes nothing for it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

WEEK, DEKAD, MONTH, QUARTER = "week", "dekad", "month", "quarter"


def period_of(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The (first, last) day of the period of `period` kind that holds `day`."""
    if period == WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    month_end = calendar.monthrange(day.year, day.month)[1]
    if period == DEKAD:
        if day.day <= 10:
            return day.replace(day=1), day.replace(day=10)
        if day.day <= 20:
            return day.replace(day=11), day.replace(day=20)
        return day.replace(day=21), day.replace(day=month_end)
    if period == MONTH:
        return day.replace(day=1), day.replace(day=month_end)
    if period == QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        last_month = first_month + 2
        return dt.date(day.year, first_month, 1), dt.date(
            day.year, last_month, calendar.monthrange(day.year, last_month)[1]
        )
    raise ValueError(f"unknown period {period!r}")


def complete_periods(*, since: dt.date, as_of: dt.date, period: str) -> list[tuple[dt.date, dt.date]]:
    """The periods starting on or after `since` and ending on or before `as_of`, in order."""
    out = []
    start, end = period_of(since, period)
    if start < since:
        start, end = period_of(end + dt.timedelta(days=1), period)
    while end <= as_of:
        out.append((start, end))
        start, end = period_of(end + dt.timedelta(days=1), period)
    return out


@dataclass(frozen=True)
class PeriodCount:
    start: dt.date
    end: dt.date
    patrols: int
    required: int

    @property
    def short(self) -> bool:
        return self.patrols < self.required


def patrol_shortfall(
    dates: Iterable[dt.date], *, period: str, min_count: int, since: dt.date, as_of: dt.date
) -> list[PeriodCount]:
    """Every complete period from `since` to `as_of` with how many patrols (of `dates`) fell in it; a period is
    short when it has fewer than `min_count`."""
    periods = complete_periods(since=since, as_of=as_of, period=period)
    days = sorted(dates)
    out = []
    for start, end in periods:
        n = sum(1 for d in days if start <= d <= end)
        out.append(PeriodCount(start=start, end=end, patrols=n, required=min_count))
    return out
