"""Heavy-pollution weather: the effect judgement on hand-made numbers, forecast ingest (bad row → nothing; re-send
idempotent), the warning → response → level change → lift cycle with inbox entries, and the pages."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import AirStationFactory, WarZoneFactory
from tracker.common.tabular import TableError
from tracker.common.workflow import Stale
from tracker.models import AirDailyReading, AirForecast, ApiToken, EmergencyResponse, InboxEntry, WeatherWarning
from tracker.selectors.weather import forecast_vs_measured, warning_effect
from tracker.services.weather import (
    air_forecasts_upsert,
    emergency_measure_save,
    emergency_response_report,
    weather_warning_change_level,
    weather_warning_issue,
    weather_warning_lift,
)
from tracker.weather_rules import judge_effect, pm25_for_aqi


# --- pure rules -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "aqi, pm25",
    [
        (0, 0.0),
        (50, 35.0),  # breakpoint
        (75, 55.0),  # 35 + (75-50)·(75-35)/(100-50) = 35 + 20
        (175, 132.5),  # 115 + (175-150)·(150-115)/(200-150) = 115 + 17.5
        (250, 200.0),  # 150 + (250-200)·(250-150)/(300-200) = 150 + 50
        (600, 500.0),  # capped at 500
    ],
)
def test_pm25_for_aqi_inverts_the_hj633_breakpoints(aqi, pm25):
    assert pm25_for_aqi(aqi) == pytest.approx(pm25)


def test_effect_on_hand_made_numbers():
    # during: (120 + 100 + 110) / 3 = 110.0; forecast midpoints 175 and 225 → PM2.5 132.5 and
    # 150 + 25·100/100 = 175.0 → mean 153.75 → 153.8 shown; before: (140 + 130) / 2 = 135.0
    # vs forecast: (153.75 − 110) / 153.75 = 28.46 % → 28.5; vs before: (135 − 110) / 135 = 18.52 % → 18.5
    effect = judge_effect(during=[120, 100, None, 110], forecast_aqi=[175, 225], before=[140, 130])
    assert (effect.during, effect.forecast, effect.before) == (110.0, 153.8, 135.0)
    assert (effect.vs_forecast, effect.vs_before) == (28.5, 18.5)
    assert effect.effective is True and effect.days == 3


def test_effect_worse_than_forecast_is_not_effective_and_no_data_is_not_judged():
    # during 160 > forecast AQI 200 → PM2.5 150: not effective; (150 − 160) / 150 = −6.67 % → −6.7
    effect = judge_effect(during=[160], forecast_aqi=[200], before=[])
    assert (effect.effective, effect.vs_forecast, effect.vs_before) == (False, -6.7, None)
    # no forecast: judged against the days before (90 < 100)
    assert judge_effect(during=[90], forecast_aqi=[], before=[100]).effective is True
    assert judge_effect(during=[None], forecast_aqi=[200], before=[100]).effective is None


# --- forecast ingest --------------------------------------------------------------------------------------------
TODAY = dt.date(2026, 1, 10)


@pytest.mark.django_db
def test_a_bad_row_saves_nothing_and_names_every_error(unit_a):
    rows = [
        {"unit": "511124", "date": "2026-01-11", "aqi_low": 150, "aqi_high": 210, "primary_pollutant": "PM2.5"},
        {"unit": "511124", "date": "2026-01-12", "aqi_low": 220, "aqi_high": 200},  # low above high
        {"unit": "不存在县", "date": "2026-01-12", "aqi_low": 10, "aqi_high": 20},
        {"unit": "511124", "date": "2026/13/01", "aqi_low": "x", "aqi_high": 600},
    ]
    with pytest.raises(TableError) as info:
        air_forecasts_upsert(rows, today=TODAY)
    got = {(e.row, e.column) for e in info.value.errors}
    assert got == {(2, "AQI下限"), (3, "单位"), (4, "预报日期"), (4, "AQI下限"), (4, "AQI上限")}
    assert AirForecast.objects.count() == 0


@pytest.mark.django_db
def test_resending_a_batch_is_idempotent_and_corrects_in_place(unit_a, unit_b):
    rows = [
        {"unit": "511124", "date": "2026-01-11", "aqi_low": 150, "aqi_high": 210, "primary_pollutant": "pm25"},
        {"unit": "沐川县", "date": "2026-01-11", "aqi_low": 80, "aqi_high": 120, "level": "轻度污染"},
    ]
    assert air_forecasts_upsert(rows, today=TODAY) == 2
    assert air_forecasts_upsert(rows, today=TODAY) == 2
    assert AirForecast.objects.count() == 2
    a = AirForecast.objects.get(unit=unit_a)
    # no level given: the category of the upper end, AQI 210 → 重度污染 (201–300)
    assert (a.primary_pollutant, a.level) == ("PM2.5", "重度污染")
    air_forecasts_upsert([{**rows[0], "aqi_high": 190}], today=TODAY)
    a.refresh_from_db()
    assert (AirForecast.objects.count(), a.aqi_high, a.level) == (2, 190, "中度污染")


@pytest.mark.django_db
def test_api_needs_the_forecast_scope_and_is_all_or_nothing(client, unit_a):
    url = reverse("tracker:api_air_forecasts")
    wrong = ApiToken.issue(name="空气", scopes="air.readings")[1]
    body = {"forecasts": [{"unit": "511124", "date": timezone.localdate().isoformat(), "aqi_low": 50, "aqi_high": 90}]}
    response = client.post(url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {wrong}")
    assert response.status_code == 403
    token = ApiToken.issue(name="预报", scopes="air.forecasts")[1]
    bad = {"forecasts": [*body["forecasts"], {"unit": "511124", "date": "x", "aqi_low": 1, "aqi_high": 2}]}
    response = client.post(url, json.dumps(bad), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and response.json()["errors"][0]["row"] == 2
    assert AirForecast.objects.count() == 0
    response = client.post(url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json() == {"ok": True, "written": 1}


# --- the warning cycle ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_warning_issue_respond_change_level_lift(leader, official_a, official_b, inspector):
    today = timezone.localdate()
    start = today - dt.timedelta(days=2)
    with pytest.raises(PermissionDenied):
        weather_warning_issue(user=official_a, title="x", level="orange", starts_on=start, planned_end=today)
    warning = weather_warning_issue(
        user=leader, title="1月重污染过程", level="yellow", starts_on=start, planned_end=today, reason="静稳天气"
    )
    # every official of every unit is told, once
    assert set(InboxEntry.objects.filter(kind="weather_warning").values_list("user__username", flat=True)) == {
        "official_a",
        "official_b",
    }
    with pytest.raises(ValidationError):  # one warning in force at a time
        weather_warning_issue(user=leader, title="y", level="red", starts_on=today, planned_end=today)

    measure = emergency_measure_save(
        user=official_a, unit_id=official_a.unit_id, source="井研县某陶瓷厂", measure="窑炉停产",
        from_level="yellow", pm25_reduction=Decimal("0.35"),
    )  # fmt: skip
    with pytest.raises(PermissionDenied):  # another unit's official cannot report for A
        emergency_response_report(user=official_b, warning_id=warning.pk, unit_id=official_a.unit_id,
                                  date=today, action="x")  # fmt: skip
    with pytest.raises(ValidationError):  # a day before the warning began
        emergency_response_report(user=official_a, warning_id=warning.pk, unit_id=official_a.unit_id,
                                  date=start - dt.timedelta(days=1), action="x")  # fmt: skip
    emergency_response_report(
        user=official_a, warning_id=warning.pk, unit_id=official_a.unit_id, date=start, action="窑炉已停",
        measure_id=measure.pk,
    )  # fmt: skip

    warning = weather_warning_change_level(user=leader, warning_id=warning.pk, expected_version=0, level="orange")
    with pytest.raises(Stale):  # a page showing version 0 is stale now
        weather_warning_change_level(user=leader, warning_id=warning.pk, expected_version=0, level="red")
    with pytest.raises(PermissionDenied):
        weather_warning_lift(user=inspector, warning_id=warning.pk, expected_version=1, lifted_on=today)
    warning = weather_warning_lift(user=leader, warning_id=warning.pk, expected_version=1, lifted_on=today)
    assert (warning.status, warning.level, warning.lifted_on) == ("lifted", "orange", today)
    events = list(warning.events.values_list("action", "from_level", "to_level", "from_status", "to_status"))
    assert events == [
        ("issue", "", "yellow", "", "issued"),
        ("change_level", "yellow", "orange", "issued", "issued"),
        ("lift", "orange", "orange", "issued", "lifted"),
    ]
    with pytest.raises(ValidationError):  # no responses after the lift
        emergency_response_report(user=official_a, warning_id=warning.pk, unit_id=official_a.unit_id,
                                  date=today, action="x")  # fmt: skip
    assert EmergencyResponse.objects.get().enterprise is None
    # issue + level change + lift, each to both officials
    assert InboxEntry.objects.filter(kind="weather_warning").count() == 6


@pytest.mark.django_db
def test_effect_per_war_zone_from_readings_and_forecasts(unit_a, admin_user):
    zone = WarZoneFactory(code="south", name="南部战区")
    unit_a.war_zone = zone
    unit_a.save()
    station = AirStationFactory(unit=unit_a, war_zone=zone)
    start = dt.date(2026, 1, 5)
    # the two days before: PM2.5 140, 130; the warning days 5–7 Jan: 120, 100, 110
    for day, pm in [(3, 140), (4, 130), (5, 120), (6, 100), (7, 110)]:
        AirDailyReading.objects.create(station=station, date=dt.date(2026, 1, day), pm25=pm)
    for day, (low, high) in [(5, (150, 200)), (6, (200, 250))]:  # midpoints 175 and 225
        AirForecast.objects.create(
            unit=unit_a, date=dt.date(2026, 1, day), aqi_low=low, aqi_high=high, level="重度污染"
        )
    warning = WeatherWarning.objects.create(
        title="t", level="orange", status="lifted", starts_on=start, planned_end=dt.date(2026, 1, 7),
        lifted_on=dt.date(2026, 1, 7), issued_by=admin_user, issued_at=timezone.now(),
    )  # fmt: skip
    (row,) = [r for r in warning_effect(warning, before_days=2) if r["zone"] == zone]
    # same numbers as test_effect_on_hand_made_numbers: 110.0 vs forecast 153.8 (−28.5 %) and before 135.0 (−18.5 %)
    assert (row["effect"].during, row["effect"].forecast, row["effect"].before) == (110.0, 153.8, 135.0)
    assert row["effect"].effective is True


@pytest.mark.django_db
def test_forecast_against_measured_marks_inside_and_above(unit_a):
    station = AirStationFactory(unit=unit_a)
    # PM2.5 80 µg/m³ → IAQI 100 + (80−75)·50/40 = 106.25 → 107 (rounded up); PM2.5 160 → 200 + 10·100/100 = 210
    AirDailyReading.objects.create(station=station, date=dt.date(2026, 1, 5), pm25=80)
    AirDailyReading.objects.create(station=station, date=dt.date(2026, 1, 6), pm25=160)
    AirForecast.objects.create(unit=unit_a, date=dt.date(2026, 1, 5), aqi_low=90, aqi_high=120, level="轻度污染")
    AirForecast.objects.create(unit=unit_a, date=dt.date(2026, 1, 6), aqi_low=120, aqi_high=180, level="中度污染")
    rows = forecast_vs_measured(start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 6))
    assert [(r["date"].day, r["aqi"], r["verdict"]) for r in rows] == [(5, 107, "inside"), (6, 210, "above")]


# --- pages ------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_pages_issue_respond_and_export(client_for, leader, official_a, unit_a):
    client = client_for(leader)
    today = timezone.localdate()
    response = client.post(
        reverse("tracker:weather_warning_issue"),
        {"title": "橙色预警", "level": "orange", "starts_on": today.isoformat(), "planned_end": today.isoformat()},
    )
    warning = WeatherWarning.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "tracker:weather_warning_detail", args=[warning.pk]
    )
    client = client_for(official_a)
    assert "填报落实情况" in client.get(reverse("tracker:weather_warning_detail", args=[warning.pk])).content.decode()
    response = client.post(
        reverse("tracker:emergency_response", args=[warning.pk]), {"date": today.isoformat(), "action": "工地停工"}
    )
    assert response.status_code == 302
    assert EmergencyResponse.objects.get().unit == unit_a
    response = client.get(reverse("tracker:weather_warning_detail", args=[warning.pk]) + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["井研县"]
    # the list ledger exports too
    response = client.get(reverse("tracker:weather_warning_list") + "?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "橙色预警"


@pytest.mark.django_db
def test_emergency_list_is_scoped_and_editable_only_by_its_unit(client_for, official_a, official_b, unit_a):
    emergency_measure_save(user=official_a, unit_id=unit_a.pk, source="研城镇工地", measure="停止土石方作业",
                           from_level="orange")  # fmt: skip
    assert "研城镇工地" in client_for(official_a).get(reverse("tracker:emergency_list")).content.decode()
    assert "研城镇工地" not in client_for(official_b).get(reverse("tracker:emergency_list")).content.decode()
    response = client_for(official_a).post(
        reverse("tracker:emergency_list"),
        {"source": "某砖厂", "measure": "停产", "from_level": "red", "pm25_reduction": "-1", "nox_reduction": "0",
         "vocs_reduction": "0"},
    )  # fmt: skip
    assert response.status_code == 200  # a negative reduction is refused by the form
    assert not unit_a.emergency_measures.filter(source="某砖厂").exists()


def test_every_menu_entry_and_capability_reads_in_english():
    import re

    from django.utils import translation

    from tracker.common.access import AREAS, CAPABILITIES

    cjk = re.compile(r"[\u4e00-\u9fff]")
    with translation.override("en"):
        untranslated = [str(a.label) for a in AREAS if cjk.search(str(a.label))]
        untranslated += [str(c.label) for c in CAPABILITIES.values() if cjk.search(str(c.label))]
    assert untranslated == []


def test_dashboards_show_the_warning_in_force_and_the_units_responses(client_for, leader, official_a, unit_a):
    # given: no warning in force — no banner
    today = timezone.localdate()
    assert "weather-banner" not in client_for(leader).get(reverse("targets:dashboard"), follow=True).content.decode()
    warning = weather_warning_issue(
        user=leader, title="重污染过程", level="orange", starts_on=today, planned_end=today + dt.timedelta(days=2)
    )
    # when the warning is in force: the leaders' board names it; the unit's board says it has not responded yet
    assert "重污染天气橙色预警" in client_for(leader).get(reverse("targets:dashboard"), follow=True).content.decode()
    unit_page = client_for(official_a).get(reverse("targets:dashboard"), follow=True).content.decode()
    assert "重污染天气橙色预警" in unit_page and "本单位尚未报告响应措施" in unit_page
    emergency_response_report(user=official_a, warning_id=warning.pk, unit_id=unit_a.pk, date=today, action="停产")
    emergency_response_report(user=official_a, warning_id=warning.pk, unit_id=unit_a.pk, date=today, action="洒水")
    assert (
        "本单位已报告 2 条响应"
        in client_for(official_a).get(reverse("targets:dashboard"), follow=True).content.decode()
    )
    # and once lifted the banner goes
    weather_warning_lift(user=leader, warning_id=warning.pk, expected_version=0, lifted_on=today)
    assert "weather-banner" not in client_for(leader).get(reverse("targets:dashboard"), follow=True).content.decode()
