"""`AirUnitDay`, the units' daily means kept at ingest: equal to the rule computed from the readings on every path
that changes what a reading means, and never stale for a reader.

The reference is the rule as the station-level path computes it (`readings_frame` of the assessment points, sand
dust applied per reading, then `daily_means`), so these tests fail as soon as the kept table drifts from it.
"""

from __future__ import annotations

import datetime
import random

import numpy as np
import pandas as pd
import psycopg2
import pytest
from django.db import connection

from tests.factories import AirStationFactory
from tracker.air_days import air_unit_days_refresh
from tracker.models import AirDailyReading, AirUnitDay, AirUnitDayStale, SandDustDay
from tracker.selectors.air import (
    POLLUTANTS,
    daily_means,
    indicator_air_composite_index,
    readings_frame,
    unit_days_frame,
)
from tracker.services.air import _upsert

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)
COMPARED = [*POLLUTANTS, "aqi", "valid"]


def _reference(start=START, end=END) -> pd.DataFrame:
    readings = readings_frame(start=start, end=end, station__counts_for_assessment=True)
    return _sorted(daily_means(readings, "unit_id"))


def _kept(start=START, end=END) -> pd.DataFrame:
    return _sorted(unit_days_frame(start=start, end=end))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["unit_id", "date"]).reset_index(drop=True)
    frame["unit_id"] = frame["unit_id"].astype(int)
    frame["valid"] = frame["valid"].astype(bool)
    return frame[["unit_id", "date", *COMPARED]]


def _assert_kept_equals_reference() -> None:
    kept, ref = _kept(), _reference()
    assert len(ref) > 0
    pd.testing.assert_frame_equal(kept, ref, check_dtype=False)


def _random_readings(stations, days: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = []
    for s in stations:
        for i in range(days):
            row = {"station_id": s.pk, "date": START + datetime.timedelta(days=i)}
            for col, (lo, hi) in {
                "so2": (2, 40),
                "no2": (5, 90),
                "pm10": (20, 420),
                "co": (0.2, 3.0),
                "o3_8h": (20, 260),
                "pm25": (5, 260),
            }.items():
                # some values missing; decimals so means land on rounding boundaries now and then
                row[col] = None if rng.random() < 0.08 else round(rng.uniform(lo, hi), rng.choice([0, 1]))
            rows.append(row)
    _upsert(pd.DataFrame(rows))


@pytest.fixture
def stations(unit_a, unit_b):
    points = [AirStationFactory(unit=unit_a), AirStationFactory(unit=unit_a), AirStationFactory(unit=unit_b)]
    other = AirStationFactory(unit=unit_a, counts_for_assessment=False)  # not an assessment point
    _random_readings([*points, other], 31, seed=7)
    return points, other


@pytest.mark.django_db
def test_kept_unit_days_equal_the_rule_on_the_readings(stations):
    _assert_kept_equals_reference()
    # hand check of one unit-day: the two points of unit_a on 1 March, PM2.5 mean rounded to an integer
    points, _ = stations
    day = AirDailyReading.objects.filter(station__in=points[:2], date=START)
    values = [r.pm25 for r in day if r.pm25 is not None]
    row = AirUnitDay.objects.get(unit=points[0].unit, date=START)
    assert row.stations == 2
    if values:
        assert row.pm25 == float(np.round(np.round(sum(values) / len(values), 6)))


@pytest.mark.django_db
def test_a_non_assessment_point_never_enters_the_unit_days(stations, unit_a):
    _, other = stations
    before = _kept()
    AirDailyReading.objects.filter(station=other).update(pm25=999.0)
    pd.testing.assert_frame_equal(_kept(), before)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        "orm_save",
        "queryset_update",
        "delete_one",
        "upsert_again",
        "upsert_orm_path",
        "raw_sql",
        "station_moves",
        "station_no_longer_counts",
        "station_starts_counting",
        "station_deleted",
    ],
)
def test_every_path_that_changes_a_reading_keeps_the_unit_days(stations, unit_b, change):
    points, other = stations
    _kept()  # everything refreshed: from here on only the change's marks are stale
    assert not AirUnitDayStale.objects.exists()
    if change == "orm_save":
        r = AirDailyReading.objects.get(station=points[0], date=START + datetime.timedelta(days=3))
        r.pm25 = 250.0
        r.save()
    elif change == "queryset_update":
        AirDailyReading.objects.filter(station=points[1], date__lte=START + datetime.timedelta(days=9)).update(
            pm10=None, o3_8h=300.0
        )
    elif change == "delete_one":
        AirDailyReading.objects.filter(station=points[2], date=START).delete()  # unit_b's only point: day gone
    elif change == "upsert_again":
        _random_readings([points[0]], 10, seed=99)
    elif change == "upsert_orm_path":  # bulk_create(update_conflicts=True), the SQLite path, run here on PostgreSQL
        rows = [{"station_id": points[0].pk, "date": START, "so2": 1.0, "no2": 2.0, "pm10": 3.0, "co": 0.1}]
        _upsert(pd.DataFrame([{**rows[0], "o3_8h": 4.0, "pm25": 5.0}]), method="orm")
    elif change == "raw_sql":
        with connection.cursor() as cur:
            cur.execute("UPDATE tracker_airdailyreading SET no2 = 150 WHERE station_id = %s", [points[1].pk])
    elif change == "station_moves":
        points[1].unit = unit_b
        points[1].save()
    elif change == "station_no_longer_counts":
        points[2].counts_for_assessment = False
        points[2].save()
    elif change == "station_starts_counting":
        other.counts_for_assessment = True
        other.save()
    elif change == "station_deleted":
        points[0].delete()
    assert AirUnitDayStale.objects.exists()  # the database marked what the change touched
    _assert_kept_equals_reference()


