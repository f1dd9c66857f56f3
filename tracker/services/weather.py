"""Heavy-pollution weather writes: forecast ingest (whole batch or nothing, idempotent), the city warning's workflow
(issue → level changes → lift, compare-and-set + an event row each), each unit's emergency list and the responses
units report while a warning is in force."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common.audit import audited
from tracker.common.tabular import RowError, TableError

from ..choices import WEATHER_WARNING_WORKFLOW, ForecastLevel, ForecastPollutant, WarningLevel, WeatherWarningStatus
from ..common.access import has_cap
from ..common.workflow import Stale, compare_and_set
from ..models import (
    AirForecast,
    EmergencyMeasure,
    EmergencyResponse,
    Enterprise,
    InboxKind,
    Unit,
    WeatherWarning,
    WeatherWarningEvent,
)
from ..permissions import can_act_for_unit, is_unit_scoped
from ..standards import category_for
from .inbox import inbox_notify_units

logger = logging.getLogger(__name__)

# --- forecasts ---------------------------------------------------------------------------------------------------
FORECAST_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "责任单位", "区县", "unit"),
    "date": ("预报日期", "日期", "date"),
    "aqi_low": ("AQI下限", "AQI 下限", "aqi_low"),
    "aqi_high": ("AQI上限", "AQI 上限", "aqi_high"),
    "primary_pollutant": ("首要污染物", "primary_pollutant"),
    "level": ("预报等级", "等级", "level"),
    "issued_on": ("发布日期", "issued_on"),
}
FORECAST_REQUIRED = ("unit", "date", "aqi_low", "aqi_high")
MAX_FORECAST_ROWS = 50_000
# how far ahead a forecast may reach (the bureau publishes 7–10 day outlooks)
FORECAST_HORIZON_DAYS = 15
_POLLUTANT_ALIASES = {"PM25": "PM2.5", "PM2.5": "PM2.5", "O3": "O3", "O3_8H": "O3", "O₃": "O3", "NO₂": "NO2"}


def _label(name: str) -> str:
    return FORECAST_COLUMNS[name][0]


def _text(raw) -> str:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    return str(raw).strip()


def _parse_date(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(_text(raw)[:10])
    except ValueError:
        return None


def _parse_aqi(raw) -> tuple[int | None, str | None]:
    text = _text(raw)
    if isinstance(raw, bool) or not text:
        return None, _("必须填写 0–500 的整数。")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(v)s”不是数字。") % {"v": text[:20]}
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 500:
        return None, _("必须填写 0–500 的整数。")
    return int(value), None


def air_forecasts_validate(
    rows: Iterable[Mapping], *, today: dt.date | None = None
) -> tuple[list[AirForecast], list[RowError]]:
    """Check every row (unit by code or name); unsaved forecasts and every error. The level, when not given, is the
    category of the range's upper end (HJ 633-2012 表2)."""
    today = today or timezone.localdate()
    rows = list(rows)
    keys = {_text(r.get("unit")) for r in rows}
    units = {}
    for u in Unit.objects.filter(Q(code__in=keys) | Q(name__in=keys)):
        units[u.code] = u
        units[u.name] = u
    errors: list[RowError] = []
    out: list[AirForecast] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for index, row in enumerate(rows, start=1):
        row_no = int(row.get("_row") or index)
        before = len(errors)
        key = _text(row.get("unit"))
        unit = units.get(key)
        if not key:
            errors.append(RowError(row_no, _label("unit"), _("单位不能为空。")))
        elif unit is None:
            errors.append(RowError(row_no, _label("unit"), _("单位“%(u)s”不存在。") % {"u": key[:40]}))
        day = _parse_date(row.get("date"))
        if day is None:
            errors.append(RowError(row_no, _label("date"), _("日期格式应为 2026-01-05。")))
        elif day > today + dt.timedelta(days=FORECAST_HORIZON_DAYS):
            errors.append(
                RowError(row_no, _label("date"), _("预报日期不能晚于 %(n)d 天后。") % {"n": FORECAST_HORIZON_DAYS})
            )
        low, problem = _parse_aqi(row.get("aqi_low"))
        if problem:
            errors.append(RowError(row_no, _label("aqi_low"), problem))
        high, problem = _parse_aqi(row.get("aqi_high"))
        if problem:
            errors.append(RowError(row_no, _label("aqi_high"), problem))
        if low is not None and high is not None and low > high:
            errors.append(RowError(row_no, _label("aqi_low"), _("AQI 下限不能大于上限。")))
        pollutant = _text(row.get("primary_pollutant"))
        pollutant = _POLLUTANT_ALIASES.get(pollutant.upper().replace(" ", ""), pollutant)
        if pollutant and pollutant not in ForecastPollutant.values:
            errors.append(
                RowError(row_no, _label("primary_pollutant"), _("首要污染物应为 PM2.5、PM10、O3、NO2、SO2 或 CO。"))
            )
        level = _text(row.get("level"))
        if level and level not in ForecastLevel.values:
            errors.append(
                RowError(row_no, _label("level"), _("预报等级应为：%(v)s。") % {"v": "、".join(ForecastLevel.values)})
            )
        issued_raw = _text(row.get("issued_on"))
        issued = _parse_date(issued_raw) if issued_raw else None
        if issued_raw and issued is None:
            errors.append(RowError(row_no, _label("issued_on"), _("日期格式应为 2026-01-05。")))
        if unit is not None and day is not None:
            if (unit.pk, day) in seen:
                errors.append(
                    RowError(row_no, _label("date"), _("与第 %(r)d 行是同一单位同一天。") % {"r": seen[(unit.pk, day)]})
                )
            seen.setdefault((unit.pk, day), row_no)
        if len(errors) > before:
            continue
        assert unit is not None and day is not None and low is not None and high is not None
        out.append(
            AirForecast(
                unit=unit,
                date=day,
                aqi_low=low,
                aqi_high=high,
                primary_pollutant=pollutant,
                level=level or category_for(high),
                issued_on=issued,
            )
        )
    return out, errors


