"""Official documents as PDF: the same `OfficialDocument` the Word file is built from, laid out as an A4 HTML page
(`templates/documents/official.html`) and printed by headless Chromium.

Why Chromium: it is already a system requirement of the platform (the browser tests; Debian's `chromium` with
`fonts-noto-cjk`), it lays out Chinese text properly, and it needs no network. Where the server has no Chromium the
Word document stays available and the PDF is refused with a message (`PdfUnavailable`), never a 500.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from .documents import OfficialDocument, chinese_date

logger = logging.getLogger(__name__)

# No network, no profile left behind, no sandbox (the service user has no user namespaces in containers).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-pdf-header-footer",
]


class PdfUnavailable(Exception):
    """No PDF could be made here (no Chromium, or it failed); the Word document remains."""


def chromium_path() -> str | None:
    configured = getattr(settings, "PDF_CHROMIUM", "")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_html(document: OfficialDocument) -> str:
    """The document as one self-contained HTML page (inline CSS, no external resource)."""
    return render_to_string("documents/official.html", {"doc": document, "date": chinese_date(document.date)})


def render_pdf(document: OfficialDocument, *, timeout: int = 60) -> bytes:
    """The PDF bytes of `document`; raises `PdfUnavailable` when Chromium is missing or fails."""
    binary = chromium_path()
    if binary is None:
        raise PdfUnavailable("chromium not found")
    with tempfile.TemporaryDirectory(prefix="eco-pdf-") as tmp:
        page, out = Path(tmp) / "document.html", Path(tmp) / "document.pdf"
        page.write_text(render_html(document), encoding="utf-8")
        command = [binary, *FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("PDF: chromium failed to run: %s", exc)
            raise PdfUnavailable(str(exc)) from exc
        if not out.exists() or out.stat().st_size == 0:
            logger.warning("PDF: chromium produced no file")
            raise PdfUnavailable("no output")
        return out.read_bytes()
