"""As of means as of (issue 12 point 4): a past date scored again after later history gives the same rows; a run
replaced by a recompute stays readable (issue 19 item 2); pages read the stored status, never a second rule."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from rectifications.choices import Colour, Status
from rectifications.models import Transition
from targets import selectors, services
from targets.choices import RunStatus
from targets.models import NotApplicable, ScoreSnapshot, UnitScore
from tests.factories import (
    IndicatorFactory,
    InspectionFactory,
    ItemFactory,
    RectificationItemFactory,
    SchemeFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date(2026, 3, 31)


def _at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def rect_scheme(unit_a, unit_b):
    """Closure rate (proportional, 10), overdue items (−0.5 each ≤ 5) and red/orange items (−1 each ≤ 3)."""
    s = SchemeFactory(year=2026)
    closure = IndicatorFactory(code="rectification_closure_rate", name="督察整改销号率", source="computed")
    overdue = IndicatorFactory(
        code="rectification_overdue_count",
        name="逾期整改问题",
        unit_of_measure="项",
        direction="lower",
        source="computed",
    )
    red = IndicatorFactory(
        code="rectification_red_orange_count",
        name="红橙预警问题",
        unit_of_measure="项",
        direction="lower",
        source="computed",
    )
    ItemFactory(scheme=s, indicator=closure, max_points=10, rule="proportional", sort_order=1)
    ItemFactory(
        scheme=s, indicator=overdue, max_points=0, rule="deduction", params={"per": 0.5, "cap": 5}, sort_order=2
    )
    ItemFactory(scheme=s, indicator=red, max_points=0, rule="deduction", params={"per": 1, "cap": 3}, sort_order=3)
    for u in (unit_a, unit_b):
        TargetFactory(indicator=closure, unit=u, value=100.0)
    return s


def _rows(run):
    snaps = ScoreSnapshot.objects.filter(run=run).order_by("unit_id", "item_id")
    fields = ["unit_id", "item_id", "raw_value", "value", "status", "points", "detail", "points_at_risk", "need_kind"]
    totals = UnitScore.objects.filter(run=run).order_by("unit_id").values_list("unit_id", "total", "rank")
    return list(snaps.values_list(*fields)), list(totals)


def test_rescoring_a_past_date_after_later_history_gives_identical_rows(rect_scheme, unit_a, unit_b, inspector):
    insp = InspectionFactory(date=dt.date(2026, 1, 10))
    # A: one item due 03-10, in progress on 03-31 (21 days overdue → orange); one closed on 03-20
    late = RectificationItemFactory(
        unit=unit_a, inspection=insp, status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 10)
    )
    done = RectificationItemFactory(
        unit=unit_a, inspection=insp, status=Status.IN_PROGRESS, deadline=dt.date(2026, 3, 15)
    )
    Transition.objects.create(
        item=done,
        action="close",
        from_status="closing_requested",
        to_status="closed",
        actor=inspector,
        created_at=_at(dt.date(2026, 3, 20)),
    )
    RectificationItemFactory(unit=unit_b, inspection=insp, status=Status.OPEN, deadline=dt.date(2026, 6, 30))
    first = services.scores_compute(scheme_id=rect_scheme.pk, as_of=D)
    rows = _rows(first)
    by_code = {s.item.indicator.code: s for s in ScoreSnapshot.objects.filter(run=first, unit=unit_a)}
    # A: due 2, closed 1 → 50.0 % → 10 × 50 / 100 = 5.00; overdue 1 → −0.50; orange 1 → −1.00
    assert by_code["rectification_closure_rate"].points == 5.0
    assert by_code["rectification_overdue_count"].points == -0.5
    assert by_code["rectification_red_orange_count"].points == -1.0
    # later history: the late item is closed on 04-05, the closed one rebounds on 04-10, the daily job stores
    # colours of today — none of it may change what 03-31 was
    Transition.objects.create(
        item=late,
        action="close",
        from_status="closing_requested",
        to_status="closed",
        actor=inspector,
        created_at=_at(dt.date(2026, 4, 5)),
    )
    type(late).objects.filter(pk=late.pk).update(
        status=Status.CLOSED, closed_on=dt.date(2026, 4, 5), colour=Colour.GREEN
    )
    Transition.objects.create(
        item=done,
        action="rebound",
        from_status="closed",
        to_status="rebounded",
        actor=inspector,
        created_at=_at(dt.date(2026, 4, 10)),
    )
    type(done).objects.filter(pk=done.pk).update(status=Status.REBOUNDED, rebound_count=1, colour=Colour.RED)
    again = services.scores_compute(scheme_id=rect_scheme.pk, as_of=D)
    assert _rows(again) == rows
    # and today's state does differ (so the test could fail): as of 04-30 the late item is closed
    later = services.scores_compute(scheme_id=rect_scheme.pk, as_of=dt.date(2026, 4, 30))
    assert _rows(later) != rows


def test_admin_finding_of_not_applicable_is_scored_by_policy(rect_scheme, unit_a, unit_b):
    closure = rect_scheme.items.get(indicator__code="rectification_closure_rate")
    closure.na_policy = "full"
    closure.save()
    NotApplicable.objects.create(indicator=closure.indicator, unit=unit_b, year=2026, reason="无督察整改任务")
    run = services.scores_compute(scheme_id=rect_scheme.pk, as_of=D)
    snap = ScoreSnapshot.objects.get(run=run, unit=unit_b, item=closure)
    assert (snap.applicable, snap.status, snap.points) == (False, "na", 10.0)
    assert snap.explanation == "督察整改销号率：不涉及（无督察整改任务），按满分计 10.00 分"


def test_superseded_run_stays_readable_with_a_link_to_its_replacement(scheme, fake_sources, client_for, leader, unit_a):
    first = services.scores_compute(scheme_id=scheme.pk, as_of=D)
    second = services.scores_compute(scheme_id=scheme.pk, as_of=D)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED and first.replaced_by_id == second.pk
    client = client_for(leader)
    # the old ranking link, its export and the ranking table keep working, whole
    page = client.get(reverse("targets:index") + f"?scheme={scheme.pk}&run={first.pk}")
    assert page.status_code == 200 and "已被同一截止日的重新计分替代" in page.content.decode()
    assert client.get(reverse("targets:ranking_export", args=[first.pk])).status_code == 200
    table = selectors.ranking(first)
    assert len(table["rows"]) == 2 and all(all(c is not None for c in r["items"]) for r in table["rows"])
    assert selectors.latest_run(scheme) == second


READERS = [
    "targets/views.py",
    "targets/selectors.py",
    "targets/dashboards/views.py",
    "targets/dashboards/selectors.py",
    "targets/dashboards/charts.py",
]


def test_readers_have_no_second_met_rule():
    """Whether a value meets its target is decided by the engine and stored; readers compare nothing."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"(>=|<=)\s*\w*(\[\"|\.)target|(value|raw_value)\w*\s*(>=|<=)")
    offenders = [
        f"{path}:{n}: {line.strip()}"
        for path in READERS
        for n, line in enumerate((root / path).read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_admin_previews_the_ranking_of_an_edited_scheme_without_saving(scheme, fake_sources, client, admin_user):
    # good-day rate 10 → 30 points in the edit: A 86.3 → 30 × 86.3 / 88 = 29.42, minus 1.5 overdue = 27.92;
    # B 92 → 30. Nothing is saved: the item keeps 10 points.
    services.scores_compute(scheme_id=scheme.pk, as_of=D)
    client.force_login(admin_user)
    items = list(scheme.items.order_by("sort_order"))
    data = {
        "name": scheme.name,
        "year": scheme.year,
        "published": "on",
        "caps": "{}",
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "_preview": "1",
    }
    for n, it in enumerate(items):
        data |= {
            f"items-{n}-id": it.pk,
            f"items-{n}-scheme": scheme.pk,
            f"items-{n}-indicator": it.indicator_id,
            f"items-{n}-max_points": 30 if it.indicator.code == "air_good_day_rate" else it.max_points,
            f"items-{n}-rule": it.rule,
            f"items-{n}-na_policy": it.na_policy,
            f"items-{n}-sort_order": it.sort_order,
            **{f"items-{n}-{k}": v for k, v in it.params.items()},
        }
    response = client.post(reverse("admin:targets_assessmentscheme_change", args=[scheme.pk]), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    assert "排名预览（未保存）" in html and "27.92" in html and "30.00" in html
    assert scheme.items.get(indicator__code="air_good_day_rate").max_points == 10


def test_a_correction_approved_later_does_not_change_a_past_date(scheme, fake_sources, official_a, admin_user, unit_a):
    from targets.models import DataValue, Indicator

    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=9, value=70)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    v = services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    DataValue.objects.filter(pk=v.pk).update(approved_at=_at(dt.date(2026, 10, 8)))
    first = services.scores_compute(scheme_id=scheme.pk, as_of=dt.date(2026, 10, 31))
    rows = _rows(first)
    # 70 < 80 → threshold 0 points
    assert ScoreSnapshot.objects.get(run=first, unit=unit_a, item__indicator=waste).points == 0
    # corrected to 85 and approved today (after 31 October): 31 October keeps 70; today sees 85 → 5 points
    c = services.data_value_save(
        user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=9, value=85, reason="录入错误"
    )
    c = services.data_value_submit(user=official_a, value_id=c.pk, version=c.version)
    services.data_value_approve(user=admin_user, value_id=c.pk, version=c.version)
    assert _rows(services.scores_compute(scheme_id=scheme.pk, as_of=dt.date(2026, 10, 31))) == rows
    today = services.scores_compute(scheme_id=scheme.pk, as_of=timezone.localdate())
    assert ScoreSnapshot.objects.get(run=today, unit=unit_a, item__indicator=waste).points == 5


def test_scheme_caps_are_labelled_fields_not_json(db):
    from targets.admin import SchemeForm

    form = SchemeForm(data={"year": 2026, "name": "方案", "cap_deduction_rectification": "5", "cap_bonus_overall": "3"})
    assert form.is_valid(), form.errors
    assert form.instance.caps == {"deduction": {"rectification": 5.0}, "bonus": {"overall": 3.0}}
    # a negative cap is refused by the field, not found later by a failing run
    assert not SchemeForm(data={"year": 2026, "name": "方案", "cap_bonus_overall": "-1"}).is_valid()


def test_score_sheet_renders_the_stored_numbers_in_english_and_a_superseded_run_is_done(
    scheme, fake_sources, unit_a, client_for, leader
):
    run = services.scores_compute(scheme_id=scheme.pk, as_of=D)
    sheet = {s.item.indicator.code: s for s in selectors.unit_score_sheet(run, unit_a.pk, lang="en")}
    # 10 × 86.3 / 88 = 9.81 (the fake source's detail stays as the source wrote it)
    assert sheet["air_good_day_rate"].explanation_text == (
        "优良天数率 86.3%, target 88.0%, proportional: 9.81 points (10.00 × 86.3 ÷ 88.0) (优良天数 259 / 有效天数 300)"
    )
    # as of 31 March, 9 months remain: (88 × 12 − 86.3 × 3) ÷ 9 = 88.57 → 88.6 (rounded up to be safe)
    assert sheet["air_good_day_rate"].need_text == "优良天数率 mean of the remaining 9 months ≥ 88.6%"
    services.scores_compute(scheme_id=scheme.pk, as_of=D)
    status = client_for(leader).get(reverse("targets:run_status", args=[run.pk])).json()
    assert status["status"] == "superseded" and status["done"] is True
