"""Warning rules over hand-made readings: fires once per episode, not twice; closes; scope respected; escalation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rectifications.escalation import warning_escalate
from rectifications.models import RectificationItem
from tests.factories import AirStationFactory, WarZoneFactory, WaterSectionFactory
from tracker.models import MonitoringWarning, WarningEvent, WarningRule
from tracker.services.air import air_readings_import_records
from tracker.services.watch import warning_respond
from tracker.services.water import water_readings_upsert

D0 = dt.date(2026, 1, 10)
TODAY = dt.date(2026, 3, 1)


def pm25_rule(**kw) -> WarningRule:
    fields = dict(name="PM2.5 连续3天超75", source="air", parameter="pm25", threshold=Decimal("75"), duration=3)
    fields.update(kw)
    return WarningRule.objects.create(**fields)


def post_air(station, values: dict[int, float]) -> None:
    """Ingest PM2.5 for `station` on D0 + offset days (through the real ingest service)."""
    records = [
        {"station": station.code, "date": (D0 + dt.timedelta(days=k)).isoformat(), "pm25": v} for k, v in values.items()
    ]
    air_readings_import_records(records=records, today=TODAY)


@pytest.fixture
def station_a(unit_a):
    return AirStationFactory(code="JY01", name="井研县城", unit=unit_a)


@pytest.mark.django_db
def test_three_days_above_fires_one_warning_with_its_readings(station_a):
    pm25_rule()
    # days 0..3: 80, 90, 76 exceed (> 75), day 3 = 75 does not (strictly above) → one run of 3 = duration → fires
    post_air(station_a, {0: 80, 1: 90, 2: 76, 3: 75})
    w = MonitoringWarning.objects.get()
    assert (w.unit, w.station, w.status) == (station_a.unit, station_a, "open")
    assert (w.episode_start, w.fired_on, w.last_date) == (D0, D0 + dt.timedelta(days=2), D0 + dt.timedelta(days=2))
    assert w.periods == 3 and w.peak_value == 90
    assert [(r.date.day, r.value) for r in w.readings.all()] == [(10, 80.0), (11, 90.0), (12, 76.0)]


@pytest.mark.django_db
def test_two_days_above_do_not_fire(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 2: 60})  # run of 2 < 3
    assert not MonitoringWarning.objects.exists()


@pytest.mark.django_db
def test_same_batch_twice_fires_once(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 2: 76})
    post_air(station_a, {0: 80, 1: 90, 2: 76})
    assert MonitoringWarning.objects.count() == 1
    assert MonitoringWarning.objects.get().readings.count() == 3


@pytest.mark.django_db
def test_episode_going_on_next_day_extends_not_fires_again(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 2: 76})
    post_air(station_a, {3: 120})  # the run goes on, sent the next day on its own
    w = MonitoringWarning.objects.get()
    # 4 consecutive days now; peak max(90, 120) = 120; fired_on stays the third day
    assert (w.periods, w.peak_value, w.last_date, w.fired_on) == (
        4,
        120,
        D0 + dt.timedelta(days=3),
        D0 + dt.timedelta(days=2),
    )


@pytest.mark.django_db
def test_after_a_clean_day_a_new_run_is_a_new_episode(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 2: 76, 3: 40})
    post_air(station_a, {4: 80, 5: 80, 6: 80})  # day 3 clean breaks the run → second episode from day 4
    starts = sorted(MonitoringWarning.objects.values_list("episode_start", flat=True))
    assert starts == [D0, D0 + dt.timedelta(days=4)]


@pytest.mark.django_db
def test_a_gap_in_the_data_breaks_the_run(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 3: 76})  # day 2 missing: runs of 2 and 1, neither reaches 3
    assert not MonitoringWarning.objects.exists()


@pytest.mark.django_db
def test_backfilled_day_joins_two_runs_into_one_episode(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 80, 3: 80, 4: 80})  # no run of 3 yet
    assert not MonitoringWarning.objects.exists()
    post_air(station_a, {2: 80})  # the missing day arrives late: days 0..4 are one run of 5
    w = MonitoringWarning.objects.get()
    assert (w.episode_start, w.fired_on, w.last_date, w.periods) == (
        D0, D0 + dt.timedelta(days=2), D0 + dt.timedelta(days=4), 5
    )  # fmt: skip


@pytest.mark.django_db
def test_scope_war_zone_only_watches_its_stations(unit_a, unit_b):
    east, west = WarZoneFactory(code="east", name="东部战区"), WarZoneFactory(code="west", name="西部战区")
    inside = AirStationFactory(code="E1", unit=unit_a, war_zone=east)
    outside = AirStationFactory(code="W1", unit=unit_b, war_zone=west)
    pm25_rule(scope="war_zone", war_zone=east)
    post_air(inside, {0: 80, 1: 80, 2: 80})
    post_air(outside, {0: 80, 1: 80, 2: 80})
    assert list(MonitoringWarning.objects.values_list("station__code", "unit__name")) == [("E1", "井研县")]


@pytest.mark.django_db
def test_scope_station_and_unit(unit_a, unit_b):
    a1 = AirStationFactory(code="A1", unit=unit_a)
    a2 = AirStationFactory(code="A2", unit=unit_a)
    b1 = AirStationFactory(code="B1", unit=unit_b)
    WarningRule.objects.create(
        name="AQI>200 单站", source="air", parameter="aqi", threshold=200, duration=1, scope="station", station=a2
    )
    pm25_rule(name="沐川 PM2.5", scope="unit", unit=unit_b, duration=1)
    for s in (a1, a2, b1):
        # PM2.5 = 300 µg/m³ → IAQI 350 (HJ 633: 250–350 µg/m³ ↔ 300–400, 300 + (300−250)·100/100 = 350) → AQI 350
        post_air(s, {0: 300})
    got = sorted(MonitoringWarning.objects.values_list("rule__name", "station__code"))
    assert got == [("AQI>200 单站", "A2"), ("沐川 PM2.5", "B1")]


@pytest.mark.django_db
def test_inactive_rule_fires_nothing(station_a):
    pm25_rule(is_active=False)
    post_air(station_a, {0: 80, 1: 90, 2: 76})
    assert not MonitoringWarning.objects.exists()


# --- water ---------------------------------------------------------------------------------------------------
def post_water(section, months: dict[str, dict]) -> None:
    water_readings_upsert([{"section": section.code, "month": m, **v} for m, v in months.items()], today=TODAY)


@pytest.mark.django_db
def test_section_worse_than_target_two_months_fires_once(unit_a):
    section = WaterSectionFactory(code="MXH-01", name="茫溪河王村", unit=unit_a, target_class=3)
    WarningRule.objects.create(
        name="断面连续2月不达标", source="water", parameter="class_over_target", threshold=0, duration=2
    )
    # NH3-N 1.2 mg/L is class IV (III ≤ 1.0 < IV ≤ 1.5, GB 3838-2002) → one class worse than target III; 0.4 is II.
    # The other parameters of the minimum set (DO 8, CODMn 2, TP 0.02: all class I) make each reading complete.
    base = {"do": "8", "codmn": "2", "tp": "0.02"}
    post_water(
        section,
        {"2025-11": {**base, "nh3n": "1.2"}, "2025-12": {**base, "nh3n": "1.2"}, "2026-01": {**base, "nh3n": "0.4"}},
    )
    post_water(section, {"2025-12": {**base, "nh3n": "1.2"}})  # a correction sent again: same episode
    w = MonitoringWarning.objects.get()
    assert (w.section, w.episode_start, w.fired_on, w.periods, w.peak_value) == (
        section, dt.date(2025, 11, 1), dt.date(2025, 12, 1), 2, 1.0
    )  # fmt: skip


@pytest.mark.django_db
def test_dissolved_oxygen_below_threshold(unit_a):
    section = WaterSectionFactory(code="MXH-02", unit=unit_a)
    WarningRule.objects.create(
        name="溶解氧低于3", source="water", parameter="do", comparison="below", threshold=3, duration=1
    )
    post_water(section, {"2025-10": {"do": "2.5"}, "2025-11": {"do": "6"}})
    w = MonitoringWarning.objects.get()
    assert (w.episode_start, w.peak_value) == (dt.date(2025, 10, 1), 2.5)


# --- closing: respond / escalate ------------------------------------------------------------------------------
@pytest.fixture
def fired(station_a):
    pm25_rule()
    post_air(station_a, {0: 80, 1: 90, 2: 76})
    return MonitoringWarning.objects.get()


@pytest.mark.django_db
def test_unit_official_closes_warning_with_a_response(fired, official_a):
    w = warning_respond(user=official_a, warning_id=fired.pk, expected_version=0, response="停工扬尘工地3处，洒水降尘")
    assert (w.status, w.response, w.closed_by, w.version) == ("responded", "停工扬尘工地3处，洒水降尘", official_a, 1)
    event = WarningEvent.objects.get(warning=w)
    assert (event.from_status, event.to_status, event.actor) == ("open", "responded", official_a)
    with pytest.raises(ValidationError):  # closed: a second response is refused
        warning_respond(user=official_a, warning_id=fired.pk, expected_version=1, response="再次")


@pytest.mark.django_db
def test_stale_version_is_refused(fired, official_a):
    with pytest.raises(ValidationError):
        warning_respond(user=official_a, warning_id=fired.pk, expected_version=3, response="x")
    fired.refresh_from_db()
    assert fired.status == "open"


@pytest.mark.django_db
def test_other_units_official_cannot_see_or_respond(fired, official_b, leader, inspector):
    from django.http import Http404

    with pytest.raises(Http404):
        warning_respond(user=official_b, warning_id=fired.pk, expected_version=0, response="x")
    for user in (leader, inspector):
        with pytest.raises(PermissionDenied):
            warning_respond(user=user, warning_id=fired.pk, expected_version=0, response="x")
    assert MonitoringWarning.objects.get().status == "open"


@pytest.mark.django_db
def test_a_closed_warning_still_absorbs_its_episode(fired, official_a, station_a):
    warning_respond(user=official_a, warning_id=fired.pk, expected_version=0, response="已处置")
    post_air(station_a, {3: 99})  # the same episode goes on: no second warning
    assert MonitoringWarning.objects.count() == 1


@pytest.mark.django_db
def test_inspector_escalates_into_a_rectification_item(fired, inspector):
    deadline = timezone.localdate() + dt.timedelta(days=30)
    w, item = warning_escalate(
        user=inspector, warning_id=fired.pk, expected_version=0, deadline=deadline, responsible_person="李四",
        measures="排查周边工地", note="连续超标",
    )  # fmt: skip
    assert w.status == "escalated"
    item = RectificationItem.objects.get(source_warning=w)
    assert (item.unit, item.status, item.area, item.responsible_person, item.deadline) == (
        fired.unit, "open", "air", "李四", deadline
    )  # fmt: skip
    assert item.inspection.kind == "monitoring"
    assert "PM2.5 连续3天超75" in item.description and "峰值 90" in item.description


@pytest.mark.django_db
def test_official_cannot_escalate_and_nothing_is_written(fired, official_a):
    with pytest.raises(PermissionDenied):
        warning_escalate(
            user=official_a, warning_id=fired.pk, expected_version=0,
            deadline=timezone.localdate() + dt.timedelta(days=30), responsible_person="李四",
        )  # fmt: skip
    assert not RectificationItem.objects.exists()
    assert MonitoringWarning.objects.get().status == "open"
