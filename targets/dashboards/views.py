"""Dashboard pages: each role's home, the city map and war zones, and the Excel export of every ranking table.

Views stay thin: pick the scheme and run, read the cached panels, render. Figures are built from the panels'
frames by `charts` and cached with them as JSON, so a repeated view costs a handful of queries.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tracker.common.access import area_required, capability_required, has_cap
from tracker.common.tabular import xlsx_response
from tracker.permissions import get_unit_for_user, is_city_wide, units_for_user, user_role
from tracker.selectors.watch import open_warnings_by_unit, open_warnings_for_unit, watch_summary
from tracker.selectors.weather import warning_banner

from .. import selectors as assessment
from ..choices import Area
from ..tables import RankingTable
from . import charts
from . import selectors as dash

MAP_MODES = ("total", "item", "zone")
TABLE_LIMIT = 80  # more rows than this on a dashboard: show the head and the tail


def _colour_labels() -> dict[str, str]:
    """The four warning colours' names in the request's language (rectifications.choices.Colour)."""
    from rectifications.choices import Colour

    return {c.value: str(c.label) for c in Colour}


def _json(fig) -> str:
    """A figure with its Plotly config; geo charts read their (empty) base topology from our static files."""
    doc = json.loads(fig.to_json())
    doc["config"] = {"displaylogo": False, "topojsonURL": f"{settings.STATIC_URL}vendor/plotly/topojson/"}
    return json.dumps(doc, ensure_ascii=False)


def _head_tail(rows: list, limit: int = TABLE_LIMIT) -> tuple[list, int]:
    """A long table on the page: the first 40 and the last 20 rows, with a gap marker (None) and how many are
    left out. The Excel export and the full ranking page have every row."""
    if len(rows) <= limit:
        return rows, 0
    return [*rows[:40], None, *rows[-20:]], len(rows) - 60


def _head_tail_frame(frame) -> tuple[list, int]:
    """`_head_tail` of a frame's rows, turning only the rows shown into dicts."""
    if len(frame) <= TABLE_LIMIT:
        return frame.to_dict("records"), 0
    return [*frame.head(40).to_dict("records"), None, *frame.tail(20).to_dict("records")], len(frame) - 60


def _pick(request):
    """The scheme (current) and the period (a succeeded run of it; the newest by default)."""
    scheme = assessment.current_scheme()
    runs = dash.succeeded_runs(scheme) if scheme else []
    run = runs[0] if runs else None
    wanted = request.GET.get("run", "")
    if wanted:
        run = next((r for r in runs if str(r.pk) == wanted), None)
        if run is None:
            raise Http404
    return scheme, runs, run


def _versions(request) -> dict[str, int]:
    """Every watched table's version, read once per request (one query) and before the data it keys."""
    if not hasattr(request, "_dash_versions"):
        request._dash_versions = dash.version_snapshot()
    return request._dash_versions


def _cached(request, parts: tuple, build):
    """Panels cached under the run and the live-data version, per language (in `dash.cached`) and role."""
    return dash.cached(parts, build, version=dash.data_version(_versions(request)), scope=user_role(request.user))


# --- routing ------------------------------------------------------------------------------------------
@area_required("dashboard")
def dashboard(request):
    """The menu's 调度看板: each person to their own dashboard."""
    user = request.user
    if has_cap(user, "act_for_unit"):
        if user.unit_id is None:
            raise Http404
        return redirect("targets:dashboard_unit", user.unit_id)
    if has_cap(user, "close_items"):
        return redirect("targets:dashboard_inspector")
    return redirect("targets:dashboard_city")


def home_dashboard(request):
    """The home page `/` shows the person's dashboard (called by targets.views.home)."""
    user = request.user
    if has_cap(user, "close_items"):
        return _inspector(request, home=True)
    if has_cap(user, "read_city_wide"):
        return _city(request, home=True)
    if user.unit_id is None:
        return None
    return _unit(request, user.unit, home=True)


