"""Official documents (公文) as Word files: notices (提醒函 … 约谈) and bulletins (通报) an office signs and sends.

Pure layout, no Django: a caller passes the text it has already decided (number, recipient, paragraphs, a table)
and gets the bytes of a .docx. The layout follows the habits of GB/T 9704-2012 (党政机关公文格式) as far as a
generated file reasonably can: a red issuing-office line, the document number (发文字号, e.g. 乐环督办〔2026〕3号)
centred under it, the title in a larger bold face, the main recipient (主送机关) flush left, the body in 仿宋 with
a two-character first-line indent, and the issuing office and date at the bottom right. Fonts fall back to
whatever CJK font the reader's Word has when 仿宋_GB2312 / 方正小标宋简体 are missing.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
RED = RGBColor(0xC0, 0x00, 0x00)


@dataclass(frozen=True)
class OfficialDocument:
    """What a document says; `table` is (headers, rows) shown after the paragraphs (e.g. 见人见事)."""

    issuer: str
    number: str
    title: str
    recipient: str
    paragraphs: Sequence[str]
    date: datetime.date
    table: tuple[Sequence[str], Sequence[Sequence[object]]] | None = None
    headings: Sequence[str] = field(default_factory=tuple)  # paragraphs to set as level-1 headings (一、…)
    landscape: bool = False
    sections: Sequence[DocumentSection] = field(default_factory=tuple)  # after the table: heading, text, table


@dataclass(frozen=True)
class DocumentSection:
    """A further part of a document after its main table: a heading (三、…), an optional line, a table."""

    heading: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    note: str = ""


def _font(run, name: str, size: float, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    # Word reads East Asian text from w:eastAsia; python-docx's font.name sets only the Latin slot.
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False, align=None,
               indent: bool = False, colour: RGBColor | None = None, space_after: float = 0):  # fmt: skip
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.line_spacing = Pt(28)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, bold=bold, colour=colour)
    return p


def chinese_date(day: datetime.date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704-2012 7.3.5.1 now writes it: 2026年6月16日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _table(doc, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, 10.5)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 10.5)


def render_docx(document: OfficialDocument) -> bytes:
    """The .docx bytes of `document`."""
    doc = Document()
    section = doc.sections[0]
    if document.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    _paragraph(doc, document.issuer, font=TITLE_FONT, size=26, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, colour=RED)
    _paragraph(doc, document.number, size=16, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _paragraph(doc, document.title, font=TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
               space_after=12)  # fmt: skip
    if document.recipient:
        _paragraph(doc, f"{document.recipient}：")
    headings = set(document.headings)
    for text in document.paragraphs:
        if text in headings:
            _paragraph(doc, text, font=HEADING_FONT, indent=True)
        else:
            _paragraph(doc, text, indent=True)

    if document.table is not None:
        _table(doc, *document.table)
    for part in document.sections:
        _paragraph(doc, part.heading, font=HEADING_FONT, indent=True)
        if part.note:
            _paragraph(doc, part.note, indent=True)
        if part.rows:
            _table(doc, part.headers, part.rows)

    _paragraph(doc, "", space_after=12)
    _paragraph(doc, document.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(document.date), align=WD_ALIGN_PARAGRAPH.RIGHT)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(content: bytes) -> str:
    """All text of a .docx, paragraphs then table cells, one per line (for tests and previews)."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(c.text for c in row.cells))
    return "\n".join(lines)