@pytest.mark.django_db
def test_sand_dust_days_apply_on_read_without_a_rewrite(stations):
    dust = START + datetime.timedelta(days=4)
    _kept()
    SandDustDay.objects.create(date=dust, note="沙尘过程认定文件")
    assert not AirUnitDayStale.objects.exists()  # flagging a day rewrites nothing
    _assert_kept_equals_reference()
    kept = _kept()
    assert kept.loc[kept["date"] == pd.Timestamp(dust), ["pm10", "pm25"]].isna().all().all()
    SandDustDay.objects.all().delete()
    _assert_kept_equals_reference()


@pytest.mark.django_db
def test_a_failed_refresh_keeps_its_marks(stations, monkeypatch):
    from tracker import air_days

    n = AirUnitDayStale.objects.count()
    assert n > 0

    def boom(keys):
        raise RuntimeError("database went away")

    monkeypatch.setattr(air_days, "_recompute", boom)
    with pytest.raises(RuntimeError):
        air_unit_days_refresh()
    assert AirUnitDayStale.objects.count() == n  # rolled back with the refresh: the next one does the work
    monkeypatch.undo()
    assert air_unit_days_refresh() > 0
    assert not AirUnitDayStale.objects.exists()
    _assert_kept_equals_reference()


@pytest.mark.django_db
def test_a_read_with_nothing_stale_writes_nothing(stations):
    from django.test.utils import CaptureQueriesContext

    assert air_unit_days_refresh() > 0  # the fixture's readings
    with CaptureQueriesContext(connection) as queries:
        assert air_unit_days_refresh() == 0
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]  # one EXISTS, no lock, no DELETE
    AirDailyReading.objects.filter(pk=AirDailyReading.objects.order_by("pk").values("pk")[:1]).update(so2=99)
    assert air_unit_days_refresh() == 1  # a mark is there again: the refresh runs
    _assert_kept_equals_reference()


