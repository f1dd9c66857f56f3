"""回头看 plans (issue 16 point 6): which closed items are re-checked by when, and each re-check recorded."""

import datetime as dt

import pytest
from django.urls import reverse

from rectifications import services
from rectifications.models import ReviewCheck, Transition
from tests.factories import RectificationItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_items(unit_a):
    return [
        RectificationItemFactory(unit=unit_a, status="closed", closed_on=dt.date(2026, 1, d), code=f"R-{d:02d}")
        for d in range(1, 11)
    ]


def test_plan_of_all_closed_items_in_scope(inspector, closed_items, unit_a):
    RectificationItemFactory(unit=unit_a, status="closed", closed_on=dt.date(2026, 5, 1), code="LATER")
    RectificationItemFactory(unit=unit_a, status="in_progress", code="OPEN")
    plan = services.review_plan_create(
        user=inspector, name="2026 回头看", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30)
    )
    assert sorted(plan.checks.values_list("item__code", flat=True)) == [f"R-{d:02d}" for d in range(1, 11)]
    assert set(plan.checks.values_list("result", flat=True)) == {"pending"}


def test_sample_plan_is_reproducible_and_rounds_up(inspector, closed_items):
    # 30 % of 10 items = 3; the sample is seeded by the plan's name: a second plan of the same name is refused,
    # and drawing again with that name picks the same three (checked on the service's own seed)
    plan = services.review_plan_create(
        user=inspector, name="抽查A", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30),
        rule="sample", sample_percent=25,
    )  # fmt: skip
    picked = sorted(plan.checks.values_list("item_id", flat=True))
    assert len(picked) == 3  # ⌈10 × 25 %⌉ = ⌈2.5⌉ = 3
    import random

    assert picked == sorted(random.Random("抽查A").sample(sorted(i.pk for i in closed_items), 3))
    with pytest.raises(services.WorkflowError):
        services.review_plan_create(
            user=inspector, name="抽查A", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30)
        )


def test_only_an_inspector_plans_and_records(official_a, leader, inspector, closed_items):
    for who in (official_a, leader):
        with pytest.raises(services.NotAllowed):
            services.review_plan_create(
                user=who, name="x", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30)
            )
    plan = services.review_plan_create(
        user=inspector, name="p", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30)
    )
    with pytest.raises(services.NotAllowed):
        services.review_check_record(check=plan.checks.first(), user=leader, result="passed")


def test_recording_passed_and_rebound(inspector, closed_items):
    plan = services.review_plan_create(
        user=inspector, name="p", closed_before=dt.date(2026, 3, 31), due=dt.date(2026, 6, 30)
    )
    first, second = plan.checks.order_by("item__code")[:2]
    services.review_check_record(check=first, user=inspector, result="passed", note="现场复核整改到位")
    first.refresh_from_db()
    assert first.result == "passed" and first.checked_by == inspector and first.item.status == "closed"
    with pytest.raises(services.WorkflowError):  # a rebound needs its reason
        services.review_check_record(check=second, user=inspector, result="rebound")
    services.review_check_record(check=second, user=inspector, result="rebound", note="排口重新直排")
    second.refresh_from_db()
    second.item.refresh_from_db()
    assert second.result == "rebound" and second.item.status == "rebounded" and second.item.colour == "red"
    assert Transition.objects.filter(item=second.item, to_status="rebounded", comment__contains="排口重新直排").exists()
    with pytest.raises(services.StaleItem):  # recorded once
        services.review_check_record(check=first, user=inspector, result="rebound", note="x")
    assert ReviewCheck.objects.get(pk=first.pk).result == "passed"


def test_plan_pages(client_for, inspector, leader, closed_items):
    client = client_for(inspector)
    response = client.post(
        reverse("rectifications:review_plans"),
        {"name": "页面计划", "closed_before": "2026-03-31", "due": "2026-06-30", "rule": "all", "sample_percent": 30},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "页面计划" in page and "R-01" in page and "待复查" in page
    check = ReviewCheck.objects.order_by("item__code").first()
    client.post(reverse("rectifications:review_check", args=[check.pk]), {"result": "passed", "note": "ok"})
    assert ReviewCheck.objects.get(pk=check.pk).result == "passed"
    listing = client_for(leader).get(reverse("rectifications:review_plans")).content.decode()
    assert "页面计划" in listing and "制定回头看计划" not in listing  # leaders read, do not plan
