"""Ledgers (台账): one table definition drives the sortable, paginated page and its Excel export.

A ledger is a `Table` subclass listing its `Column`s. The view hands it the already scoped and filtered queryset
(scoping stays in each app's permissions module; filtering in the app's filter form), and the table

- sorts on the server from `?sort=<column>` / `?sort=-<column>` (only declared sortable columns; always a
  unique tie-break so pages never overlap),
- paginates on the server (`?page=`, a fixed page size: a page never renders an unbounded list),
- renders headers with sort links and cells through `templates/includes/ledger.html`,
- answers `?export=xlsx` with every filtered row in the same order, the same columns and the same numbers,
  through the safe writer in `tracker.common.tabular` (no formula cells, safe sheet titles).

Numbers are scaled once in `Column.value` (money in 万元), so the page shows and Excel stores the same value; the
header carries the unit of measure ("下达资金（万元）") and Excel gets a real number format.

Why in-house and not django-tables2 + django-filter: the export must go through `tracker.common.tabular` (formula-safe
cells, number formats with the unit in the header, chunked reads of 50k rows), the filter forms already exist and
validate per app, and the page markup has to match the existing CSS and print styles. What is needed is ~250
lines; the two packages would add templates, a tablib export path and settings we would then override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Case, F, QuerySet, Value, When
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tracker.common.tabular import xlsx_response

EXPORT_PARAM = "export"
EXPORT_VALUE = "xlsx"
WAN = Decimal(10000)
EXPORT_CHUNK = 2000


_BARE_VALUE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def option_tags(pairs: Iterable[tuple[Any, Any]], chosen: set[str] | frozenset[str] = frozenset()) -> SafeString:
    """`<option>`s of (value, label) pairs in one pass, those whose value (as text) is in `chosen` selected.

    The markup is the shortest HTML allows, because a leader's unit filter lists every unit (2,844 nationally,
    twice that in the benchmark's joint data set) and these options were four fifths of a ledger page's bytes:
    an id or code is written without quotes (an attribute value of letters, digits, `-`, `_` and `.` needs none)
    and the `</option>` end tag is left out (optional before another option or the end of the select: HTML
    Living Standard, "optional tags"). The browser builds the same list; each option is ~11 bytes shorter.
    Every value and label is escaped; `escape()` per value and one join (format_html per option costs twice
    as much over a few thousand options)."""
    out = []
    for value, label in pairs:
        text = str(value)
        shown = text if text and _BARE_VALUE.issuperset(text) else f'"{escape(text)}"'
        out.append(f"<option value={shown}{' selected' if text in chosen else ''}>{escape(label)}")
    return mark_safe("".join(out))


class FastSelect(forms.Select):
    """A filter's select rendered in one pass in Python rather than one template per option: a leader's unit
    filter lists every unit (2,844 nationally), which the template-per-option widget takes ~100 ms to render."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs or {})
        final["name"] = name
        final.setdefault("id", f"id_{name}")
        chosen = {str(v) for v in self.format_value(value)}
        return format_html("<select{}>{}</select>", flatatt(final), option_tags(self.choices, chosen))


class FastChoiceField(forms.TypedChoiceField):
    """A filter's choice of an id among many (units, funds): flat `(value, label)` pairs kept as given, not
    normalised item by item on the field and again on the widget (~12 µs per unit per request nationally);
    validated by set membership. Renders with `FastSelect`."""

    widget = FastSelect

    def __init__(self, *, choices=(), **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)
        self.choices = choices

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = self.widget.choices = list(value)
        self._valid = None

    def valid_value(self, value) -> bool:
        if self._valid is None:
            self._valid = {str(v) for v, _label in self._choices}
        return str(value) in self._valid


def page_of(request, rows, per_page: int, param: str = "page", anchor: str = "") -> dict:
    """A page of `rows` (a list or a queryset) for `includes/pager.html`: {"page", "query", "param", "anchor"} —
    the page the request asks for in `param` (two lists on one page use two names; `anchor` brings the reader
    back to the list's panel) and the other GET parameters, so a long list is paged and counted, never cut."""
    query = request.GET.copy()
    query.pop(param, None)
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    return {"page": page, "query": query.urlencode(), "param": param, "anchor": anchor}