# --- leaders' dashboard -------------------------------------------------------------------------------
def _city_context(run, today, area: str) -> dict:
    panels = dash.leader_panels(run=run, today=today, area=area, live=False)
    ranking = panels["ranking"]
    ctx = dict(panels)
    ctx["ranking_rows"], ctx["ranking_hidden"] = _head_tail_frame(ranking)
    ctx["ranking_chart"] = _json(charts.ranking_figure(ranking)) if not ranking.empty else None
    if not panels["totals_trend"].empty:
        t = panels["totals_trend"].melt(id_vars=["as_of", "url"], value_vars=["high", "mean", "low"], var_name="s")
        t["series"] = t["s"].map({"high": _("最高分"), "mean": _("全市平均"), "low": _("最低分")})
        ctx["totals_chart"] = _json(charts.trend_figure(t, title=_("综合得分逐月走势"), ytitle=_("总分")))
    # each item's panel shows its name and met count here; its charts and table load with the panel itself
    # (`city_panel`, as it scrolls into view), so a cold page reads no unit's item values and builds two figures
    ctx["risk_rows"] = panels["risks"].to_dict("records")
    ctx["change_rows"] = panels["changes"].to_dict("records")
    del ctx["ranking"], ctx["risks"], ctx["changes"], ctx["totals_trend"]
    return ctx


def _city_area(request) -> str:
    area = request.GET.get("area", "")
    return area if area in Area.values else ""


def _city_parts(scheme, run, area: str, today) -> tuple:
    return (scheme.pk if scheme else 0, run.pk if run else 0, area, today)


def _item_panel_html(p: dict, run) -> str:
    """One assessment item's panel: its chart against the targets, its monthly trend and its table."""
    p = dict(p)
    ind = p["item"].indicator
    p["chart"] = _json(
        charts.item_figure(
            p["frame"], title=ind.name, measure=ind.unit_of_measure, higher_better=ind.direction == "higher"
        )
    )
    if len(p["trend"]) > 1:
        t = p["trend"].melt(id_vars=["as_of", "url"], value_vars=["mean", "high", "low"], var_name="s")
        t["series"] = t["s"].map({"mean": _("各单位平均"), "high": _("最大值"), "low": _("最小值")})
        p["trend_chart"] = _json(
            charts.trend_figure(
                t,
                title=_("%(name)s逐月走势") % {"name": ind.name},
                ytitle=f"{ind.name}（{ind.unit_of_measure}）" if ind.unit_of_measure else ind.name,
                target=p["target_median"] if p["target_median"] is not None else math.nan,
            )
        )
    p["rows"], p["hidden"] = _head_tail(
        p["frame"].sort_values("value", ascending=ind.direction != "higher").to_dict("records")
    )
    return render_to_string("targets/dashboards/_city_panel.html", {"p": p, "run": run})


def _run_version(request) -> str:
    return dash.run_version(_versions(request))


def _run_cached(request, parts: tuple, build):
    """Panels a scoring run decides: cached under the run (in `parts`), language, role and the version of the
    units and zones they name, not the live data version (a status change does not rebuild them)."""
    return dash.cached(parts, build, version=_run_version(request), scope=user_role(request.user))


def _city_live(request, today) -> dict[str, str]:
    """The live part of the leaders' dashboard (due and overdue items and tasks: cards and panel), rendered and
    cached by the data version: after one status change only this part is rebuilt (four queries)."""

    def build() -> dict[str, str]:
        due = dash.due_and_overdue(today=today)
        chart = _json(charts.warning_figure(due["colours"], labels=_colour_labels()))
        ctx = {"due": due, "warning_chart": chart}
        return {
            "cards": render_to_string("targets/dashboards/_city_due_cards.html", ctx),
            "due": render_to_string("targets/dashboards/_city_due.html", ctx),
        }

    return _cached(request, ("city-live", today), build)


