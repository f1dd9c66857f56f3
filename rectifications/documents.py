"""Notices (提醒函 → 警示函 → 督办函 → 约谈) and bulletins (通报) as documents an office signs and sends.

A document takes its wording from the admin-editable `DocumentTemplate` of its kind (or the built-in wording
below) and its number (发文字号) from `DocumentNumber`: the first time a notice's — or a bulletin period's —
document is produced it gets the next serial of its kind and year, under a row lock so two offices printing at
once never share a number; producing it again gives the same number. The year is the issuing year (the Beijing
date of the first production).
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tracker.dates import days_since
from tracker.documents import DocumentSection, OfficialDocument, render_docx

from .models import DocumentKind, DocumentNumber, DocumentTemplate, Notice
from .selectors import BulletinUnit


@dataclass(frozen=True)
class Wording:
    issuer: str
    prefix: str
    title: str
    body: str


ISSUER = "乐山市生态环境保护委员会办公室"
NOTICE_BODY = (
    "经调度，你单位负责的第{code}号整改问题“{description}”整改时限为{deadline}，{status_line}。\n"
    "{action}\n"
    "请于收到本函之日起5个工作日内将整改进展及下一步措施书面报送市生态环境保护委员会办公室。"
)
DEFAULTS: dict[str, Wording] = {
    DocumentKind.REMINDER: Wording(ISSUER, "乐环委办提醒", "关于督促加快问题整改进度的提醒函", NOTICE_BODY),
    DocumentKind.WARNING: Wording(ISSUER, "乐环委办警示", "关于问题整改逾期的警示函", NOTICE_BODY),
    DocumentKind.SUPERVISION: Wording(ISSUER, "乐环督办", "关于挂牌督办问题整改的督办函", NOTICE_BODY),
    DocumentKind.INTERVIEW: Wording(ISSUER, "乐环约谈", "关于约谈问题整改责任人的通知", NOTICE_BODY),
    DocumentKind.BULLETIN: Wording(
        ISSUER,
        "乐环委办通报",
        "关于{start}至{end}生态环境问题整改情况的通报",
        "现将{start}至{end}全市生态环境问题整改情况通报如下。\n"
        "一、总体情况\n"
        "涉及{units}个责任单位，逾期未销号问题{overdue}个，反弹问题{rebounded}个，本期新销号问题{closed}个。\n"
        "二、见人见事\n"
        "逾期和反弹问题逐项列于下表，请各责任单位对照问题、责任人和整改时限，逐项推进、按期销号。",
    ),
}
ACTIONS = {
    DocumentKind.REMINDER: "请你单位高度重视，倒排工期，确保按期完成整改。",
    DocumentKind.WARNING: "现予以警示，请你单位立即采取有效措施，尽快完成整改并申请销号。",
    DocumentKind.SUPERVISION: "现对该问题挂牌督办，请你单位主要负责同志亲自研究部署，限期整改到位。",
    DocumentKind.INTERVIEW: "经研究，决定约谈你单位相关负责同志，具体时间、地点另行通知。",
}
HEADINGS = ("一、总体情况", "二、见人见事")


class _Keep(dict):
    """str.format_map that leaves unknown {placeholders} as written (an admin's typo is visible, not a 500)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(text: str, values: dict) -> str:
    try:
        return string.Formatter().vformat(text, (), _Keep(values))
    except (ValueError, IndexError):  # a stray brace in the admin's wording: show it as written
        return text


def wording(kind: str) -> Wording:
    """The template of `kind`: the admin's row when there is one, else the built-in wording."""
    row = DocumentTemplate.objects.filter(kind=kind).first()
    if row is None:
        return DEFAULTS[kind]
    return Wording(row.issuer, row.prefix, row.title, row.body)


def _next_number(*, kind: str, year: int, prefix: str, user, **subject) -> DocumentNumber:
    # Lock the kind's rows of the year, then take max + 1: two offices printing at once queue here.
    list(DocumentNumber.objects.select_for_update().filter(kind=kind, year=year).values_list("pk", flat=True))
    last = DocumentNumber.objects.filter(kind=kind, year=year).aggregate(m=Max("serial"))["m"] or 0
    return DocumentNumber.objects.create(
        kind=kind, year=year, serial=last + 1, prefix=prefix, issued_at=timezone.now(), issued_by=user, **subject
    )


def notice_number(*, notice: Notice, user) -> DocumentNumber:
    """The notice's number, issued on first use (idempotent: a notice never gets a second number)."""
    existing = DocumentNumber.objects.filter(notice=notice).first()
    if existing is not None:
        return existing
    text = wording(notice.level)
    try:
        with transaction.atomic():
            return _next_number(
                kind=notice.level, year=timezone.localdate().year, prefix=text.prefix, user=user, notice=notice
            )
    except IntegrityError:  # another request numbered it first: use that number
        return DocumentNumber.objects.get(notice=notice)


def bulletin_number(*, start: datetime.date, end: datetime.date, user) -> DocumentNumber:
    """The number of the bulletin for [start, end], issued on first use."""
    kind = DocumentKind.BULLETIN
    existing = DocumentNumber.objects.filter(kind=kind, period_start=start, period_end=end).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _next_number(
                kind=kind,
                year=timezone.localdate().year,
                prefix=wording(kind).prefix,
                user=user,
                period_start=start,
                period_end=end,
            )
    except IntegrityError:
        return DocumentNumber.objects.get(kind=kind, period_start=start, period_end=end)


def _cn(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "（未定）"


def _rendered(doc: OfficialDocument, fmt: str) -> tuple[str, bytes]:
    """(extension, bytes) of the document as Word or PDF (the same `OfficialDocument` either way)."""
    if fmt == "pdf":
        from tracker.pdf import render_pdf

        return "pdf", render_pdf(doc)
    return "docx", render_docx(doc)


def notice_document(*, notice: Notice, user, fmt: str = "docx") -> tuple[str, bytes]:
    """(file name, bytes) of a notice as Word (or PDF), addressed to its unit, naming its person and item."""
    number = notice_number(notice=notice, user=user)
    text = wording(notice.level)
    item = notice.item
    today = timezone.localdate()
    overdue = days_since(item.deadline, today) if item.deadline else None
    status_line = (
        f"已逾期{overdue}天，目前状态为“{item.get_status_display()}”"
        if overdue and overdue > 0
        else f"目前状态为“{item.get_status_display()}”"
    )
    values = {
        "unit": notice.unit.name,
        "person": notice.person,
        "code": item.code,
        "description": item.description,
        "deadline": _cn(item.deadline),
        "days_overdue": max(overdue or 0, 0),
        "level": notice.get_level_display(),
        "status_line": status_line,
        "action": ACTIONS.get(notice.level, ""),
    }
    paragraphs = [_fill(line, values) for line in text.body.splitlines() if line.strip()]
    paragraphs.append(f"责任人：{notice.person}")
    doc = OfficialDocument(
        issuer=text.issuer,
        number=number.text,
        title=_fill(text.title, values),
        recipient=notice.unit.name,
        paragraphs=paragraphs,
        date=timezone.localdate(number.issued_at),
    )
    ext, content = _rendered(doc, fmt)
    return f"{number.text}-{notice.unit.name}.{ext}", content


BULLETIN_TABLE_HEADERS = ("责任单位", "类别", "问题编号", "问题描述", "点位", "责任人", "整改时限", "状态")


def item_place(item) -> str:
    """点位: the item's own place, else the enterprise it concerns, else nothing."""
    return item.place or (item.enterprise.name if item.enterprise_id else "")


def bulletin_document(
    *,
    rows: list[BulletinUnit],
    start: datetime.date,
    end: datetime.date,
    user,
    sections: Sequence[DocumentSection] = (),
    fmt: str = "docx",
) -> tuple[str, bytes]:
    """(file name, .docx bytes) of the bulletin for [start, end]: totals, then 见人见事 (unit, place, person,
    problem), then the further `sections` (tasks behind schedule, stalled projects, ranking movement)."""
    number = bulletin_number(start=start, end=end, user=user)
    text = wording(DocumentKind.BULLETIN)
    values = {
        "start": _cn(start),
        "end": _cn(end),
        "units": len(rows),
        "overdue": sum(len(r.overdue) for r in rows),
        "rebounded": sum(len(r.rebounded) for r in rows),
        "closed": sum(len(r.newly_closed) for r in rows),
    }
    table_rows = [
        (
            r.unit.name,
            label,
            it.code,
            it.description,
            item_place(it) or "—",
            it.responsible_label,
            _cn(it.deadline),
            it.get_status_display(),
        )
        for r in rows
        for label, items in (("逾期", r.overdue), ("反弹", r.rebounded))
        for it in items
    ]
    doc = OfficialDocument(
        issuer=text.issuer,
        number=number.text,
        title=_fill(text.title, values),
        recipient="各区（市、县）人民政府，市级有关部门",
        paragraphs=[_fill(line, values) for line in text.body.splitlines() if line.strip()],
        headings=HEADINGS,
        date=timezone.localdate(number.issued_at),
        table=(BULLETIN_TABLE_HEADERS, table_rows),
        landscape=True,
        sections=tuple(sections),
    )
    ext, content = _rendered(doc, fmt)
    return f"{number.text}.{ext}", content
