"""The working-day calendar (工作日): pure, no Django.

A day is a working day when it is Monday–Friday and not a public holiday (法定节假日), or when it is a make-up
working day (调休上班日, a weekend day the State Council's annual notice turns into a working day). The
holidays and make-up days are kept by an admin (`tracker.models.CalendarDay`) and passed in.

Deadlines follow 《民法典》第二百零三条: when the last day of a period is a public holiday (or a rest day), the
period ends on the first working day after it (`effective_deadline`). Days overdue and days of escalation are
counted in working days after that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends plus the admin's holidays and make-up working days."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)  # 法定节假日（休息，含调休放假日）
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # 调休上班日（周末上班）

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def effective_deadline(self, deadline: dt.date) -> dt.date:
        """The deadline itself when it is a working day, else the next working day (民法典 §203)."""
        day = deadline
        for _ in range(60):  # a holiday run never lasts that long; guards a corrupt calendar
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        return deadline

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open interval (start, end]; 0 when end ≤ start."""
        if end <= start:
            return 0
        # whole weeks at once: 5 weekdays each, then correct for the listed days in the range
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        n = weeks * 5
        day = start + dt.timedelta(days=weeks * 7 + 1)
        for i in range(rest):
            if (day + dt.timedelta(days=i)).weekday() < 5:
                n += 1
        for h in self.holidays:
            if start < h <= end and h.weekday() < 5 and h not in self.workdays:
                n -= 1
        for w in self.workdays:
            if start < w <= end and w.weekday() >= 5:
                n += 1
        return n

    def overdue_working_days(self, deadline: dt.date, today: dt.date) -> int:
        """Working days past the effective deadline, up to and including today (0 when not overdue)."""
        return self.working_days_between(self.effective_deadline(deadline), today)


WEEKENDS_ONLY = WorkCalendar()