def _city(request, home: bool = False):
    scheme, runs, run = _pick(request)
    area = _city_area(request)
    today = timezone.localdate()
    context = {"scheme": scheme, "runs": runs, "run": run, "area": area, "areas": Area.choices, "home": home}
    parts = _city_parts(scheme, run, area, today)

    def body():
        panels = _city_context(run, today, area) if run is not None else {"run": None}
        panels["area"] = area
        return render_to_string("targets/dashboards/_city_body.html", panels)

    # the panels are cached rendered: a repeated view costs the run lookup, two versions and the page shell; the
    # run's panels and the live due-and-overdue part are cached apart (a status change rebuilds the live part)
    html = _run_cached(request, ("city", *parts), body)
    if run is not None:
        live = _city_live(request, today)
        html = html.replace("<!--live:due-cards-->", live["cards"]).replace("<!--live:due-->", live["due"])
    context["body"] = mark_safe(html)
    # the other live panels, cached together by the data version (the tables they read are watched:
    # dash.CITY_LIVE_MODELS), so a write to any of them shows on the next view
    year = scheme.year if scheme else today.year
    pilots = has_cap(request.user, "read_projects")
    context.update(_cached(request, ("city-extras", today, year, pilots), lambda: _city_extras(request, today, year)))
    return render(request, "targets/dashboards/city.html", context)


def _city_extras(request, today, year: int) -> dict:
    """The leaders' board's live panels beside the due-and-overdue part (about a dozen small queries)."""
    extras: dict = {}
    # open monitoring warnings by unit (one grouped query)
    extras["watch_open"], extras["watch_by_unit"] = open_warnings_by_unit()
    extras["weather"] = warning_banner()  # the heavy-pollution weather warning in force (one query)
    # patrols, stopped rural plants, drinking sources out of standard, fishing-ban cases (four counts)
    extras["watch_summary"] = watch_summary(user=request.user, today=today)
    # the province's ranking of the city (one query) and, for project readers, the pilots (four)
    extras["province"] = assessment.province_panel(year=today.year)
    if has_cap(request.user, "read_projects"):
        from projects.pilots import pilot_portfolio

        extras["pilots"] = pilot_portfolio(today=today)
    # who follows which deduction risk (a few rows and three counts)
    extras["followups"] = assessment.followup_summary(user=request.user, year=year, today=today)
    return extras


@capability_required("read_city_wide")
def city(request):
    """Leaders' dashboard (全市调度看板): exceptions first, then the ranking, the areas and the trends."""
    return _city(request)


@capability_required("read_city_wide")
def city_panel(request, item_id: int):
    """One assessment item's panel of the leaders' dashboard (its charts and table), loaded by the page when
    the panel scrolls into view: built from the item's stored rows of the run (four queries), then cached
    (language, role, run, area and the units' version)."""
    scheme, _runs, run = _pick(request)
    if run is None:
        return HttpResponse(format_html('<p class="empty">{}</p>', _("本年度考核方案尚未计分。")))
    area, today = _city_area(request), timezone.localdate()
    parts = _city_parts(scheme, run, area, today)

    def build() -> str:
        data = dash.item_panel(run=run, item_id=item_id, area=area)
        return _item_panel_html(data, run) if data is not None else ""

    html = _run_cached(request, ("city-panel", item_id, *parts), build)
    if not html:
        raise Http404
    return HttpResponse(html)