@transaction.atomic
def air_forecasts_upsert(rows: Iterable[Mapping], *, today: dt.date | None = None) -> int:
    """Validate the whole batch (TableError lists every bad row; nothing written), then insert or replace each
    (unit, day). Sending the same batch again changes nothing but the update time. Returns the rows written."""
    rows = list(rows)
    if len(rows) > MAX_FORECAST_ROWS:
        raise TableError([RowError(0, "", _("一次最多提交 %(n)d 条，请分批提交。") % {"n": MAX_FORECAST_ROWS})])
    forecasts, errors = air_forecasts_validate(rows, today=today)
    if errors:
        raise TableError(errors)
    AirForecast.objects.bulk_create(
        forecasts,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["unit", "date"],
        update_fields=["aqi_low", "aqi_high", "primary_pollutant", "level", "issued_on", "updated_at"],
    )
    logger.info("air forecasts upserted: %d", len(forecasts))
    return len(forecasts)


# --- the city warning ----------------------------------------------------------------------------------------------
def _require_issuer(user) -> None:
    if not has_cap(user, "issue_weather_warnings"):
        raise PermissionDenied(_("只有市环委办（市领导）或系统管理员可以发布、调整和解除重污染天气预警。"))


def _notify_all_units(warning: WeatherWarning, title: str, body: str, key: str) -> int:
    unit_ids = list(Unit.objects.filter(is_active=True).values_list("pk", flat=True))
    return inbox_notify_units(
        unit_ids=unit_ids,
        kind=InboxKind.WEATHER_WARNING,
        title=title,
        body=body,
        url=reverse("tracker:weather_warning_detail", args=[warning.pk]),
        key=key,
    )


def _event(warning: WeatherWarning, *, action: str, user, from_status: str, from_level: str, note: str = "") -> None:
    WeatherWarningEvent.objects.create(
        warning=warning,
        action=action,
        from_status=from_status,
        to_status=warning.status,
        from_level=from_level,
        to_level=warning.level,
        actor=user,
        created_at=timezone.now(),
        note=note.strip(),
    )


