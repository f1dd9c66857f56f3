"""Four-colour warning (四色预警) of one item: a pure function of its status, deadline, today and rebound.

No Django import, so it is tested on hand-picked dates. This is the only definition of the colour: the daily
job, every transition, the import and a deadline edit call `warning_colour` (`services.rectification_colours_
recompute`); no SQL copy of the rule exists. The colours' names, hex values and CSS classes are in `COLOURS`.

Days are counted on the working-day calendar (`tracker.workdays.WorkCalendar`: weekends, public holidays,
make-up working days) when one is passed — the services always pass the admin's calendar:
- a deadline on a rest day or a holiday moves to the next working day (民法典 §203: `effective_deadline`);
- overdue = working days after that effective deadline; red after more than `red_days` of them;
- yellow = the effective deadline within `yellow_days` calendar days (the site-wide "due soon", DUE_SOON_DAYS);
- while an item waits in 申请销号 the clock stops: its colour is the colour on the day it asked (`paused_on`).
Without a calendar (the old signature) plain calendar days are counted.
"""

from __future__ import annotations

from datetime import date

from tracker.workdays import WorkCalendar

GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"
CLOSED = "closed"
CLOSING_REQUESTED = "closing_requested"

# The one table of the four colours: value → (hex, CSS badge class). Labels are `choices.Colour`'s (translated);
# the CSS variables --warn-* in static/css/site.css carry the same hex (a test checks them against this table).
COLOURS: dict[str, tuple[str, str]] = {
    GREEN: ("#2e7d32", "badge-green"),
    YELLOW: ("#f2c200", "badge-yellow"),
    ORANGE: ("#e66100", "badge-orange"),
    RED: ("#b3261e", "badge-red"),
}
COLOUR_HEX = {c: hex_ for c, (hex_, _css) in COLOURS.items()}


def overdue_days(*, deadline: date, today: date, calendar: WorkCalendar | None = None) -> int:
    """Days past the deadline: working days after the effective deadline with a calendar, else calendar days
    (negative when the deadline is ahead, calendar-day count)."""
    if calendar is None:
        return (today - deadline).days
    effective = calendar.effective_deadline(deadline)
    if today <= effective:
        return (today - effective).days
    return calendar.working_days_between(effective, today)


def warning_colour(
    *,
    status: str,
    deadline: date,
    today: date,
    rebounded: bool,
    yellow_days: int = 7,
    red_days: int = 30,
    calendar: WorkCalendar | None = None,
    paused_on: date | None = None,
) -> str:
    """green: on track or closed; yellow: deadline within `yellow_days`; orange: overdue;
    red: overdue by more than `red_days`, or rebounded and not closed again.

    `paused_on`: the day an item in 申请销号 asked to close; its colour is computed as of that day."""
    if status == CLOSED:
        return GREEN
    if rebounded:
        return RED
    if status == CLOSING_REQUESTED and paused_on is not None:
        today = min(today, paused_on)
    overdue = overdue_days(deadline=deadline, today=today, calendar=calendar)
    if overdue > red_days:
        return RED
    if overdue > 0:
        return ORANGE
    if -overdue <= yellow_days:
        return YELLOW
    return GREEN


def closed_late(*, deadline: date, closed_on: date, calendar: WorkCalendar | None = None) -> bool:
    """Closed after the (effective) deadline: counted as 逾期销号, not as on time."""
    effective = calendar.effective_deadline(deadline) if calendar is not None else deadline
    return closed_on > effective


REMINDER, WARNING, SUPERVISION, INTERVIEW = "reminder", "warning", "supervision", "interview"
LEVELS = (REMINDER, WARNING, SUPERVISION, INTERVIEW)


def notice_levels_due(*, colour: str, overdue_days: int, interview_days: int = 60) -> tuple[str, ...]:
    """The notices (四书) an item in this state should have received, lowest first.

    yellow → 提醒函; orange → + 警示函; red → + 督办函; overdue more than `interview_days` → + 约谈.
    """
    reached = {GREEN: 0, YELLOW: 1, ORANGE: 2, RED: 3}[colour]
    if colour == RED and overdue_days > interview_days:
        reached = 4
    return LEVELS[:reached]


def next_notice(*, colour: str, overdue_days: int, sent: set[str] | frozenset[str], interview_days: int = 60):
    """One escalation step at a time: the lowest level due and not yet sent, or None.

    An item that jumps from green to red gets 提醒函 on the first run, 警示函 on the next working day, then 督办函 —
    never three notices on one day, so each letter has a working day to be answered before the next."""
    for level in notice_levels_due(colour=colour, overdue_days=overdue_days, interview_days=interview_days):
        if level not in sent:
            return level
    return None