@capability_required("read_city_wide")
def city_export(request):
    """Every ranking table of the leaders' dashboard, one sheet each, the same numbers as the page."""
    scheme, _runs, run = _pick(request)
    if run is None:
        raise Http404
    items = assessment.run_items(run)
    # the ranking sheet is the ranking page's own table (targets.tables.RankingTable): one set of headers and
    # rounding for the page, its export and this workbook
    sheets = [RankingTable(assessment.ranking(run), request).export_sheet(_("综合排名"))]
    for panel in dash.item_panels(run=run, items=items):
        ind = panel["item"].indicator
        f = panel["frame"].sort_values("value", ascending=ind.direction != "higher")
        sheets.append(
            (
                ind.name[:28],
                [
                    _("单位"),
                    f"{_('实际值')}（{ind.unit_of_measure}）",
                    f"{_('目标值')}（{ind.unit_of_measure}）",
                    _("得分"),
                ],
                [[r.unit_name, _num(r.value, 2), _num(r.target, 2), _num(r.points, 2)] for r in f.itertuples()],
            )
        )
    ch = dash.changes_since(run)
    sheets.append(
        (
            _("近一周变化"),
            [_("单位"), _("上周总分"), _("本期总分"), _("变化"), _("上周名次"), _("本期名次")],
            [
                [r.unit_name, _num(r.before_total, 2), _num(r.total, 2), _num(r.delta, 2), r.before_rank, r.rank]
                for r in ch.itertuples()
            ],
        )
    )
    sheets.append(
        (
            _("扣分风险"),
            [_("单位"), _("考核项"), _("当前值"), _("目标值"), _("年末预计"), _("可能失分"), _("建议")],
            [
                [
                    r.unit_name,
                    r.indicator,
                    _num(r.value, 2),
                    _num(r.target, 2),
                    _num(r.projected, 2),
                    _num(r.points_at_risk, 2),
                    r.advice,
                ]
                for r in assessment.deduction_risks(run).itertuples()
            ],
        )
    )
    return xlsx_response(f"{scheme.name}-{run.as_of:%Y%m%d}-调度看板.xlsx", sheets)


def _num(value, digits: int | None = None):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if value != value:  # pandas NA
            return None
    except TypeError:
        return None
    return round(float(value), digits) if digits is not None else int(value)


# --- map and war zones --------------------------------------------------------------------------------
def _map_context(run, today, mode, item_id, own: tuple | None) -> dict:
    """`own`: the unit ids an official may open (None: any) — other units are shown without a link."""
    p = dash.map_panels(run=run, today=today, mode=mode, item_id=item_id)
    ctx = {k: p[k] for k in ("boundary", "value_label", "measure", "item")}
    units = p["units"]
    if own is not None:
        units["url"] = [url if pk in own else "" for pk, url in zip(units["pk"], units["url"], strict=True)]
    ctx["off_map"] = units[~units["on_map"]].to_dict("records")
    ctx["unit_rows"] = units.sort_values("value", ascending=not p["higher"], na_position="last").to_dict("records")
    if p["geojson"] is not None:
        on = units[units["on_map"]].copy()
        on["code"] = on["code"].astype(str)
        title = {"total": _("各区县综合得分"), "zone": _("大气污染防治战区")}.get(mode, p["value_label"])
        ctx["map_chart"] = _json(
            charts.map_figure(
                p["geojson"],
                on,
                p["stations"],
                title=title,
                mode=mode,
                colour_label=p["value_label"],
                higher_better=p["higher"],
            )
        )
    zones = p["zones"]
    ctx["zone_rows"] = zones["table"].to_dict("records")
    ctx["worst_zone"] = zones["worst"]
    if zones["table"]["rate"].notna().any():
        ctx["zone_chart"] = _json(charts.zone_figure(zones["table"]))
    ctx["station_count"] = len(p["stations"])
    return ctx


@area_required("dashboard")
def city_map(request):
    """The city's map (by total, by item or by war zone) and the war-zone view."""
    scheme, runs, run = _pick(request)
    mode = request.GET.get("mode", "total")
    mode = mode if mode in MAP_MODES else "total"
    item_id = int(request.GET["item"]) if request.GET.get("item", "").isdigit() else None
    if mode == "item" and item_id is None and run is not None:
        first = next(iter(assessment.scheme_items(run.scheme)), None)
        item_id = first.pk if first else None
    today = timezone.localdate()
    own = None
    if not is_city_wide(request.user):
        own = tuple(sorted(units_for_user(request.user, "view").values_list("pk", flat=True)))
    context = {"scheme": scheme, "runs": runs, "run": run, "mode": mode, "item_id": item_id}
    context["items"] = assessment.scheme_items(scheme) if scheme else []
    context.update(
        _cached(
            request,
            ("map", run.pk if run else 0, mode, item_id, today, "all" if own is None else "-".join(map(str, own))),
            lambda: _map_context(run, today, mode, item_id, own),
        )
    )
    return render(request, "targets/dashboards/map.html", context)


