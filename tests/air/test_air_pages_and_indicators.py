"""Air pages for every role, fixed query counts, and the assessment indicators' contract."""

import datetime

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AirStationFactory, WarZoneFactory
from tracker.selectors.air import indicator_air_good_day_rate, indicator_air_pm25_mean
from tracker.services.air import _upsert

pytestmark = pytest.mark.django_db


def _load(station, start, days, **values):
    base = {"so2": 10.0, "no2": 20.0, "pm10": 50.0, "co": 0.6, "o3_8h": 90.0, "pm25": 30.0}
    rows = []
    for i in range(days):
        row = {"station_id": station.pk, "date": start + datetime.timedelta(days=i), **base}
        for key, fn in values.items():
            row[key] = fn(i)
        rows.append(row)
    _upsert(pd.DataFrame(rows))


def test_good_day_rate_uses_the_units_daily_station_mean_and_valid_days_only(unit_a, unit_b):
    s1 = AirStationFactory(unit=unit_a)
    s2 = AirStationFactory(unit=unit_a)
    start = datetime.date(2026, 1, 1)
    # s1 PM2.5 100 on the first 10 days, s2 40 → unit mean 70 → IAQI 94 (良, good). Days 10–19: s1 160 →
    # mean 100 → IAQI 125 (not good). 20 days in all; day 20 has no PM2.5 → not valid.
    _load(s1, start, 20, pm25=lambda i: 100.0 if i < 10 else 160.0)
    _load(s2, start, 20, pm25=lambda i: 40.0)
    _load(s1, start + datetime.timedelta(days=20), 1, pm25=lambda i: None)
    _load(AirStationFactory(unit=unit_b), start, 5)
    rate = indicator_air_good_day_rate(year=2026, as_of=datetime.date(2026, 1, 31)).set_index("unit_id")
    assert list(rate.columns) == ["value", "detail"]
    assert rate.loc[unit_a.pk, "value"] == pytest.approx(50.0)
    assert rate.loc[unit_a.pk, "detail"].startswith("优良天数 10 / 有效天数 20")
    assert "有效天数不足" in rate.loc[unit_a.pk, "detail"]  # 20 < 324·31/365 → 28
    assert rate.loc[unit_b.pk, "value"] == pytest.approx(100.0)
    pm = indicator_air_pm25_mean(year=2026, as_of=datetime.date(2026, 1, 31)).set_index("unit_id")
    # unit_a daily means: 70 ×10, 100 ×10 → 85; the day without PM2.5 is not counted
    assert pm.loc[unit_a.pk, "value"] == pytest.approx(85.0)
    assert pm.loc[unit_a.pk, "detail"].startswith("PM2.5 均值 85.0 µg/m³ / 有效天数 20")


def test_indicators_respect_the_year_to_date_window(unit_a):
    s = AirStationFactory(unit=unit_a)
    _load(s, datetime.date(2025, 12, 30), 5, pm25=lambda i: 200.0 if i < 2 else 10.0)
    pm = indicator_air_pm25_mean(year=2026, as_of=datetime.date(2026, 1, 2))
    assert pm["value"].tolist() == [10.0]
    assert pm.dtypes["unit_id"].kind == "i"
    empty = indicator_air_good_day_rate(year=2024, as_of=datetime.date(2024, 12, 31))
    assert empty.empty and list(empty.columns) == ["unit_id", "value", "detail"]


@pytest.fixture
def air_data(unit_a):
    zone = WarZoneFactory(code="east", name="东部战区", lead_unit=unit_a)
    unit_a.war_zone = zone
    unit_a.save()
    today = timezone.localdate()
    stations = [AirStationFactory(unit=unit_a, war_zone=zone) for _ in range(3)]
    for s in stations:
        _load(s, today - datetime.timedelta(days=400), 401, pm25=lambda i: float(20 + i % 90))
    return zone, stations