@pytest.mark.django_db
def test_the_composite_index_counts_assessment_points_only(unit_a):
    # one assessment point: SO2 10, NO2 20, PM10 50, CO 0.6, O3 90, PM2.5 30 every day of January →
    # HJ 663: 10/60 + 20/40 + 50/70 + 0.6/4 + 90/160 + 30/35 = 0.1667 + 0.5 + 0.7143 + 0.15 + 0.5625 + 0.8571
    # = 2.9506 → 2.95. A second station that is not an assessment point (PM2.5 90) must not move it.
    point = AirStationFactory(unit=unit_a)
    other = AirStationFactory(unit=unit_a, counts_for_assessment=False)
    base = {"so2": 10.0, "no2": 20.0, "pm10": 50.0, "co": 0.6, "o3_8h": 90.0, "pm25": 30.0}
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=i) for i in range(31)]
    _upsert(pd.DataFrame([{"station_id": point.pk, "date": d, **base} for d in days]))
    _upsert(pd.DataFrame([{"station_id": other.pk, "date": d, **base, "pm25": 90.0} for d in days]))
    out = indicator_air_composite_index(year=2026, as_of=datetime.date(2026, 1, 31)).set_index("unit_id")
    assert out.loc[unit_a.pk, "value"] == 2.95
    assert out.loc[unit_a.pk, "detail"].startswith("综合指数 2.95 / 有效天数 31")


def _session():
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"] or 5432
    )
    with conn.cursor() as cur:
        cur.execute("SET lock_timeout = '5s'")
    conn.commit()
    return conn


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_after_a_refresh_began_is_refreshed_next_time(unit_a):
    # A writer's marks are written in its own transaction: a refresh that runs while the writer has not committed
    # cannot see them and must not consume them; once the writer commits, the next reader recomputes the day.
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent sessions: PostgreSQL")
    point = AirStationFactory(unit=unit_a)
    row = {"so2": 10.0, "no2": 20.0, "pm10": 50.0, "co": 0.6, "o3_8h": 90.0, "pm25": 30.0}
    _upsert(pd.DataFrame([{"station_id": point.pk, "date": START, **row}]))
    assert _kept()["pm25"].tolist() == [30.0]
    writer = _session()
    try:
        with writer.cursor() as cur:
            cur.execute(
                "UPDATE tracker_airdailyreading SET pm25 = 80 WHERE station_id = %s AND date = %s", [point.pk, START]
            )
        assert air_unit_days_refresh() == 0  # the writer's mark is not visible yet; nothing consumed
        assert _kept()["pm25"].tolist() == [30.0]  # the committed truth
        writer.commit()
    finally:
        writer.close()
    assert _kept()["pm25"].tolist() == [80.0]


@pytest.mark.django_db
def test_an_upload_has_its_unit_days_computed_after_it_commits(unit_a, django_capture_on_commit_callbacks):
    from tracker.services.air import air_readings_import_records

    AirStationFactory(code="JY01", unit=unit_a)
    row = {"station": "JY01", "date": "2026-01-15", "so2": 10, "no2": 30, "pm10": 120, "co": 0.8, "o3_8h": 90}
    with django_capture_on_commit_callbacks(execute=True):
        air_readings_import_records(records=[{**row, "pm25": 80}])
    # the refresh task ran after the commit (inline here, as with eager Celery): nothing left for a reader
    assert not AirUnitDayStale.objects.exists()
    assert AirUnitDay.objects.get(unit=unit_a).pm25 == 80.0


@pytest.mark.django_db
def test_an_upload_with_the_broker_down_leaves_the_refresh_to_the_reader(
    unit_a, django_capture_on_commit_callbacks, monkeypatch
):
    from tracker import tasks
    from tracker.services.air import air_readings_import_records

    def down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.air_unit_days_refresh, "delay", down)
    AirStationFactory(code="JY01", unit=unit_a)
    row = {"station": "JY01", "date": "2026-01-15", "so2": 10, "no2": 30, "pm10": 120, "co": 0.8, "o3_8h": 90}
    with django_capture_on_commit_callbacks(execute=True):
        result = air_readings_import_records(records=[{**row, "pm25": 80}])
    assert result.rows == 1  # the upload itself succeeded
    assert AirUnitDayStale.objects.exists()
    days = unit_days_frame(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 31))
    assert days["pm25"].tolist() == [80.0]