@area_required("dashboard")
def zones_export(request):
    today = timezone.localdate()
    _scheme, _runs, run = _pick(request)
    p = dash.map_panels(run=run, today=today)
    sheets = [
        (
            _("战区"),
            [
                _("战区"),
                _("牵头单位"),
                _("成员单位"),
                _("站点"),
                _("优良天数率（%）"),
                _("PM2.5（µg/m³）"),
                _("优良率同比（百分点）"),
                _("PM2.5同比"),
            ],
            [
                [
                    r["zone"],
                    r["lead"],
                    "、".join(r["units"]),
                    "、".join(r["stations"]),
                    _num(r["rate"], 1),
                    _num(r["pm25"], 1),
                    _num(r["rate_change"], 1),
                    _num(r["pm25_change"], 1),
                ]
                for r in p["zones"]["table"].to_dict("records")
            ],
        ),
        (
            p["value_label"][:28],
            [_("单位"), _("代码"), _("战区"), p["value_label"]],
            [
                [r["unit_name"], r["code"], r["zone"] or "", _num(r["value"], 2)]
                for r in p["units"].sort_values("value", ascending=False).to_dict("records")
            ],
        ),
    ]
    return xlsx_response(f"战区与地图-{today:%Y%m%d}.xlsx", sheets)


# --- a unit's dashboard -------------------------------------------------------------------------------
def _unit_context(run, unit, user, today) -> dict:
    p = dash.unit_panels(run=run, unit=unit, user=user, today=today)
    ctx = dict(p)
    if p["sheet"]:
        import pandas as pd

        frame = pd.DataFrame(p["sheet"])[["item", "points", "max_points", "met", "url"]]
        frame["met"] = frame["met"].astype(object).where(frame["met"].notna(), None)  # stored by the run
        ctx["items_chart"] = _json(charts.unit_items_figure(frame))
    trend = p["trend"]
    if trend is not None and len(trend) > 1 and trend["unit_total"].notna().any():
        t = p["trend"].melt(id_vars=["as_of", "url"], value_vars=["unit_total", "mean"], var_name="s")
        t["series"] = t["s"].map({"unit_total": unit.name, "mean": _("全市平均")})
        ctx["trend_chart"] = _json(charts.trend_figure(t, title=_("本单位总分逐月走势"), ytitle=_("总分")))
    ctx["warning_chart"] = _json(
        charts.warning_figure(
            p["due"]["colours"].assign(url=lambda d: d["url"] + f"&unit={unit.pk}"), labels=_colour_labels()
        )
    )
    ctx["risk_rows"] = p["risks"].to_dict("records") if len(p["risks"]) else []
    del ctx["risks"], ctx["trend"]
    return ctx


def _unit(request, unit, home: bool = False):
    scheme, runs, run = _pick(request)
    today = timezone.localdate()
    context = {"scheme": scheme, "runs": runs, "run": run, "home": home}
    context.update(
        _cached(
            request,
            # the stalled-projects panel depends on `read_projects` (the role is in the key too)
            ("unit", unit.pk, run.pk if run else 0, today, has_cap(request.user, "read_projects")),
            lambda: _unit_context(run, unit, request.user, today),
        )
    )
    # live state, not a scored fact: read on every request (two small queries), outside the cache
    context["watch_count"], context["watch_warnings"] = open_warnings_for_unit(unit.pk)
    context["weather"] = warning_banner(unit_id=unit.pk)  # live: the warning in force and this unit's responses
    context["watch_summary"] = watch_summary(user=request.user, today=today, unit_id=unit.pk)  # four counts
    context["followups"] = assessment.followup_summary(
        user=request.user, year=scheme.year if scheme else today.year, today=today, unit_id=unit.pk
    )
    return render(request, "targets/dashboards/unit.html", context)


