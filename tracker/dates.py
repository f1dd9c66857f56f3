"""Calendar dates from moments, the one way the platform does it.

Times are stored aware (UTC in PostgreSQL) and shown in Asia/Shanghai. The calendar date of an aware moment
is the date on the Beijing clock: between 00:00 and 08:00 Beijing time the UTC date is still yesterday, so
`aware.date()` would make every "days waiting", deadline and overdue count one day off for eight hours a day.
Product code never calls `.date()` on a datetime; it calls `local_date` (`scripts/check_local_dates.py`, run by
`make check`, fails on any other `.date()` call).
"""

from __future__ import annotations

import datetime
from typing import overload

from django.utils import timezone


@overload
def local_date(value: datetime.datetime | datetime.date) -> datetime.date: ...
@overload
def local_date(value: None) -> None: ...
def local_date(value: datetime.datetime | datetime.date | None) -> datetime.date | None:
    """The calendar date of `value` in the current time zone (Asia/Shanghai).

    An aware datetime is converted first; a naive datetime is a wall-clock reading (an Excel cell, a parsed
    form value) and is already local; a date is returned as it is; None stays None.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            return timezone.localdate(value)
        return datetime.date(value.year, value.month, value.day)
    return value


def days_since(moment: datetime.datetime | datetime.date | None, today: datetime.date) -> int | None:
    """Whole calendar days from the local date of `moment` to `today` (0 on the same local day)."""
    start = local_date(moment)
    return None if start is None else (today - start).days
