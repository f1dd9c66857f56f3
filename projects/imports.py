"""Bulk imports of funds and projects from templates (`tracker.imports.Importer`), through
`projects.services.fund_save` / `project_save`. Money is in 元 in the template (the stored unit, so that the
round trip is exact; pages and ledgers show 万元)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.imports import Importer, choice_labels, date_field, label_of, money_field, text_field, zh_labels
from tracker.models import Unit

from .choices import FundArea, FundLevel
from .models import Fund, Project
from .services import fund_save, project_save


def _units() -> list[tuple[str, str]]:
    return list(Unit.objects.order_by("sort_order", "code").values_list("code", "name"))


_money, _text = money_field, text_field


class FundImporter(Importer):
    """专项资金."""

    name = "funds"
    title = gettext_lazy("导入专项资金")
    filename = "专项资金导入模板.xlsx"
    headers = ["资金名称", "资金级别", "资金年度", "资金领域", "下达我市金额（元）", "备注"]
    columns = {
        "name": ["资金名称"],
        "level": ["资金级别"],
        "year": ["资金年度"],
        "area": ["资金领域"],
        "amount": ["下达我市金额（元）", "下达我市金额"],
        "note": ["备注"],
    }
    required = ["name", "level", "year", "area", "amount"]
    key = "name"
    compare = ("level", "year", "area", "amount", "note")
    capability = "allocate_funds"
    denied = "只有系统管理员可以导入专项资金"
    notes = [
        gettext_lazy("资金名称唯一：已有的资金按名称更新，其余新增；有一行出错则整表不导入。"),
        gettext_lazy("资金级别、资金领域：从下拉列表选择；资金年度为四位数字；金额单位为元（页面上以万元显示）。"),
        gettext_lazy("金额不能低于已分配给项目的资金。"),
    ]
    preview = [
        ("name", "资金名称"),
        ("year", "资金年度"),
        ("level_label", "资金级别"),
        ("amount", "下达我市金额（元）"),
    ]

    def export_rows(self, user) -> list[list]:
        return [
            [f.name, label_of(FundLevel, f.level), f.year, label_of(FundArea, f.area), f.amount, f.note]
            for f in Fund.objects.order_by("-year", "name")
        ]

    def choices(self):
        return {1: zh_labels(FundLevel), 3: zh_labels(FundArea)}

    def example(self):
        return ["2026年中央水污染防治资金", "中央", 2026, "水", 12000000, "川财资环〔2026〕1号"]

    def lookups(self) -> dict[str, Any]:
        return {"levels": choice_labels(FundLevel), "areas": choice_labels(FundArea)}

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        level = lk["levels"].get(rec.get("level", ""))
        if level is None:
            errs.append(("资金级别", _("请从下拉列表选择")))
        area = lk["areas"].get(rec.get("area", ""))
        if area is None:
            errs.append(("资金领域", _("请从下拉列表选择")))
        raw_year = rec.get("year", "")
        year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else None
        if year is None:
            errs.append(("资金年度", _("资金年度须为 2000–2100 的四位数字")))
        values = {
            "name": _text(rec, "name", errs, "资金名称", 120),
            "level": level,
            "level_label": rec.get("level", ""),
            "year": year,
            "area": area,
            "amount": _money(rec, "amount", errs, "下达我市金额（元）"),
            "note": _text(rec, "note", errs, "备注", 200, required=False),
        }
        return values, errs

    def current(self, keys):
        return {r["name"]: r for r in Fund.objects.filter(name__in=keys).values("pk", "name", *self.compare)}

    def save_row(self, *, user, row, lk):
        fund_save(
            user=user,
            name=row["name"],
            level=row["level"],
            year=row["year"],
            area=row["area"],
            amount=row["amount"],
            note=row["note"],
        )


class ProjectImporter(Importer):
    """项目台账 (register entries; the stage moves only through the stage workflow)."""

    name = "projects"
    title = gettext_lazy("导入项目")
    filename = "项目导入模板.xlsx"
    headers = [
        "项目编号",
        "项目名称",
        "责任单位代码",
        "责任单位名称",
        "资金来源",
        "估算总投资（元）",
        "下达资金（元）",
        "计划开工日期",
        "计划竣工日期",
        "责任人",
    ]
    columns = {
        "code": ["项目编号"],
        "name": ["项目名称"],
        "unit": ["责任单位代码"],
        "unit_name": ["责任单位名称"],
        "fund": ["资金来源"],
        "investment": ["估算总投资（元）", "估算总投资"],
        "allocated_amount": ["下达资金（元）", "下达资金"],
        "planned_start": ["计划开工日期"],
        "planned_completion": ["计划竣工日期"],
        "responsible_person": ["责任人"],
    }
    required = ["code", "name", "unit", "investment"]
    compare = (
        "name",
        "unit_id",
        "fund_id",
        "investment",
        "allocated_amount",
        "planned_start",
        "planned_completion",
        "responsible_person",
    )
    capability = "allocate_funds"
    denied = "只有系统管理员可以导入项目"
    notes = [
        gettext_lazy(
            "项目编号唯一：已有的项目按编号更新，其余新增（进入“储备”阶段，此后按流程推进）；有一行出错则整表不导入。"
        ),
        gettext_lazy(
            "项目阶段不在表中：在项目页面按流程变更。责任单位代码、资金来源：从下拉列表选择；责任单位名称仅供核对。"
        ),
        gettext_lazy("金额单位为元；下达资金不能超过该专项资金尚未分配的金额。日期如 2026-03-01，可空。"),
    ]
    preview = [("code", "项目编号"), ("name", "项目名称"), ("unit_code", "责任单位代码"), ("fund_name", "资金来源")]

    def export_rows(self, user) -> list[list]:
        return [
            [
                p.code,
                p.name,
                p.unit.code,
                p.unit.name,
                p.fund.name if p.fund else "",
                p.investment,
                p.allocated_amount,
                p.planned_start,
                p.planned_completion,
                p.responsible_person,
            ]
            for p in Project.objects.select_related("unit", "fund").order_by("code")
        ]

    def choices(self):
        return {
            2: [c for c, _n in _units()],
            4: list(Fund.objects.order_by("-year", "name").values_list("name", flat=True)),
        }

    def example(self):
        units = _units()
        unit = units[0] if units else ("511102", "市中区")
        fund = Fund.objects.order_by("-year", "name").values_list("name", flat=True).first() or ""
        return [
            "XM-2026-001",
            "乡镇污水管网延伸工程",
            unit[0],
            unit[1],
            fund,
            3000000,
            0,
            "2026-03-01",
            "2026-12-31",
            "李四",
        ]

    def lookups(self) -> dict[str, Any]:
        return {"units": {u.code: u for u in Unit.objects.all()}, "funds": {f.name: f for f in Fund.objects.all()}}

    def clean(self, rec, lk):
        errs: list[tuple[str, str]] = []
        unit = lk["units"].get(rec.get("unit", ""))
        if unit is None:
            errs.append(("责任单位代码", _("没有代码为“%(code)s”的单位") % {"code": rec.get("unit", "")}))
        fund = None
        if rec.get("fund"):
            fund = lk["funds"].get(rec["fund"])
            if fund is None:
                errs.append(("资金来源", _("没有名为“%(v)s”的专项资金") % {"v": rec["fund"]}))
        dates = {
            field: date_field(rec, field, errs, header, required=False)
            for field, header in (("planned_start", "计划开工日期"), ("planned_completion", "计划竣工日期"))
        }
        if (
            dates["planned_start"]
            and dates["planned_completion"]
            and dates["planned_completion"] < dates["planned_start"]
        ):
            errs.append(("计划竣工日期", _("计划竣工日期不能早于计划开工日期")))
        allocated = _money(rec, "allocated_amount", errs, "下达资金（元）", required=False)
        if allocated and fund is None:
            errs.append(("资金来源", _("有下达资金的项目须填写资金来源")))
        values = {
            "code": _text(rec, "code", errs, "项目编号", 40),
            "name": _text(rec, "name", errs, "项目名称", 200),
            "unit": unit,
            "unit_id": unit.pk if unit else None,
            "unit_code": rec.get("unit", ""),
            "fund": fund,
            "fund_id": fund.pk if fund else None,
            "fund_name": rec.get("fund", ""),
            "investment": _money(rec, "investment", errs, "估算总投资（元）"),
            "allocated_amount": allocated,
            "responsible_person": _text(rec, "responsible_person", errs, "责任人", 40, required=False),
            **dates,
        }
        return values, errs

    def current(self, keys):
        return {r["code"]: r for r in Project.objects.filter(code__in=keys).values("pk", "code", *self.compare)}

    def save_row(self, *, user, row, lk):
        project_save(
            user=user,
            code=row["code"],
            name=row["name"],
            unit=row["unit"],
            fund=row["fund"],
            investment=row["investment"],
            allocated_amount=row["allocated_amount"],
            planned_start=row["planned_start"],
            planned_completion=row["planned_completion"],
            responsible_person=row["responsible_person"],
        )
