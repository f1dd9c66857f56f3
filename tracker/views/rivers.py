"""河湖长制 pages: the river chiefs, patrol frequency (who is behind), the patrol ledger, entry and detail (photos,
转为整改问题), and fishing-ban enforcement cases counted per unit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods

from tracker.common.access import area_required, has_cap
from tracker.common.ledger import Column, Table, page_of, wants_export
from tracker.common.scoping import get_for_user_or_404
from tracker.common.tabular import xlsx_response
from tracker.common.uploads import file_response

from ..choices import ChiefLevel
from ..forms.escalation import escalation_form
from ..forms.rivers import FishingCaseForm, PatrolForm
from ..models import PatrolPhoto, River, RiverChief, RiverPatrol
from ..permissions import is_unit_scoped, units_for_user
from ..selectors import rivers as sel
from ..services.rivers import fishing_case_record, river_patrol_record


def _int(raw) -> int | None:
    return int(raw) if raw and str(raw).isdigit() else None


class ChiefTable(Table):
    """河长名录."""

    title = _l("河长名录")
    filename = _l("河长名录")
    empty_text = _l("尚未登记河长。")

    river = Column(_l("河流"), "river.name", order_by=("river__sort_order", "river__name"))
    stretch = Column(_l("河段/断面"), lambda c: c.stretch or (c.section.name if c.section else ""), order_by="stretch")
    level = Column(_l("河长级别"), "get_level_display", order_by="level")
    person = Column(_l("河长"), "person.name", order_by="person__name")
    post = Column(_l("职务"), "person.post", order_by="person__post")
    unit = Column(_l("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    is_active = Column(_l("在任"), "is_active")


def _item(patrol):
    """The rectification item a patrol's finding became (it points here: `source_patrol`), or None."""
    return getattr(patrol, "rectification_item", None)


class PatrolTable(Table):
    """巡河记录台账."""

    title = _l("巡河记录")
    filename = _l("巡河记录")
    empty_text = _l("没有巡河记录。")
    default_sort = "-date"

    date = Column(_l("巡河日期"), link=lambda p: reverse("tracker:patrol_detail", args=[p.pk]))
    river = Column(_l("河流"), "chief.river.name", order_by="chief__river__name")
    chief = Column(_l("河长"), lambda p: f"{p.chief.get_level_display()} {p.chief.person.name}",
                   order_by=("chief__level", "chief__person__name"))  # fmt: skip
    unit = Column(_l("责任单位"), "unit.name", order_by=("unit__sort_order", "unit__code"))
    stretch = Column(_l("巡查河段"))
    problems = Column(_l("发现问题"))
    n_photos = Column(_l("照片"), decimals=0)
    item = Column(
        _l("转办整改问题"),
        lambda p: item.code if (item := _item(p)) else "",
        order_by="rectification_item__code",
        link=lambda p: reverse("rectifications:detail", args=[item.pk]) if (item := _item(p)) else "",
    )


# --- chiefs and frequency -----------------------------------------------------------------------------------------
@area_required("rivers")
def river_chief_list(request):
    level = request.GET.get("level") if request.GET.get("level") in ChiefLevel.values else None
    river_id, unit_id = _int(request.GET.get("river")), _int(request.GET.get("unit"))
    table = ChiefTable(sel.chiefs_for_user(request.user, river_id=river_id, level=level, unit_id=unit_id), request)
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "tracker/river_chief_list.html",
        {
            "table": table,
            "levels": ChiefLevel.choices,
            "level": level,
            "rivers": River.objects.all(),
            "river_id": river_id,
            "units": units_for_user(request.user, "view").filter(is_active=True).exclude(kind="department"),
            "unit_id": unit_id,
            "tab": "chiefs",
        },
    )


@area_required("rivers")
def patrol_frequency(request):
    """Each chief's patrols this year against the rule of their level; chiefs behind first."""
    today = timezone.localdate()
    behind_only = request.GET.get("behind") == "1"
    rows = sel.patrol_frequency(request.user, as_of=today, behind_only=behind_only)
    if wants_export(request):
        headers = [_("河流"), _("河段"), _("河长级别"), _("河长"), _("责任单位"), _("频次要求"), _("已考核周期"),
                   _("未达标周期"), _("本年巡河次数"), _("最近巡河")]  # fmt: skip
        data = [
            [r["chief"].river.name, r["chief"].stretch, r["chief"].get_level_display(), r["chief"].person.name,
             r["chief"].unit.name, str(r["rule"]) if r["rule"] else "", r["periods"], r["short"], r["patrols"],
             r["last"]]
            for r in rows
        ]  # fmt: skip
        return xlsx_response(f"巡河频次-{today:%Y%m%d}.xlsx", [(_("巡河频次"), headers, data)])
    paged = page_of(request, rows, 100)  # paged and counted, never cut (the Excel has every row)
    return render(
        request,
        "tracker/patrol_frequency.html",
        {
            **paged,
            "rows": paged["page"].object_list,
            "behind_only": behind_only,
            "behind": sum(1 for r in rows if r["behind"]),
            "today": today,
            "tab": "frequency",
        },
    )