@pytest.mark.parametrize("who", ["official_a", "official_b", "dept_official", "leader", "inspector", "admin"])
def test_air_pages_render_for_every_role(client_for, actors, air_data, who):
    zone, stations = air_data
    client = client_for(actors[who])
    index = client.get(reverse("tracker:air_index"))
    assert index.status_code == 200 and "东部战区" in index.content.decode()
    assert client.get(reverse("tracker:air_station_detail", args=[stations[0].pk])).status_code == 200
    assert client.get(reverse("tracker:air_zone_detail", args=[zone.pk])).status_code == 200


def test_air_pages_need_login(client):
    assert client.get(reverse("tracker:air_index")).status_code == 302


def test_station_page_shows_the_category_chart_and_composite_index(client_for, leader, air_data):
    _zone, stations = air_data
    html = client_for(leader).get(reverse("tracker:air_station_detail", args=[stations[0].pk])).content.decode()
    assert "plotly" in html.lower() and "综合指数" in html and "#ffff00" in html


def test_air_pages_use_a_fixed_number_of_queries(client_for, leader, air_data, django_assert_max_num_queries):
    zone, stations = air_data
    client = client_for(leader)
    # every readings frame reads the sand-dust days too (one small query); the index adds the city headline; each
    # budget includes one query for the top bar's unread-message count
    with django_assert_max_num_queries(16):
        client.get(reverse("tracker:air_index"))
    with django_assert_max_num_queries(16):
        client.get(reverse("tracker:air_zone_detail", args=[zone.pk]))
    with django_assert_max_num_queries(11):
        client.get(reverse("tracker:air_station_detail", args=[stations[0].pk]))


def test_unknown_station_is_404(client_for, leader):
    assert client_for(leader).get(reverse("tracker:air_station_detail", args=[999])).status_code == 404


def test_only_admins_see_the_upload_link(client_for, admin_user, leader):
    url = reverse("tracker:air_upload")
    assert url in client_for(admin_user).get(reverse("tracker:air_index")).content.decode()
    assert url not in client_for(leader).get(reverse("tracker:air_index")).content.decode()


def test_monthly_statistics_mark_months_short_of_hj663_valid_days():
    from tracker.selectors.air import monthly_frame

    # February with 25 days of PM2.5 is sufficient; January with 26 is not (27 needed).
    days = list(pd.date_range("2026-01-01", periods=26)) + list(pd.date_range("2026-02-01", periods=25))
    # all six pollutants present: every day is valid (standards.aqi_day_valid)
    df = pd.DataFrame({"date": pd.to_datetime(days), "pm25": 30.0, "o3_8h": 90.0, "aqi": 45.0})
    df = df.assign(so2=5.0, no2=10.0, pm10=40.0, co=0.4)
    out = monthly_frame(df).set_index("month")
    assert out.loc[1, "sufficient"] == False  # noqa: E712 — numpy bool
    assert out.loc[2, "sufficient"] == True  # noqa: E712
    assert out.loc[2, "rate"] == 100.0


def test_every_stations_yearly_composite_index(unit_a):
    from tracker.selectors.air import composite_by_station

    full, short = AirStationFactory(unit=unit_a), AirStationFactory(unit=unit_a)
    _load(full, datetime.date(2025, 1, 1), 365)
    _load(short, datetime.date(2025, 1, 1), 300)
    out = composite_by_station(year=2025)
    # 10/60 + 20/40 + 50/70 + 30/35 + 0.6/4 + 90/160 (constant series: percentiles equal the value)
    # = 2.950595… → published at 0.01 (HJ 663-2013 §6, GB/T 8170): 2.95
    expected = 10 / 60 + 20 / 40 + 50 / 70 + 30 / 35 + 0.6 / 4 + 90 / 160
    assert expected == pytest.approx(2.950595, abs=1e-6)
    assert out.loc[full.pk, "value"] == 2.95
    assert not out.loc[short.pk, "sufficient"] and pd.isna(out.loc[short.pk, "value"])


