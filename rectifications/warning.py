"""Four-colour warning (四色预警) of one item: a pure function of its status, deadline, today and rebound.

No Django import, so it is tested on hand-picked dates. The daily job applies the same rule set-based in SQL
(`services.rectification_colours_recompute`), and a test checks both agree.
"""

from __future__ import annotations

from datetime import date

GREEN, YELLOW, ORANGE, RED = "green", "yellow", "orange", "red"
CLOSED = "closed"


def warning_colour(
    *, status: str, deadline: date, today: date, rebounded: bool, yellow_days: int = 7, red_days: int = 30
) -> str:
    """green: on track or closed; yellow: deadline within `yellow_days`; orange: overdue;
    red: overdue by more than `red_days`, or rebounded and not closed again."""
    if status == CLOSED:
        return GREEN
    if rebounded:
        return RED
    overdue = (today - deadline).days
    if overdue > red_days:
        return RED
    if overdue > 0:
        return ORANGE
    if -overdue <= yellow_days:
        return YELLOW
    return GREEN


REMINDER, WARNING, SUPERVISION, INTERVIEW = "reminder", "warning", "supervision", "interview"
LEVELS = (REMINDER, WARNING, SUPERVISION, INTERVIEW)


def notice_levels_due(*, colour: str, overdue_days: int, interview_days: int = 60) -> tuple[str, ...]:
    """The notices (四书) an item in this state should have received, lowest first.

    yellow → 提醒函; orange → + 警示函; red → + 督办函; overdue more than `interview_days` → + 约谈.
    Sending is idempotent: one notice per item and level, so a later run only adds the missing higher ones.
    """
    reached = {GREEN: 0, YELLOW: 1, ORANGE: 2, RED: 3}[colour]
    if colour == RED and overdue_days > interview_days:
        reached = 4
    return LEVELS[:reached]