def wants_export(request) -> bool:
    """The one export convention for every ledger: `?export=xlsx`."""
    return request.GET.get(EXPORT_PARAM) == EXPORT_VALUE


def to_wan(value) -> Decimal | None:
    """Yuan → 万元, two decimals (half up), the same number on the page and in Excel."""
    if value is None:
        return None
    return (Decimal(value) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_LABELS: dict[tuple, dict] = {}


def _display(obj: Any, field: str) -> str | None:
    """`obj.get_<field>_display()` without its per-call cost (Django rebuilds the choices dict on every call,
    which dominates a 50k-row export): the labels of a model field, cached per language."""
    key = (type(obj), field, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {k: str(v) for k, v in obj._meta.get_field(field).flatchoices}
        _LABELS[key] = labels
    raw = getattr(obj, field)
    return labels.get(raw, raw)


def _resolve(row: Any, path: str) -> Any:
    value = row
    for part in path.split("."):
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get(part)
            continue
        if part.startswith("get_") and part.endswith("_display") and hasattr(value, "_meta"):
            value = _display(value, part[4:-8])
            continue
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


@dataclass
class Column:
    """One column of a ledger.

    `accessor`: a dotted attribute path ("unit.name", "get_status_display") or a callable row → value.
    `order_by`: database fields to sort by (default: the accessor as a field path when it is one); `False` makes
    the column unsortable. `unit`: the unit of measure, shown in the header on the page and in Excel.
    `decimals`: a number column's decimals (page text and Excel format). `money`: yuan shown as 万元.
    `html`: a callable row → safe HTML for the page cell (the export keeps the plain value).
    """

    header: str
    accessor: str | Callable[[Any], Any] | None = None
    order_by: str | Sequence[Any] | bool | None = None
    unit: str = ""
    decimals: int | None = None
    money: bool = False
    link: Callable[[Any], str] | None = None
    html: Callable[[Any], SafeString | str] | None = None
    css: str = ""
    page: bool = True
    export: bool = True
    name: str = field(default="", init=False)

    def __post_init__(self):
        if self.money:
            self.unit = self.unit or gettext_lazy("万元")
            self.decimals = 2 if self.decimals is None else self.decimals
        if self.decimals is not None and not self.css:
            self.css = "num"

    @property
    def label(self) -> str:
        """The translated header with the unit of measure: "下达资金（万元）"."""
        text = str(self.header)
        return _("%(header)s（%(unit)s）") % {"header": text, "unit": self.unit} if self.unit else text

    @property
    def sort_fields(self) -> tuple:
        if self.order_by is False:
            return ()
        if isinstance(self.order_by, str):
            return (self.order_by,)
        if isinstance(self.order_by, Sequence):
            return tuple(self.order_by)
        accessor = self.accessor if self.accessor is not None else self.name
        if isinstance(accessor, str) and not accessor.split(".")[-1].startswith("get_"):
            return (accessor.replace(".", "__"),)
        return ()

    def value(self, row) -> Any:
        """The cell's value as stored in Excel (and formatted for the page): scaled and rounded once, here."""
        accessor = self.accessor if self.accessor is not None else self.name
        value = accessor(row) if callable(accessor) else _resolve(row, accessor)
        if self.money:
            return to_wan(value)
        if self.decimals is not None and value is not None and not isinstance(value, str):
            if value != value:  # NaN from a frame: no value
                return None
            number = Decimal(str(value)).quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)
            return int(number) if self.decimals == 0 else number
        if isinstance(value, datetime):  # local wall time to the second (Excel keeps no zone, no microseconds)
            local = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
            return local.replace(microsecond=0)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, Promise):  # a lazy label (choices): Excel needs the text
            return str(value)
        return value

    def text(self, value) -> str:
        """How a value reads on the page."""
        if value is None or value == "":
            return "—"
        if isinstance(value, Decimal | float | int) and self.decimals is not None:
            return f"{value:,.{self.decimals}f}"
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def cell(self, row) -> SafeString:
        if self.html is not None:
            return format_html("{}", self.html(row))
        text = self.text(self.value(row))
        if self.link is not None:
            url = self.link(row)
            if url:
                return format_html('<a href="{}">{}</a>', url, text)
        return format_html("{}", text)

    def excel_format(self) -> str | None:
        if self.decimals is None:
            return None
        return "#,##0" if self.decimals == 0 else "#,##0." + "0" * self.decimals


