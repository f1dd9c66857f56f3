"""Four-colour warnings and notices. Expected colours are hand-computed from the rule in the issue:
green on track; yellow deadline within 7 days; orange overdue; red overdue > 30 days or rebounded."""

import datetime as dt

import pytest

from rectifications import services, warning
from rectifications.choices import Status
from rectifications.models import Notice, RectificationItem
from rectifications.tasks import warnings_daily
from tests.factories import RectificationItemFactory

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = pytest.mark.clock

TODAY = dt.date(2026, 3, 15)
CASES = [
    # (status, deadline, rebounded, expected)
    ("open", dt.date(2026, 3, 23), False, "green"),  # 8 days ahead
    ("open", dt.date(2026, 3, 22), False, "yellow"),  # exactly 7 days ahead
    ("in_progress", dt.date(2026, 3, 15), False, "yellow"),  # due today: not yet overdue
    ("in_progress", dt.date(2026, 3, 14), False, "orange"),  # 1 day overdue
    ("closing_requested", dt.date(2026, 2, 13), False, "orange"),  # exactly 30 days overdue
    ("in_progress", dt.date(2026, 2, 12), False, "red"),  # 31 days overdue
    ("in_progress", dt.date(2027, 1, 1), True, "red"),  # rebounded, far from deadline
    ("rebounded", dt.date(2027, 1, 1), True, "red"),
    ("closed", dt.date(2025, 1, 1), False, "green"),  # closed long overdue: done
    ("closed", dt.date(2025, 1, 1), True, "green"),  # closed again after a rebound
]


@pytest.mark.parametrize(("status", "deadline", "rebounded", "expected"), CASES)
def test_warning_colour_on_hand_picked_dates(status, deadline, rebounded, expected):
    assert warning.warning_colour(status=status, deadline=deadline, today=TODAY, rebounded=rebounded) == expected


def test_thresholds_are_configurable():
    kw = {"status": "open", "today": TODAY, "rebounded": False}
    assert warning.warning_colour(deadline=dt.date(2026, 3, 25), yellow_days=10, **kw) == "yellow"
    assert warning.warning_colour(deadline=dt.date(2026, 3, 5), red_days=5, **kw) == "red"


@pytest.mark.parametrize(
    ("colour", "overdue", "expected"),
    [
        ("green", -30, ()),
        ("yellow", -3, ("reminder",)),
        ("orange", 10, ("reminder", "warning")),
        ("red", 40, ("reminder", "warning", "supervision")),
        ("red", 61, ("reminder", "warning", "supervision", "interview")),
    ],
)
def test_notice_levels_escalate_with_colour(colour, overdue, expected):
    assert warning.notice_levels_due(colour=colour, overdue_days=overdue, interview_days=60) == expected


@pytest.mark.django_db
def test_recompute_applies_the_pure_rule_on_the_working_day_calendar(unit_a):
    # The job computes every colour with warning.warning_colour (no SQL copy) on the weekend calendar, with the
    # site thresholds (DUE_SOON_DAYS 7 calendar days, RECT_RED_DAYS 20 working days). On Wed 2026-03-18:
    cases = [
        ("in_progress", dt.date(2026, 3, 25), "yellow"),  # 7 days ahead
        ("in_progress", dt.date(2026, 3, 26), "green"),  # 8 days ahead
        ("in_progress", dt.date(2026, 3, 15), "orange"),  # Sun → Mon 16; (16, 18] = 2 working days
        ("in_progress", dt.date(2026, 2, 18), "orange"),  # (Feb 18, Mar 18] = 4 weeks = 20 working days: not > 20
        ("in_progress", dt.date(2026, 2, 17), "red"),  # 21 working days
        ("closed", dt.date(2025, 1, 1), "green"),
    ]
    for n, (status, deadline, _expected) in enumerate(cases):
        RectificationItemFactory(unit=unit_a, status=status, deadline=deadline, colour="green", code=f"C{n}")
    services.rectification_colours_recompute(on=dt.date(2026, 3, 18))
    got = dict(RectificationItem.objects.values_list("code", "colour"))
    assert got == {f"C{n}": case[2] for n, case in enumerate(cases)}


@pytest.mark.django_db
def test_daily_job_escalates_one_step_per_working_day(unit_a):
    # Deadline Mon 2026-02-02; on Wed 2026-03-18 it is (Feb 2, Mar 18] = 31 working days overdue → red.
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 2, 2))
    closed = RectificationItemFactory(unit=unit_a, status=Status.CLOSED, deadline=dt.date(2025, 1, 1))

    def levels():
        return list(Notice.objects.filter(item=item).order_by("pk").values_list("level", flat=True))

    warnings_daily.delay("2026-03-18")
    assert levels() == ["reminder"]  # red, but one step: 提醒函 only, not three letters on one day
    warnings_daily.delay("2026-03-18")  # same day again: nothing new
    assert levels() == ["reminder"]
    warnings_daily.delay("2026-03-19")
    assert levels() == ["reminder", "warning"]
    warnings_daily.delay("2026-03-21")  # Saturday: no notices on a rest day
    assert levels() == ["reminder", "warning"]
    warnings_daily.delay("2026-03-23")
    assert levels() == ["reminder", "warning", "supervision"]
    warnings_daily.delay("2026-03-24")  # 36 working days overdue: 约谈 needs more than 40
    assert levels() == ["reminder", "warning", "supervision"]
    assert not Notice.objects.filter(item=closed).exists()
    notice = Notice.objects.get(item=item, level="supervision")
    assert (notice.unit_id, notice.person, notice.sent_on) == (unit_a.pk, item.responsible_person, dt.date(2026, 3, 23))
    item.refresh_from_db()
    assert item.colour == "red"


@pytest.mark.celery_worker
def test_daily_job_runs_on_a_real_worker(celery_worker_queue, unit_a):
    # Deadline Tue 2026-03-10, run on Mon 2026-03-16: (10, 16] = 11, 12, 13, 16 = 4 working days → orange;
    # one step: 提醒函.
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 10))
    result = warnings_daily.apply_async(args=["2026-03-16"], queue=celery_worker_queue)
    assert result.get(timeout=60) == {"colours_changed": 1, "notices_sent": 1}
    assert set(Notice.objects.filter(item=item).values_list("level", flat=True)) == {"reminder"}