# --- patrols ------------------------------------------------------------------------------------------------------
@area_required("rivers")
def patrol_list(request):
    unit_id = _int(request.GET.get("unit"))
    with_problems = request.GET.get("problems") == "1"
    table = PatrolTable(sel.patrols_for_user(request.user, unit_id=unit_id, with_problems=with_problems), request)
    if wants_export(request):
        return table.export_response()
    return render(
        request,
        "tracker/patrol_list.html",
        {
            "table": table,
            "units": units_for_user(request.user, "view").filter(is_active=True).exclude(kind="department"),
            "unit_id": unit_id,
            "with_problems": with_problems,
            "can_enter": is_unit_scoped(request.user),
            "tab": "patrols",
        },
    )


@area_required("rivers")
@require_http_methods(["GET", "POST"])
def patrol_create(request):
    """A county official enters a patrol of one of their unit's chiefs (with photos)."""
    if not is_unit_scoped(request.user):
        raise PermissionDenied
    chiefs = list(
        RiverChief.objects.restrict(request.user, "report")
        .filter(is_active=True)
        .select_related("river", "person")
        .order_by("river__sort_order", "level", "pk")
    )
    form = PatrolForm(request.POST or None, request.FILES or None, chiefs=chiefs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patrol = river_patrol_record(
                user=request.user,
                chief_id=data["chief"],
                date=data["date"],
                stretch=data["stretch"],
                problems=data["problems"],
                handled=data["handled"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("巡河记录已保存。"))
            return redirect("tracker:patrol_detail", pk=patrol.pk)
    return render(request, "tracker/patrol_form.html", {"form": form, "chiefs": chiefs, "tab": "patrols"})


@area_required("rivers")
def patrol_detail(request, pk: int):
    patrol = get_for_user_or_404(
        RiverPatrol.objects.select_related(
            "chief__river", "chief__person", "chief__section", "unit", "rectification_item"
        ),
        pk,
        request.user,
    )
    item, item_form = _item(patrol), escalation_form("patrol")
    can_escalate = has_cap(request.user, "escalate_warnings") and patrol.has_problems and item is None
    return render(
        request,
        "tracker/patrol_detail.html",
        {
            "patrol": patrol,
            "item": item,
            "photos": patrol.photos.all(),
            "can_escalate": can_escalate and item_form is not None,
            "item_form": item_form,
            "tab": "patrols",
        },
    )


@area_required("rivers")
def patrol_photo(request, pk: int):
    photo = get_for_user_or_404(PatrolPhoto.objects.select_related("patrol"), pk, request.user)
    return file_response(photo.file, photo.original_name, photo.mime)


# --- fishing ban ------------------------------------------------------------------------------------------------
@area_required("rivers")
@require_http_methods(["GET", "POST"])
def fishing_cases(request):
    """Fishing-ban enforcement cases of the year, counted per unit; officials add their unit's cases."""
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    report_units = (
        list(units_for_user(request.user, "report").filter(is_active=True)) if is_unit_scoped(request.user) else []
    )
    if request.method == "POST" and not report_units:
        raise PermissionDenied
    form = FishingCaseForm(request.POST or None, rivers=River.objects.all()) if report_units else None
    if form is not None and request.method == "POST" and form.is_valid():
        wanted = request.POST.get("unit")
        unit = next((u for u in report_units if str(u.pk) == wanted), report_units[0])
        data = form.cleaned_data
        try:
            fishing_case_record(
                user=request.user,
                unit_id=unit.pk,
                case_no=data["case_no"],
                date=data["date"],
                kind=data["kind"],
                outcome=data["outcome"],
                river_id=data["river"],
                description=data["description"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("禁渔执法案件已登记。"))
            return redirect("tracker:fishing_cases")
    counts = sel.fishing_case_counts(request.user, year=year)
    cases = sel.fishing_cases_for_user(request.user, year=year)
    if wants_export(request):
        headers = [_("案件编号"), _("查处日期"), _("责任单位"), _("水域"), _("案件类型"), _("处理结果"), _("案情")]
        data = [[c.case_no, c.date, c.unit.name, c.river.name if c.river else "", c.get_kind_display(),
                 c.get_outcome_display(), c.description] for c in cases]  # fmt: skip
        by_unit = [[c["unit__name"], c["n"], c["penalty"], c["criminal"], c["last"]] for c in counts]
        return xlsx_response(
            f"禁渔执法案件-{year}.xlsx",
            [
                (_("案件"), headers, data),
                (_("分单位统计"), [_("责任单位"), _("案件数"), _("行政处罚"), _("移送司法"), _("最近查处")], by_unit),
            ],
        )
    paged = page_of(request, cases, 100)  # paged and counted, never cut (the Excel has every row)
    return render(
        request,
        "tracker/fishing_cases.html",
        {
            "year": year,
            "counts": counts,
            "total": sum(c["n"] for c in counts),
            **paged,
            "cases": paged["page"].object_list,
            "form": form,
            "report_units": report_units,
            "tab": "fishing",
        },
    )