def choice_order(field: str, values: Sequence[str]) -> Case:
    """Sort a choice field in its workflow order (待整改 → 整改中 → …), not alphabetically by its code."""
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)), default=Value(len(values)))


class Table:
    """A ledger over a queryset: declare `Column`s as class attributes, in display order.

    Subclasses set `default_sort` (a column name, `-` for descending), `tie_break` (unique fields ending the
    ordering), `page_size`, `title` (the sheet name) and may override `prepare(rows)` to decorate a page (or an
    export chunk) of objects with values computed outside SQL, and `row_css(row)`.
    """

    columns: ClassVar[dict[str, Column]] = {}
    default_sort: ClassVar[str] = ""
    tie_break: ClassVar[tuple[str, ...]] = ("pk",)
    page_size: int = 50
    title: ClassVar[str] = ""
    filename: ClassVar[str] = ""
    empty_text: ClassVar[str] = ""
    prefix: ClassVar[str] = ""  # for two ledgers on one page: "u-" reads ?u-sort= and ?u-page=
    css_class: ClassVar[str] = ""  # an extra class on the <table> (page styles and browser tests find it by)
    # Page in two steps: the page's ids (the sort over every matching row carries one narrow column), then those
    # rows with their joins — for wide rows (long texts, several joins) whose sort reads tens of thousands of rows.
    page_by_ids: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        columns = dict(getattr(cls, "columns", {}))
        for name, value in list(vars(cls).items()):
            if isinstance(value, Column):
                value.name = name
                columns[name] = value
        cls.columns = columns

    def __init__(self, queryset: QuerySet, request, *, page_size: int | None = None):
        self.queryset = queryset
        self.request = request
        self.page_size = page_size or self.page_size
        self.sort_param, self.page_param = f"{self.prefix}sort", f"{self.prefix}page"
        self.sort = self._parse_sort(request.GET.get(self.sort_param, ""))
        self._page: Page | None = None

    # --- sorting ------------------------------------------------------------------------------------------

    def _parse_sort(self, raw: str) -> str:
        name = raw.lstrip("-")
        column = self.columns.get(name)
        if column is None or not self.sortable(column):
            return self.default_sort
        return f"-{name}" if raw.startswith("-") else name

    def ordering(self) -> list:
        """The sort column's fields, then the unique tie-break; unsorted pages keep the selector's own order."""
        fields: list = []
        if not self.sort:
            fields = list(self.queryset.query.order_by or self.queryset.model._meta.ordering)
        else:
            descending = self.sort.startswith("-")
            for f in self.columns[self.sort.lstrip("-")].sort_fields:
                if isinstance(f, str):
                    f_desc, expr = descending != f.startswith("-"), F(f.lstrip("-"))
                else:  # an expression (e.g. a Case giving a workflow order)
                    f_desc, expr = descending, f
                fields.append(expr.desc(nulls_last=True) if f_desc else expr.asc(nulls_last=True))
        return [*fields, *self.tie_break]

    def sortable(self, column: Column) -> bool:
        """A column sorts in SQL by its fields; over a plain list, by its value unless marked unsortable."""
        if isinstance(self.queryset, list):
            return column.order_by is not False
        return bool(column.sort_fields)

    def ordered(self):
        if isinstance(self.queryset, list):  # a small, bounded list (e.g. funds): sorted here by column value
            if not self.sort:
                return self.queryset
            column = self.columns[self.sort.lstrip("-")]
            present = [r for r in self.queryset if column.value(r) is not None]
            missing = [r for r in self.queryset if column.value(r) is None]
            present.sort(key=column.value, reverse=self.sort.startswith("-"))
            return present + missing  # stable: equal values keep the list's order; no value sorts last
        return self.queryset.order_by(*self.ordering())

    # --- rows ---------------------------------------------------------------------------------------------

    def prepare(self, rows: list) -> list:
        """Hook: decorate a page (or an export chunk) of rows with values computed outside SQL."""
        return rows

    def row_css(self, row) -> str:
        return ""

    @property
    def page(self) -> Page:
        if self._page is None:
            rows = self.ordered()
            if self.page_by_ids and not isinstance(rows, list):
                page = Paginator(rows.values_list("pk", flat=True), self.page_size).get_page(
                    self.request.GET.get(self.page_param)
                )
                ids = list(page.object_list)
                found = rows.in_bulk(ids)
                page.object_list = self.prepare([found[pk] for pk in ids])
            else:
                page = Paginator(rows, self.page_size).get_page(self.request.GET.get(self.page_param))
                page.object_list = self.prepare(list(page.object_list))
            self._page = page
        return self._page

    def page_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.page]

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.export]

    def body(self) -> list[dict]:
        """Rows of (cell html, css). A `render_<column>(row)` method on the table, when defined, renders that
        column's page cell with what only the request knows (who may act on the row, the CSRF token)."""
        cols = self.page_columns()
        renderers = [getattr(self, f"render_{c.name}", None) for c in cols]
        return [
            {
                "row": row,
                "css": self.row_css(row),
                "cells": [
                    (format_html("{}", r(row)) if r is not None else c.cell(row), c.css)
                    for c, r in zip(cols, renderers, strict=True)
                ],
            }
            for row in self.page.object_list
        ]

    # --- links --------------------------------------------------------------------------------------------

    def _query(self, **changes) -> str:
        query = self.request.GET.copy()
        query.pop(EXPORT_PARAM, None)
        for key, value in changes.items():
            if value is None:
                query.pop(key, None)
            else:
                query[key] = value
        return query.urlencode()

    def headers(self) -> list[dict]:
        out = []
        current, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        for c in self.page_columns():
            entry = {"label": c.label, "css": c.css, "url": None, "aria": "none", "arrow": ""}
            if self.sortable(c):
                active = c.name == current
                next_sort = c.name if not active or descending else f"-{c.name}"
                entry["url"] = "?" + self._query(**{self.sort_param: next_sort, self.page_param: None})
                if active:
                    entry["aria"] = "descending" if descending else "ascending"
                    entry["arrow"] = "▼" if descending else "▲"
            out.append(entry)
        return out

    def export_url(self) -> str:
        query = self.request.GET.copy()
        query.pop(self.page_param, None)
        query[EXPORT_PARAM] = EXPORT_VALUE
        return "?" + query.urlencode()

    def page_url(self, number: int) -> str:
        return "?" + self._query(**{self.page_param: str(number)})

    def pager(self) -> dict:
        page = self.page
        return {
            "page": page,
            "count": page.paginator.count,
            "first": self.page_url(1) if page.number > 1 else None,
            "previous": self.page_url(page.previous_page_number()) if page.has_previous() else None,
            "next": self.page_url(page.next_page_number()) if page.has_next() else None,
            "last": self.page_url(page.paginator.num_pages) if page.number < page.paginator.num_pages else None,
        }

    # --- export -------------------------------------------------------------------------------------------

    def export_rows(self) -> Iterable[list]:
        """Every filtered row in page order, read in chunks (50k rows never sit in memory as objects at once)."""
        cols = self.export_columns()
        chunk: list = []
        ordered = self.ordered()
        for obj in ordered if isinstance(ordered, list) else ordered.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(obj)
            if len(chunk) >= EXPORT_CHUNK:
                yield from ([c.value(r) for c in cols] for r in self.prepare(chunk))
                chunk = []
        if chunk:
            yield from ([c.value(r) for c in cols] for r in self.prepare(chunk))

    def export_sheet(self, title: str | None = None) -> tuple:
        cols = self.export_columns()
        return (
            title or str(self.title),
            [c.label for c in cols],
            self.export_rows(),
            [c.excel_format() for c in cols],
        )

    def export_response(self, filename: str | None = None, extra_sheets: Sequence[tuple] = ()):
        name = filename or f"{self.filename or self.title}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(name, [self.export_sheet(), *extra_sheets])

    def empty(self) -> str:
        return str(self.empty_text) if self.empty_text else _("没有符合条件的记录。")
