"""扣分风险跟踪督办: who may assign, the cycle assign → report → done, stale versions, re-runs, the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from targets.followups import risk_followup_assign, risk_followup_report
from targets.models import RiskFollowUp, RiskFollowUpEvent, RiskFollowUpReport, ScoreSnapshot, ScoringRun
from tests.factories import ItemFactory, SchemeFactory
from tracker.common.workflow import Stale
from tracker.models import InboxEntry

pytestmark = pytest.mark.django_db


def _run(scheme, item, unit, at_risk: float, as_of: dt.date):
    """A succeeded run in which `unit` risks `at_risk` points on `item`."""
    run = ScoringRun.objects.create(scheme=scheme, as_of=as_of, status="succeeded", progress=100)
    ScoreSnapshot.objects.create(
        run=run, scheme=scheme, unit=unit, item=item, as_of=as_of, value=60, target=80, points=3, max_points=5,
        projected=70, points_at_risk=at_risk,
    )  # fmt: skip
    return run


@pytest.fixture
def risk(unit_a):
    today = timezone.localdate()
    scheme = SchemeFactory(year=today.year)
    item = ItemFactory(scheme=scheme, max_points=5)
    _run(scheme, item, unit_a, 1.25, today)
    return item


def _assign(user, unit, item, person=None, days=20, **kw):
    return risk_followup_assign(
        user=user,
        unit_id=unit.pk,
        item_id=item.pk,
        deadline=timezone.localdate() + dt.timedelta(days=days),
        note="请制定挽回措施。",
        person_id=person.pk if person else None,
        **kw,
    )


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("official_a", False),
        ("official_b", False),
        ("dept_official", False),
        ("leader", True),
        ("inspector", False),
        ("admin", True),
    ],
)
def test_only_leaders_and_admins_assign_risks(actors, unit_a, person_a, risk, role, allowed):
    if allowed:
        followup = _assign(actors[role], unit_a, risk, person_a)
        assert (followup.status, followup.points_at_risk, followup.year) == ("assigned", 1.25, risk.scheme.year)
    else:
        with pytest.raises(PermissionDenied):
            _assign(actors[role], unit_a, risk, person_a)
        assert not RiskFollowUp.objects.exists()


def test_a_county_official_cannot_open_the_assignment_page(client, official_a, unit_a, risk):
    client.force_login(official_a)
    url = reverse("targets:risk_followup_assign") + f"?unit={unit_a.pk}&item={risk.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"unit": unit_a.pk, "item": risk.pk, "deadline": "2099-01-01"}).status_code == 403
    assert not RiskFollowUp.objects.exists()


def test_the_follow_up_cycle_assign_report_done(leader, official_a, unit_a, person_a, risk):
    followup = _assign(leader, unit_a, risk, person_a)
    # the unit's official is told
    assert list(InboxEntry.objects.filter(user=official_a).values_list("kind", flat=True)) == ["risk_followup"]
    risk_followup_report(
        user=official_a, followup=followup, text="已召开专题会。", final=False, expected_version=followup.version
    )
    followup.refresh_from_db()
    assert (followup.status, followup.version, followup.done_on) == ("reporting", 1, None)
    risk_followup_report(user=official_a, followup=followup, text="整改完成。", final=True, expected_version=1)
    followup.refresh_from_db()
    assert (followup.status, followup.version, followup.done_on) == ("done", 2, timezone.localdate())
    moves = list(RiskFollowUpEvent.objects.filter(followup=followup).values_list("from_status", "to_status"))
    assert moves == [("", "assigned"), ("assigned", "reporting"), ("reporting", "done")]
    assert list(RiskFollowUpReport.objects.order_by("pk").values_list("final", flat=True)) == [False, True]
    # the leader who assigned it hears that it is done
    assert InboxEntry.objects.filter(user=leader, kind="risk_followup").count() == 1
    # a finished follow-up takes no more reports
    with pytest.raises(ValidationError):
        risk_followup_report(user=official_a, followup=followup, text="再报。", final=False, expected_version=2)


def test_a_stale_version_is_refused_and_nothing_is_written(leader, official_a, unit_a, risk):
    followup = _assign(leader, unit_a, risk)
    risk_followup_report(user=official_a, followup=followup, text="第一次。", final=False, expected_version=0)
    followup.refresh_from_db()
    with pytest.raises(Stale):
        risk_followup_report(user=official_a, followup=followup, text="旧页面。", final=True, expected_version=0)
    followup.refresh_from_db()
    assert (followup.status, followup.version) == ("reporting", 1)
    assert RiskFollowUpReport.objects.count() == 1
    # handing it again also needs the version the page showed
    with pytest.raises(Stale):
        _assign(leader, unit_a, risk, days=30, expected_version=0)
    _assign(leader, unit_a, risk, days=30, expected_version=1)
    followup.refresh_from_db()
    assert (followup.status, followup.deadline) == ("assigned", timezone.localdate() + dt.timedelta(days=30))


def test_another_countys_official_cannot_report(leader, official_b, unit_a, risk):
    followup = _assign(leader, unit_a, risk)
    with pytest.raises(PermissionDenied):
        risk_followup_report(user=official_b, followup=followup, text="越权。", final=True, expected_version=0)
    assert not RiskFollowUpReport.objects.exists()


def test_a_pair_without_risk_cannot_be_assigned_nor_a_person_of_another_unit(leader, unit_a, unit_b, person_b, risk):
    with pytest.raises(ValidationError, match="没有扣分风险"):
        _assign(leader, unit_b, risk)
    with pytest.raises(ValidationError) as exc:
        _assign(leader, unit_a, risk, person_b)
    assert "person" in exc.value.message_dict
    assert not RiskFollowUp.objects.exists()


def test_the_follow_up_survives_a_re_run(leader, unit_a, risk):
    from targets.selectors import risks_with_followups

    followup = _assign(leader, unit_a, risk)
    rerun = _run(risk.scheme, risk, unit_a, 0.75, timezone.localdate())
    rows = risks_with_followups(run=rerun, user=leader)
    assert [(r["points_at_risk"], r["followup"].pk) for r in rows] == [(0.75, followup.pk)]


@pytest.mark.parametrize(
    "role, sees", [("official_a", True), ("official_b", False), ("leader", True), ("inspector", True)]
)
def test_risk_page_shows_who_follows_what_to_whom_it_concerns(
    client, actors, leader, unit_a, person_a, risk, role, sees
):
    _assign(leader, unit_a, risk, person_a)
    client.force_login(actors[role])
    response = client.get(reverse("targets:risk_followups"))
    assert response.status_code == 200
    followed = [r for r in response.context["risks"] if r["followup"] is not None]
    assert len(followed) == (1 if sees else 0)
    assert len(response.context["table"].page.object_list) == (1 if sees else 0)


@pytest.mark.clock("2026-06-10 10:00")
def test_overdue_follow_ups_are_highlighted_on_the_page_and_dashboard(client, leader, unit_a, person_a, risk):
    followup = _assign(leader, unit_a, risk, person_a)
    RiskFollowUp.objects.filter(pk=followup.pk).update(deadline=dt.date(2026, 6, 1))
    client.force_login(leader)
    body = client.get(reverse("targets:risk_followups")).content.decode()
    assert 'class="row-overdue"' in body and "已超期" in body
    board = client.get(reverse("targets:dashboard_unit", args=[unit_a.pk]))
    assert board.context["followups"]["overdue"] == 1


def test_assign_and_report_through_the_pages(client, leader, official_a, unit_a, person_a, risk):
    client.force_login(leader)
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("targets:risk_followup_assign"),
        {"unit": unit_a.pk, "item": risk.pk, "person": person_a.pk, "deadline": deadline, "note": "抓紧。"},
    )
    followup = RiskFollowUp.objects.get()
    assert response["Location"] == reverse("targets:risk_followup_detail", args=[followup.pk])
    client.force_login(official_a)
    url = reverse("targets:risk_followup_detail", args=[followup.pk])
    assert client.post(url, {"version": 0, "text": "已完成。", "final": "on"}).status_code == 302
    followup.refresh_from_db()
    assert followup.status == "done"
    stale = client.post(url, {"version": 0, "text": "旧页面再报。"})
    assert stale.status_code == 200 and RiskFollowUpReport.objects.count() == 1


def test_follow_up_pages_read_in_english(client, leader, unit_a, person_a, risk):
    followup = _assign(leader, unit_a, risk, person_a)
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("targets:risk_followups")).content.decode()
    assert "Deduction risk follow-up" in body and "Assigned" in body
    detail = client.get(reverse("targets:risk_followup_detail", args=[followup.pk])).content.decode()
    assert "Reassign" in detail
