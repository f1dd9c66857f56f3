import datetime as dt

import pytest
from django.urls import reverse

from rectifications.demo import seed_rectifications, tiny_png
from rectifications.models import Evidence, Notice, RectificationItem, Transition
from tracker.demo import DemoContext, seed_calendar, seed_units_and_people
from tracker.models import User


def test_tiny_png_is_a_png():
    import filetype

    assert filetype.guess(tiny_png((10, 200, 30))).mime == "image/png"


@pytest.mark.django_db
def test_demo_has_every_status_and_colour_and_is_idempotent(client_for):
    ctx = DemoContext(password="Demo-pass-123", today=dt.date(2026, 11, 28))
    seed_units_and_people(ctx)
    seed_calendar(ctx)
    seed_rectifications(ctx)
    counts = (RectificationItem.objects.count(), Transition.objects.count(), Notice.objects.count())
    # issue 16: a deadline on a public holiday and a 回头看 plan with recorded re-checks
    from rectifications.models import ReviewPlan
    from tracker.models import CalendarDay

    holidays = set(CalendarDay.objects.filter(kind="holiday").values_list("date", flat=True))
    assert RectificationItem.objects.filter(deadline__in=holidays).exclude(status="closed").exists()
    plan = ReviewPlan.objects.get()
    assert plan.checks.filter(result="passed").count() == 2 and plan.checks.filter(result="pending").exists()
    assert counts[0] >= 110
    assert set(RectificationItem.objects.values_list("status", flat=True)) == {
        "open", "in_progress", "closing_requested", "closed", "rebounded"
    }  # fmt: skip
    assert set(RectificationItem.objects.exclude(status="closed").values_list("colour", flat=True)) == {
        "green", "yellow", "orange", "red"
    }  # fmt: skip
    assert Evidence.objects.exists()
    seed_rectifications(ctx)
    assert (RectificationItem.objects.count(), Transition.objects.count(), Notice.objects.count()) == counts
    client = client_for(User.objects.get(username="inspector"))
    item = RectificationItem.objects.filter(status="closed").first()
    for url in (
        reverse("rectifications:index"),
        reverse("rectifications:detail", args=[item.pk]),
        reverse("rectifications:queue"),
        reverse("rectifications:notices"),
        reverse("rectifications:bulletin"),
        reverse("rectifications:dossier", args=[item.pk]),
    ):
        assert client.get(url).status_code == 200, url