def test_only_assessment_points_count_and_the_city_headline_reads_national_stations(unit_a):
    from tracker.models import SandDustDay
    from tracker.selectors.air import city_headline, indicator_air_heavy_pollution_days, indicator_air_pm25_mean

    point = AirStationFactory(unit=unit_a, level="national")
    other = AirStationFactory(unit=unit_a, level="city", counts_for_assessment=False)
    start = datetime.date(2026, 1, 1)
    _load(point, start, 10)  # PM2.5 30
    _load(other, start, 10, pm25=lambda i: 90.0)  # not an assessment point: would make the mean 60
    frame = indicator_air_pm25_mean(year=2026, as_of=datetime.date(2026, 1, 10)).set_index("unit_id")
    assert frame.loc[unit_a.pk, "value"] == 30.0
    # a sand-dust day with PM10 500 at the national station: no heavy day once flagged
    _load(point, datetime.date(2026, 1, 11), 1, pm10=lambda i: 500.0)
    heavy = indicator_air_heavy_pollution_days(year=2026, as_of=datetime.date(2026, 1, 11)).set_index("unit_id")
    assert heavy.loc[unit_a.pk, "value"] == 1.0
    SandDustDay.objects.create(date=datetime.date(2026, 1, 11), note="test")
    heavy = indicator_air_heavy_pollution_days(year=2026, as_of=datetime.date(2026, 1, 11)).set_index("unit_id")
    assert heavy.loc[unit_a.pk, "value"] == 0.0
    city = city_headline(today=datetime.date(2026, 1, 11))
    # 国控 only: 10 valid days, all good (AQI of PM2.5 30 and the rest ≤ 50); the sand-dust day is undecided
    assert city["this"]["valid"] == 10 and city["this"]["rate"] == 100.0 and city["this"]["pm25"] == 30.0
    assert city["sand_dust_days"] == 1


def test_unit_page_shows_the_spearman_trend_of_its_assessment_points(client_for, leader, unit_a):
    # one day a year is enough for a yearly mean: PM2.5 50, 45, 40, 35, 30 over five years → rs = −1 < −0.900 → 下降
    station = AirStationFactory(unit=unit_a)
    year = timezone.localdate().year
    for k, value in enumerate((50.0, 45.0, 40.0, 35.0, 30.0)):
        _load(station, datetime.date(year - 4 + k, 1, 5), 1, pm25=lambda i, v=value: v)
    body = client_for(leader).get(reverse("tracker:unit_detail", args=[unit_a.pk])).content.decode()
    assert "rs = -1.0" in body and "下降" in body


def test_the_air_index_headline_is_cached_until_a_reading_or_a_sand_dust_day_changes(
    client_for, leader, unit_a, monkeypatch
):
    # The index's two-year reads are cached by the versions of the tables they read: a repeated view reads no
    # readings, and a new reading (or sand-dust day) shows at the next view without anything being cleared.
    from tracker.models import SandDustDay
    from tracker.selectors import air as air_selectors

    built = []
    real = air_selectors.city_headline
    monkeypatch.setattr(air_selectors, "city_headline", lambda **kw: built.append(1) or real(**kw))

    today = timezone.localdate()
    point = AirStationFactory(unit=unit_a, level="national")
    _load(point, today - datetime.timedelta(days=2), 2)  # PM2.5 30: two good days
    client = client_for(leader)
    url = reverse("tracker:air_index")
    assert client.get(url).context["city"]["this"]["valid"] == 2
    assert client.get(url).context["city"]["this"]["valid"] == 2
    assert len(built) == 1  # the second view read no readings
    _load(point, today, 1, pm25=lambda i: 160.0)  # PM2.5 160: IAQI 210, a heavy day
    city = client.get(url).context["city"]
    assert (city["this"]["valid"], city["this"]["heavy"]) == (3, 1)
    SandDustDay.objects.create(date=today, note="沙尘")  # PM2.5 invalid that day: AQI from the rest, ≤ 50
    city = client.get(url).context["city"]
    assert (city["this"]["heavy"], city["sand_dust_days"]) == (0, 1)
