"""Bulk imports from a downloadable template (批量导入): the one path every import of master data takes.

An import is an `Importer`: its template (`tracker.common.import_templates`: Chinese headers, the current rows so that
export → import gives the same rows back, an example row on the instructions sheet, drop-downs fed from a hidden
options sheet), how one row is checked (`clean`), what already exists (`current`), and how one row is written
(`save_row`, which calls the app's service — never the ORM directly). `Importer.run` does the rest the same way
for every import: permission first, every row validated with its row and column named, duplicates of the key
in the file refused, a dry run that writes nothing, and then all rows in one transaction or none (a row the
service refuses rolls back the whole file and is reported with its row number).

`import_page` and `template_download` are the views' half: upload → preview (nothing saved; the file kept in the
session) → confirm (the same file validated and written again).

The targets and tasks imports (`targets.imports`, `tracker.measure_imports`) share the result type, the label
lookup and the page flow from here.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tracker.common.import_templates import template_workbook
from tracker.common.tabular import RowError, TableError, read_table

from .common.access import has_cap

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ImportResult:
    """What an import would do (or did): rows with their action, errors by row and column, counts.

    `secrets` holds what may be shown once after a saved import and never stored (new users' one-time
    passwords)."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    saved: bool = False
    secrets: list[dict] = field(default_factory=list)


class _Rollback(Exception):
    pass


def choice_labels(choices) -> dict[str, str]:
    """A choice column accepts the label the drop-down offers (in either language) or the stored value."""
    from django.utils import translation

    out: dict[str, str] = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            out.update({str(label): str(value) for value, label in choices.choices})
    out.update({str(value): str(value) for value in choices.values})
    return out


def label_of(choices, value) -> str:
    """The Chinese label of a stored choice value (what the template writes and the drop-down offers)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(dict(choices.choices).get(value, value))


def zh_labels(choices) -> list[str]:
    from django.utils import translation

    with translation.override("zh-hans"):
        return [str(label) for label in choices.labels]


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10].replace("/", "-"))
    except ValueError:
        return None


def parse_decimal(text: str, *, places: int = 2, minimum: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number (thousands separators allowed) rounded half up to `places`; None if it is not one or too small."""
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= Decimal(10) ** 15:
        return None
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return None if minimum is not None and value < minimum else value


