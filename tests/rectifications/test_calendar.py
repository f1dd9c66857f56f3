"""Issue 16 point 6 / issue 14 point 4: the working-day calendar, paused escalation, closed late, one colour rule.

Dates of 2026 (weekday in brackets). National Day 2026: Oct 1 (Thu) – Oct 7 (Wed) off, Sat Oct 10 worked
(国务院办公厅 2026 年节假日安排) — built here by hand, not read from the demo.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings

from rectifications import services, warning
from rectifications.choices import Status
from rectifications.models import RectificationItem
from tests.factories import RectificationItemFactory
from tracker.models import CalendarDay
from tracker.workdays import WEEKENDS_ONLY, WorkCalendar

NATIONAL_DAY = WorkCalendar(
    holidays=frozenset(dt.date(2026, 10, d) for d in range(1, 8)),
    workdays=frozenset({dt.date(2026, 10, 10)}),
)


def test_working_days_count_weekends_holidays_and_makeup_days():
    # (Fri Mar 13, Mon Mar 16] = Mon 16 only → 1; (Mon 16, Mon 23] = 5
    assert WEEKENDS_ONLY.working_days_between(dt.date(2026, 3, 13), dt.date(2026, 3, 16)) == 1
    assert WEEKENDS_ONLY.working_days_between(dt.date(2026, 3, 16), dt.date(2026, 3, 23)) == 5
    # (Wed Sep 30, Sun Oct 11]: Oct 1–7 off, Thu 8, Fri 9, Sat 10 (make-up) → 3
    assert NATIONAL_DAY.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 11)) == 3
    assert NATIONAL_DAY.working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 9)) == 0


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day_civil_code_203():
    # 民法典 第二百零三条: a period whose last day is a holiday ends on the day after the holiday.
    assert NATIONAL_DAY.effective_deadline(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)
    assert WEEKENDS_ONLY.effective_deadline(dt.date(2026, 3, 15)) == dt.date(2026, 3, 16)  # Sun → Mon
    assert WEEKENDS_ONLY.effective_deadline(dt.date(2026, 3, 18)) == dt.date(2026, 3, 18)


@pytest.mark.parametrize(
    ("deadline", "today", "calendar", "expected"),
    [
        # Sunday deadline: the old rule made Monday orange; the deadline is Monday, so Monday is yellow, Tuesday orange.
        (dt.date(2026, 3, 15), dt.date(2026, 3, 16), WEEKENDS_ONLY, "yellow"),
        (dt.date(2026, 3, 15), dt.date(2026, 3, 17), WEEKENDS_ONLY, "orange"),
        # National Day deadline: yellow through the holiday and on Thu Oct 8, orange on Fri Oct 9.
        (dt.date(2026, 10, 1), dt.date(2026, 10, 5), NATIONAL_DAY, "yellow"),
        (dt.date(2026, 10, 1), dt.date(2026, 10, 8), NATIONAL_DAY, "yellow"),
        (dt.date(2026, 10, 1), dt.date(2026, 10, 9), NATIONAL_DAY, "orange"),
        # red after more than 20 working days: Mon Mar 2 + 20 working days = Mon Mar 30 (orange), Mar 31 red
        (dt.date(2026, 3, 2), dt.date(2026, 3, 30), WEEKENDS_ONLY, "orange"),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 31), WEEKENDS_ONLY, "red"),
    ],
)
def test_colour_counts_working_days(deadline, today, calendar, expected):
    got = warning.warning_colour(
        status="in_progress", deadline=deadline, today=today, rebounded=False, red_days=20, calendar=calendar
    )
    assert got == expected


def test_escalation_is_paused_while_waiting_for_verification():
    # Asked to close on Tue Mar 10, one working day after its Mon Mar 9 deadline → orange; on Apr 30 it would be
    # red (37 working days) if it were still in progress, but it waits for the inspector: it stays orange.
    kw = {"deadline": dt.date(2026, 3, 9), "today": dt.date(2026, 4, 30), "rebounded": False, "red_days": 20}
    kw["calendar"] = WEEKENDS_ONLY
    assert warning.warning_colour(status="in_progress", **kw) == "red"
    assert warning.warning_colour(status="closing_requested", paused_on=dt.date(2026, 3, 10), **kw) == "orange"


def test_closed_late_is_after_the_effective_deadline():
    sunday = dt.date(2026, 3, 15)
    assert not warning.closed_late(deadline=sunday, closed_on=dt.date(2026, 3, 16), calendar=WEEKENDS_ONLY)
    assert warning.closed_late(deadline=sunday, closed_on=dt.date(2026, 3, 17), calendar=WEEKENDS_ONLY)


def test_the_colour_table_matches_the_stylesheet():
    # one table (warning.COLOURS); static/css/site.css --warn-* must carry the same hex values
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text(encoding="utf-8")
    found = dict(re.findall(r"--warn-(green|yellow|orange|red):\s*(#[0-9a-fA-F]{6})", css))
    assert found == warning.COLOUR_HEX
    assert all(f".{css_class} " in css or f".{css_class}{{" in css for _hex, css_class in warning.COLOURS.values())


@pytest.mark.django_db
def test_admin_holiday_moves_the_colour_and_the_job_reads_it(unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 10, 1))
    services.rectification_colours_recompute(on=dt.date(2026, 10, 5))
    item.refresh_from_db()
    assert item.colour == "orange"  # weekends only: Oct 1 (Thu) passed, Fri 2 and Mon 5 → 2 working days
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=dt.date(2026, 10, d), kind="holiday", name="国庆节") for d in range(1, 8)]
    )
    services.rectification_colours_recompute(on=dt.date(2026, 10, 5))
    item.refresh_from_db()
    assert item.colour == "yellow"  # the deadline is Thu Oct 8 now


@pytest.mark.django_db
def test_deadline_edit_in_admin_recomputes_the_colour(unit_a, admin_user, rf):
    from django.contrib.admin.sites import site

    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2000, 1, 3))
    RectificationItem.objects.filter(pk=item.pk).update(colour="red")
    item.refresh_from_db()
    item.deadline = dt.date(2099, 1, 1)
    model_admin = site._registry[RectificationItem]

    class Form:
        changed_data = ["deadline"]

    model_admin.save_model(rf.post("/"), item, Form(), change=True)
    item.refresh_from_db()
    assert item.colour == "green"  # far ahead: recomputed now, not at tomorrow's job


@pytest.mark.django_db
def test_an_item_closed_after_its_deadline_is_counted_as_closed_late(unit_a, inspector, monkeypatch):
    from rectifications.selectors import indicator_rectification_overdue_count

    late = RectificationItemFactory(
        unit=unit_a, status=Status.CLOSING_REQUESTED, deadline=dt.date(2026, 3, 13), code="LATE"
    )
    on_time = RectificationItemFactory(
        unit=unit_a, status=Status.CLOSING_REQUESTED, deadline=dt.date(2026, 3, 15), code="ONTIME"
    )
    monkeypatch.setattr(services, "today", lambda: dt.date(2026, 3, 16))  # Monday
    services.rectification_item_close(item=late, user=inspector)  # Fri deadline, closed Mon: late
    services.rectification_item_close(item=on_time, user=inspector)  # Sun deadline → Mon: on time
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.closed_late and not on_time.closed_late
    frame = indicator_rectification_overdue_count(year=2026, as_of=dt.date(2026, 3, 31)).set_index("unit_id")
    assert frame.loc[unit_a.pk, "value"] == 1.0  # the late closure counts; the on-time one does not
    assert "逾期销号 1 项" in frame.loc[unit_a.pk, "detail"]


@pytest.mark.django_db
def test_item_page_shows_the_holiday_deadline_moved(client_for, leader, unit_a):
    from django.urls import reverse

    CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 2), kind="holiday", name="国庆节")
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 10, 1))
    body = client_for(leader).get(reverse("rectifications:detail", args=[item.pk])).content.decode()
    # Thu Oct 1 and Fri Oct 2 off, Sat/Sun rest → Mon Oct 5
    assert "顺延至 2026-10-05" in body