@pytest.mark.django_db
def test_the_database_aggregate_equals_the_pandas_statistics(stations, unit_b):
    # On PostgreSQL the indicators take their counts, sums and percentiles from one aggregate query over the kept
    # unit-days; the pandas path (SQLite) takes them from the frame. Same data, sand-dust day included: same
    # period statistics and the same composite index, unit by unit.
    from tracker.selectors.air import composite_statistics, period_stats, unit_statistics_sql
    from tracker.standards import composite_from_statistics

    if connection.vendor != "postgresql":
        pytest.skip("the aggregate runs on PostgreSQL")
    dust = START + datetime.timedelta(days=6)
    # the dust day is heavy by PM (AQI > 400), light without it (O₃-8h 220: IAQI 155, > 100 so still valid): reading
    # the wrong AQI changes the heavy count
    AirDailyReading.objects.filter(date=dust).update(pm10=500.0, pm25=300.0, so2=5.0, no2=10.0, co=0.3, o3_8h=220.0)
    SandDustDay.objects.create(date=dust, note="沙尘过程认定文件")
    AirStationFactory(unit=unit_b)  # a unit-day of a station with no readings changes nothing
    period_sql, composite_sql = unit_statistics_sql(start=START, end=END)
    days = unit_days_frame(start=START, end=END)
    period_pd, composite_pd = period_stats(days, "unit_id"), composite_statistics(days, "unit_id")
    assert len(period_sql) == 2
    pd.testing.assert_frame_equal(period_sql, period_pd, check_dtype=False, check_names=False)
    pd.testing.assert_frame_equal(
        composite_from_statistics(composite_sql, min_days=1),
        composite_from_statistics(composite_pd, min_days=1),
        check_dtype=False,
        check_names=False,
        check_like=True,
    )


@pytest.mark.django_db
def test_the_statistics_are_kept_across_runs_until_what_they_are_made_of_changes(stations):
    # A scoring run after an approval (air unchanged) reads the aggregate the last run made; a reading, a sand-dust
    # ruling or a station's assessment flag changed since makes it again, equal to the pandas path on the new data.
    from django.test.utils import CaptureQueriesContext

    from tracker.selectors.air import _unit_ytd_statistics, composite_statistics

    if connection.vendor != "postgresql":
        pytest.skip("the aggregate runs on PostgreSQL")

    def statistics():
        with CaptureQueriesContext(connection) as queries:
            _period, composite = _unit_ytd_statistics(2026, END)
        aggregated = any("percentile_cont" in q["sql"] for q in queries.captured_queries)
        expected = composite_statistics(unit_days_frame(start=datetime.date(2026, 1, 1), end=END), "unit_id")
        pd.testing.assert_frame_equal(composite[expected.columns], expected, check_dtype=False, check_names=False)
        return aggregated

    assert statistics() is True  # the first run aggregates
    assert statistics() is False  # nothing changed: kept
    points, other = stations
    AirDailyReading.objects.filter(station=points[0], date=START).update(so2=39.0)
    assert statistics() is True  # a reading changed
    assert statistics() is False
    SandDustDay.objects.create(date=START, note="沙尘过程认定文件")
    assert statistics() is True  # a sand-dust ruling
    other.counts_for_assessment = True
    other.save()
    assert statistics() is True  # a station became an assessment point
    assert statistics() is False


@pytest.mark.django_db
def test_the_refresh_after_an_upload_keeps_the_statistics_of_today(stations):
    # the task an upload sends recomputes the unit-days, then makes the year-to-date statistics a scoring run of
    # the same day reads: that run aggregates nothing
    import time_machine
    from django.test.utils import CaptureQueriesContext

    from tracker import tasks
    from tracker.selectors.air import _unit_ytd_statistics

    if connection.vendor != "postgresql":
        pytest.skip("the aggregate runs on PostgreSQL")
    with time_machine.travel(datetime.datetime(2026, 4, 1, 9, 0, tzinfo=datetime.UTC), tick=False):  # 17:00 Beijing
        assert tasks.air_unit_days_refresh() > 0
        with CaptureQueriesContext(connection) as queries:
            _unit_ytd_statistics(2026, datetime.date(2026, 4, 1))
    assert not any("percentile_cont" in q["sql"] for q in queries.captured_queries)