def parse_float(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


YES, NO = ("是", "yes", "y", "true", "1"), ("否", "no", "n", "false", "0")


def parse_bool(text: str, default: bool | None = None) -> bool | None:
    t = text.strip().lower()
    if not t:
        return default
    if t in YES:
        return True
    if t in NO:
        return False
    return None


def yes_no(value: bool) -> str:
    return "是" if value else "否"


# --- row checks shared by the importers: each appends (column header, message) to `errs` -----------------------


def text_field(rec: dict, field: str, errs: list, header: str, limit: int, *, required: bool = True) -> str:
    value = rec.get(field, "")
    if required and not value:
        errs.append((header, _("请填写%(col)s") % {"col": header}))
    elif len(value) > limit:
        errs.append((header, _("不超过 %(n)d 字") % {"n": limit}))
    return value


def choice_field(rec: dict, field: str, labels: dict, errs: list, header: str, *, required: bool = True) -> str | None:
    raw = rec.get(field, "")
    if not raw:
        if required:
            errs.append((header, _("请从下拉列表选择")))
        return None if required else ""
    value = labels.get(raw)
    if value is None:
        errs.append((header, _("“%(v)s”不在可选范围内，请从下拉列表选择") % {"v": raw}))
    return value


def flag_field(rec: dict, field: str, errs: list, header: str) -> bool:
    value = parse_bool(rec.get(field, ""), default=True)
    if value is None:
        errs.append((header, _("请填写“是”或“否”")))
        return True
    return value


def unit_field(rec: dict, units: dict, errs: list, header: str, *, required: bool = True):
    """The unit named by its code in column `unit` (None when blank or unknown, with the error)."""
    code = rec.get("unit", "")
    if not code:
        if required:
            errs.append((header, _("请填写单位代码")))
        return None
    unit = units.get(code)
    if unit is None:
        errs.append((header, _("没有代码为“%(code)s”的单位") % {"code": code}))
    return unit


def money_field(rec: dict, field: str, errs: list, header: str, *, required: bool = True) -> Decimal | None:
    """An amount in 元 (two decimals, not negative); blank is 0 unless required."""
    raw = rec.get(field, "")
    if not raw:
        if required:
            errs.append((header, _("请填写金额（元）")))
            return None
        return Decimal("0.00")
    value = parse_decimal(raw)
    if value is None:
        errs.append((header, _("请填写不小于 0 的金额（元）")))
    return value


def date_field(rec: dict, field: str, errs: list, header: str, *, required: bool = True) -> dt.date | None:
    raw = rec.get(field, "")
    if not raw and not required:
        return None
    value = parse_date(raw)
    if value is None:
        errs.append((header, _("请填写日期，如 2026-12-31") if required else _("请填写日期，如 2026-12-31，或留空")))
    return value


class Importer:
    """One bulk import. Subclasses declare the template and implement `export_rows`, `clean`, `current` and
    `save_row`; `run` and the page are shared."""

    name: ClassVar[str] = ""  # the session key of the previewed file
    title: ClassVar[str] = ""  # "导入排口"
    filename: ClassVar[str] = ""  # "入河排污口导入模板.xlsx"
    headers: ClassVar[list[str]] = []
    columns: ClassVar[dict[str, list[str]]] = {}
    required: ClassVar[list[str]] = []
    key: ClassVar[str] = "code"  # the column naming a row uniquely (a second row with the same key is an error)
    compare: ClassVar[tuple[str, ...]] = ()  # the fields that decide "update" against "same"
    capability: ClassVar[str] = ""
    denied: ClassVar[str] = ""
    notes: ClassVar[list[str]] = []
    preview: ClassVar[list[tuple[str, str]]] = []  # (row field, header) shown in the preview table

    # --- who ------------------------------------------------------------------------------------------
    def check(self, user) -> None:
        if not has_cap(user, self.capability):
            raise PermissionDenied(self.denied)

    # --- the template -----------------------------------------------------------------------------------
    def export_rows(self, user) -> list[list]:
        """The current rows, as the template's columns (so that importing the template changes nothing)."""
        return []

    def choices(self) -> dict[int, Sequence[str]]:
        return {}

    def example(self) -> list:
        return []

    def template(self, *, user) -> bytes:
        self.check(user)
        return template_workbook(
            headers=self.headers,
            rows=self.export_rows(user),
            choices=self.choices(),
            example=self.example(),
            notes=[str(n) for n in self.notes],
        )

    # --- rows -----------------------------------------------------------------------------------------
    def lookups(self) -> dict[str, Any]:
        """What every row's check needs (units by code, rivers by name …), read once per file."""
        return {}

    def clean(self, rec: dict, lk: dict) -> tuple[dict, list[tuple[str, str]]]:
        """One record of strings → (values, [(column header, message), …])."""
        raise NotImplementedError

    def current(self, keys: list) -> dict[Any, dict]:
        """The rows already stored under these keys: key → {field: value} for the `compare` fields."""
        return {}

    def save_row(self, *, user, row: dict, lk: dict) -> None:
        """Write one row through the app's service (called inside the import's transaction)."""
        raise NotImplementedError

    # --- the shared run ---------------------------------------------------------------------------------
    def run(self, *, user, upload, dry_run: bool = True) -> ImportResult:
        """Validate every row; unless `dry_run` (or anything is wrong), write them all in one transaction."""
        self.check(user)
        result = ImportResult()
        try:
            frame = read_table(upload, columns=self.columns, required=self.required)
        except TableError as exc:
            result.errors = exc.errors
            return result
        lk = self.lookups()
        seen: dict[Any, int] = {}
        key_header = self.columns[self.key][0]
        for rec in frame.to_dict("records"):
            rec = {k: ("" if v is None else str(v).strip()) for k, v in rec.items()}
            row = int(rec.pop("_row"))
            values, problems = self.clean(rec, lk)
            errs = [RowError(row, col, msg) for col, msg in problems]
            key = values.get(self.key)
            if key not in (None, "") and key in seen:
                errs.append(
                    RowError(
                        row, key_header, _("与第 %(n)d 行重复（%(col)s 相同）") % {"n": seen[key], "col": key_header}
                    )
                )
            elif key not in (None, ""):
                seen[key] = row
            result.errors.extend(errs)
            result.rows.append({**values, "row": row, "ok": not errs})
        if not result.rows and not result.errors:
            result.errors.append(RowError(0, "", _("表中没有数据行")))
        existing = self.current([r[self.key] for r in result.rows if r["ok"]])
        for r in result.rows:
            old = existing.get(r.get(self.key))
            if old is None:
                r["action"] = "new"
            else:
                same = all(old.get(f) == r.get(f) for f in self.compare)
                r["action"] = "same" if same else "update"
                r["pk"] = old.get("pk")
        result.created = sum(r["action"] == "new" and r["ok"] for r in result.rows)
        result.updated = sum(r["action"] == "update" and r["ok"] for r in result.rows)
        if dry_run or result.errors:
            return result
        try:
            with transaction.atomic():
                self.check(user)  # again, inside the transaction that writes
                for r in result.rows:
                    if r["action"] == "same":
                        continue
                    try:
                        with transaction.atomic():
                            self.save_row(user=user, row=r, lk=lk)
                    except ValidationError as exc:
                        result.errors.append(RowError(r["row"], "", "；".join(exc.messages)))
                        r["ok"] = False
                if result.errors:
                    raise _Rollback
        except _Rollback:
            result.secrets = []
            return result
        result.saved = True
        return result


# --- the views' half ------------------------------------------------------------------------------------


def xlsx_download(raw: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(raw, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def template_download(request, importer: Importer) -> HttpResponse:
    """GET the template of an import (403 without the capability)."""
    importer.check(request.user)
    if request.method != "GET":
        return HttpResponse(status=405)
    return xlsx_download(importer.template(user=request.user), importer.filename)


def _stored_upload(stored: dict) -> io.BytesIO:
    upload = io.BytesIO(base64.b64decode(stored["data"]))
    upload.name = stored["name"]
    return upload


def import_flow(
    request,
    *,
    session_key: str,
    run: Callable[..., Any],
    on_saved: Callable[[Any], HttpResponse | None],
) -> Any:
    """Upload → preview → confirm, shared by every import page. Returns the result to show (or None), or the
    response `on_saved` gives after a saved import."""
    result = None
    if request.method == "POST":
        stored = request.session.get(session_key)
        if request.POST.get("action") == "confirm" and stored:
            result = run(user=request.user, upload=_stored_upload(stored), dry_run=False)
            if result.saved:
                del request.session[session_key]
                response = on_saved(result)
                if response is not None:
                    return response
        elif request.FILES.get("file"):
            f = request.FILES["file"]
            raw = f.read()
            upload = io.BytesIO(raw)
            upload.name = f.name
            result = run(user=request.user, upload=upload, dry_run=True)
            if not result.errors:
                request.session[session_key] = {"name": f.name, "data": base64.b64encode(raw).decode()}
        else:
            messages.error(request, _("请选择要导入的文件。"))
    return result


def _preview_order(result: ImportResult | None) -> list[dict]:
    """Rows with errors first, then new and changed ones, then the unchanged (a round trip lists every row)."""
    rows = result.rows if result else []
    return sorted(rows, key=lambda r: (r["ok"], r.get("action") == "same", r["row"]))[:500]


def import_page(
    request,
    importer: Importer,
    *,
    template_url: str,
    done_url: str,
    back_url: str = "",
    back_label: str = "",
    intro: str = "",
) -> HttpResponse:
    """The page of an `Importer`: upload, preview with each row's action and every error, confirm."""
    importer.check(request.user)

    def saved(result: ImportResult) -> HttpResponse | None:
        messages.success(
            request,
            _("%(title)s：新增 %(c)d 条，更新 %(u)d 条。")
            % {"title": importer.title, "c": result.created, "u": result.updated},
        )
        if result.secrets:  # shown once, on this page, never stored
            return None
        return redirect(done_url)

    outcome = import_flow(request, session_key=f"import:{importer.name}", run=importer.run, on_saved=saved)
    if isinstance(outcome, HttpResponse):
        return outcome
    context = {
        "importer": importer,
        "result": outcome,
        "template_url": template_url,
        "back_url": back_url,
        "back_label": back_label,
        "intro": intro,
        "preview_rows": [
            {"row": r, "cells": [r.get(f) for f, _h in importer.preview]} for r in _preview_order(outcome)
        ],
    }
    response = render(request, "includes/import_page.html", context)
    if outcome is not None and outcome.secrets:
        response["Cache-Control"] = "no-store"  # one-time passwords: never kept by a browser or a proxy
    return response