@audited
def weather_warning_issue(
    *, user, title: str, level: str, starts_on: dt.date, planned_end: dt.date, reason: str = ""
) -> WeatherWarning:
    """Issue the city warning (启动预警): every unit's officials get an inbox entry to start their emergency list.
    Only one warning is in force at a time."""
    _require_issuer(user)
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("请选择预警级别。")})
    if not title.strip():
        raise ValidationError({"title": _("请填写预警名称。")})
    if planned_end < starts_on:
        raise ValidationError({"planned_end": _("预计结束日期不能早于开始日期。")})
    if WeatherWarning.objects.filter(status=WeatherWarningStatus.ISSUED).exists():
        raise ValidationError(_("已有预警正在执行，请先调整或解除该预警。"))
    try:
        with transaction.atomic():
            warning = WeatherWarning.objects.create(
                title=title.strip(),
                level=level,
                starts_on=starts_on,
                planned_end=planned_end,
                reason=reason.strip(),
                issued_by=user,
                issued_at=timezone.now(),
            )
    except IntegrityError as exc:  # another issuer won the race for the one warning in force
        raise ValidationError(_("已有预警正在执行，请先调整或解除该预警。")) from exc
    _event(warning, action="issue", user=user, from_status="", from_level="", note=reason)
    label = WarningLevel(level).label
    _notify_all_units(
        warning,
        _("重污染天气%(level)s预警：%(title)s") % {"level": label, "title": warning.title},
        _("自 %(start)s 起启动%(level)s预警（预计至 %(end)s）。请按本单位应急减排清单落实措施，并逐日填报落实情况。")
        % {"start": starts_on.isoformat(), "end": planned_end.isoformat(), "level": label},
        key=f"weather:{warning.pk}:issue",
    )
    return warning


@audited
def weather_warning_change_level(
    *, user, warning_id: int, expected_version: int, level: str, planned_end: dt.date | None = None, note: str = ""
) -> WeatherWarning:
    """Raise or lower a warning in force (升级/降级), optionally moving its planned end; recorded as an event."""
    _require_issuer(user)
    warning = WeatherWarning.objects.get(pk=warning_id)
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("请选择预警级别。")})
    planned_end = planned_end or warning.planned_end
    if level == warning.level and planned_end == warning.planned_end:
        raise ValidationError(_("级别和预计结束日期都没有变化。"))
    if planned_end < warning.starts_on:
        raise ValidationError({"planned_end": _("预计结束日期不能早于开始日期。")})
    old_level, old_status = warning.level, warning.status
    compare_and_set(
        WeatherWarning.objects,
        pk=warning.pk,
        expected_version=expected_version,
        state_field="status",
        state=WeatherWarningStatus.ISSUED,
        level=level,
        planned_end=planned_end,
    )
    warning.refresh_from_db()
    _event(warning, action="change_level", user=user, from_status=old_status, from_level=old_level, note=note)
    if level != old_level:
        _notify_all_units(
            warning,
            _("重污染天气预警调整为%(level)s：%(title)s")
            % {"level": WarningLevel(level).label, "title": warning.title},
            note.strip(),
            key=f"weather:{warning.pk}:level:{warning.version}",
        )
    return warning


@audited
def weather_warning_lift(
    *, user, warning_id: int, expected_version: int, lifted_on: dt.date, note: str = ""
) -> WeatherWarning:
    """预警中 → 已解除: the lift date closes the warning's days; the effect can then be judged."""
    warning = WeatherWarning.objects.get(pk=warning_id)
    WEATHER_WARNING_WORKFLOW.check(warning.status, WeatherWarningStatus.LIFTED, user)
    if lifted_on < warning.starts_on:
        raise ValidationError({"lifted_on": _("解除日期不能早于开始日期。")})
    if lifted_on > timezone.localdate():
        raise ValidationError({"lifted_on": _("解除日期不能晚于今天。")})
    old_status = warning.status
    compare_and_set(
        WeatherWarning.objects,
        pk=warning.pk,
        expected_version=expected_version,
        state_field="status",
        state=old_status,
        status=WeatherWarningStatus.LIFTED,
        lifted_on=lifted_on,
    )
    warning.refresh_from_db()
    _event(warning, action="lift", user=user, from_status=old_status, from_level=warning.level, note=note)
    _notify_all_units(
        warning,
        _("重污染天气预警已解除：%(title)s") % {"title": warning.title},
        _("预警于 %(day)s 解除。") % {"day": lifted_on.isoformat()},
        key=f"weather:{warning.pk}:lift",
    )
    return warning


