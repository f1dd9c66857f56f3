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
def test_set_based_recompute_agrees_with_the_pure_rule(unit_a):
    items = []
    for n, (status, deadline, rebounded, _expected) in enumerate(CASES):
        items.append(
            RectificationItemFactory(
                unit=unit_a,
                status=status,
                deadline=deadline,
                rebound_count=int(rebounded),
                colour="green",
                code=f"C{n}",
            )
        )
    services.rectification_colours_recompute(on=TODAY)
    got = dict(RectificationItem.objects.values_list("code", "colour"))
    assert got == {f"C{n}": case[3] for n, case in enumerate(CASES)}


@pytest.mark.django_db
def test_daily_job_sends_notices_once_and_escalates(unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 20))
    closed = RectificationItemFactory(unit=unit_a, status=Status.CLOSED, deadline=dt.date(2025, 1, 1))
    warnings_daily.delay("2026-03-15")  # yellow
    warnings_daily.delay("2026-03-15")  # same day again: nothing new
    assert list(Notice.objects.values_list("level", flat=True)) == ["reminder"]
    warnings_daily.delay("2026-04-25")  # 36 days overdue: red
    levels = set(Notice.objects.filter(item=item).values_list("level", flat=True))
    assert levels == {"reminder", "warning", "supervision"}
    assert not Notice.objects.filter(item=closed).exists()
    notice = Notice.objects.get(item=item, level="supervision")
    assert (notice.unit_id, notice.person) == (unit_a.pk, item.responsible_person)
    item.refresh_from_db()
    assert item.colour == "red"


@pytest.mark.celery_worker
def test_daily_job_runs_on_a_real_worker(celery_worker_queue, unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 10))
    result = warnings_daily.apply_async(args=["2026-03-15"], queue=celery_worker_queue)
    assert result.get(timeout=60) == {"colours_changed": 1, "notices_sent": 2}
    assert set(Notice.objects.filter(item=item).values_list("level", flat=True)) == {"reminder", "warning"}