@area_required("dashboard")
def unit_dashboard(request, unit_id: int):
    """A unit's dashboard: officials their own unit (another unit is 404), city-wide roles any unit."""
    return _unit(request, get_unit_for_user(request.user, unit_id, "view"))


@area_required("dashboard")
def unit_export(request, unit_id: int):
    unit = get_unit_for_user(request.user, unit_id, "view")
    _scheme, _runs, run = _pick(request)
    today = timezone.localdate()
    p = dash.unit_panels(run=run, unit=unit, user=request.user, today=today)
    sheets = [
        (
            _("目标与完成"),
            [_("考核项"), _("计量单位"), _("实际值"), _("目标值"), _("得分"), _("满分"), _("是否达标")],
            [
                [
                    r["item"],
                    r["measure"],
                    _num(r["value"], 2),
                    _num(r["target"], 2),
                    _num(r["points"], 2),
                    r["max_points"],
                    "" if r["met"] is None else (_("达标") if r["met"] else _("未达标")),
                ]
                for r in p["sheet"]
            ],
        ),
        (
            _("扣分风险"),
            [_("考核项"), _("当前值"), _("目标值"), _("年末预计"), _("可能失分"), _("建议")],
            [
                [
                    r.indicator,
                    _num(r.value, 2),
                    _num(r.target, 2),
                    _num(r.projected, 2),
                    _num(r.points_at_risk, 2),
                    r.advice,
                ]
                for r in p["risks"].itertuples()
            ]
            if len(p["risks"])
            else [],
        ),
    ]
    return xlsx_response(f"{unit.name}-调度看板-{today:%Y%m%d}.xlsx", sheets)


# --- the inspector's dashboard ------------------------------------------------------------------------
def _inspector_context(user, today) -> dict:
    p = dash.inspector_panels(user=user, today=today)
    ctx = dict(p)
    ctx["unit_rows"] = p["by_unit"].to_dict("records")
    if not p["by_unit"].empty:
        ctx["unit_chart"] = _json(charts.unit_issue_figure(p["by_unit"]))
    del ctx["by_unit"]
    return ctx


def _inspector(request, home: bool = False):
    today = timezone.localdate()
    context = {"home": home}
    context.update(
        _cached(request, ("inspector", request.user.pk, today), lambda: _inspector_context(request.user, today))
    )
    context["due"] = _cached(request, ("due", today), lambda: dash.due_and_overdue(today=today))
    context["warning_chart"] = _json(charts.warning_figure(context["due"]["colours"], labels=_colour_labels()))
    return render(request, "targets/dashboards/inspector.html", context)


@capability_required("read_city_wide")
def inspector_dashboard(request):
    """督察员看板: closing requests waiting, oldest first; overdue and rebounded items by unit."""
    return _inspector(request)


@capability_required("read_city_wide")
def inspector_export(request):
    today = timezone.localdate()
    p = dash.inspector_panels(user=request.user, today=today)
    sheets = [
        (
            _("各单位逾期与反弹"),
            [_("单位"), _("逾期未销号"), _("反弹"), _("红色预警"), _("橙色预警"), _("待核验销号")],
            [[r.unit_name, r.overdue, r.rebounded, r.red, r.orange, r.waiting] for r in p["by_unit"].itertuples()],
        ),
        (
            _("待核验销号申请"),
            [_("问题编号"), _("单位"), _("问题"), _("申请时间"), _("已等待（天）")],
            [
                [
                    i.code,
                    i.unit.name,
                    i.description[:200],
                    timezone.localtime(i.status_changed_at).strftime("%Y-%m-%d") if i.status_changed_at else "",
                    i.waiting_days,
                ]
                for i in p["queue"]
            ],
        ),
    ]
    return xlsx_response(f"督察看板-{today:%Y%m%d}.xlsx", sheets)