# --- emergency lists and responses -------------------------------------------------------------------------------
def _require_unit_reporter(user, unit_id: int, message: str) -> None:
    if not is_unit_scoped(user) or not can_act_for_unit(user, unit_id, "report"):
        raise PermissionDenied(message)


def _enterprise_of_unit(enterprise_id: int | None, unit_id: int) -> Enterprise | None:
    if not enterprise_id:
        return None
    enterprise = Enterprise.objects.filter(pk=enterprise_id, unit_id=unit_id).first()
    if enterprise is None:
        raise ValidationError({"enterprise": _("只能选择本单位的重点企业。")})
    return enterprise


@audited
def emergency_measure_save(
    *,
    user,
    unit_id: int,
    source: str,
    measure: str,
    from_level: str,
    pm25_reduction: Decimal = Decimal(0),
    nox_reduction: Decimal = Decimal(0),
    vocs_reduction: Decimal = Decimal(0),
    enterprise_id: int | None = None,
    is_active: bool = True,
    measure_id: int | None = None,
) -> EmergencyMeasure:
    """Add a line to the unit's emergency list, or correct one (`measure_id`). Only the unit's own officials."""
    _require_unit_reporter(user, unit_id, _("只有本单位的填报员可以维护应急减排清单。"))
    if not source.strip() or not measure.strip():
        raise ValidationError(_("污染源和减排措施不能为空。"))
    if from_level not in WarningLevel.values:
        raise ValidationError({"from_level": _("请选择启动级别。")})
    for name, value in (("pm25_reduction", pm25_reduction), ("nox_reduction", nox_reduction),
                        ("vocs_reduction", vocs_reduction)):  # fmt: skip
        if value is None or value < 0:
            raise ValidationError({name: _("减排量不能为负数。")})
    enterprise = _enterprise_of_unit(enterprise_id, unit_id)
    fields = {
        "source": source.strip(),
        "measure": measure.strip(),
        "from_level": from_level,
        "pm25_reduction": pm25_reduction,
        "nox_reduction": nox_reduction,
        "vocs_reduction": vocs_reduction,
        "enterprise": enterprise,
        "is_active": is_active,
        "updated_by": user,
    }
    if measure_id is None:
        return EmergencyMeasure.objects.create(unit_id=unit_id, **fields)
    row = EmergencyMeasure.objects.select_for_update().filter(pk=measure_id, unit_id=unit_id).first()
    if row is None:
        raise ValidationError(_("清单中没有这条措施。"))
    for key, value in fields.items():
        setattr(row, key, value)
    row.save()
    return row


@audited
def emergency_response_report(
    *,
    user,
    warning_id: int,
    unit_id: int,
    date: dt.date,
    action: str,
    measure_id: int | None = None,
    enterprise_id: int | None = None,
) -> EmergencyResponse:
    """A unit reports what it did on a day of the warning in force (落实情况); the day lies within the warning."""
    _require_unit_reporter(user, unit_id, _("只有本单位的填报员可以填报应急响应落实情况。"))
    warning = WeatherWarning.objects.select_for_update().get(pk=warning_id)
    if not warning.in_force:
        raise ValidationError(_("该预警已解除，不能再填报落实情况。"))
    if not action.strip():
        raise ValidationError({"action": _("请填写落实情况。")})
    if date < warning.starts_on or date > timezone.localdate():
        raise ValidationError({"date": _("落实日期应在预警开始之后、今天之前（含）。")})
    measure = None
    if measure_id:
        measure = EmergencyMeasure.objects.filter(pk=measure_id, unit_id=unit_id).first()
        if measure is None:
            raise ValidationError({"measure": _("只能选择本单位清单中的措施。")})
    enterprise = _enterprise_of_unit(enterprise_id, unit_id)
    if enterprise is None and measure is not None:
        enterprise = measure.enterprise
    return EmergencyResponse.objects.create(
        warning=warning,
        unit_id=unit_id,
        measure=measure,
        enterprise=enterprise,
        date=date,
        action=action.strip(),
        reported_by=user,
    )


__all__ = [
    "Stale",
    "air_forecasts_upsert",
    "air_forecasts_validate",
    "emergency_measure_save",
    "emergency_response_report",
    "weather_warning_change_level",
    "weather_warning_issue",
    "weather_warning_lift",
]
