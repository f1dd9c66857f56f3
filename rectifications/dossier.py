"""One case, one file (一案一档): a zip with the item's summary page, its timeline and every evidence file."""

from __future__ import annotations

import io
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from tracker.common.uploads import typed_filename

from .models import RectificationItem
from .selectors import item_detail


def dossier_zip(*, item: RectificationItem) -> bytes:
    """Bytes of the zip: 概况.html, 流转记录.txt and 佐证材料/<n>-<name>."""
    detail = item_detail(item=item)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        html = render_to_string("rectifications/dossier_summary.html", {"item": item, **detail})
        archive.writestr("概况.html", html)
        lines = [f"{item.code} {item.description}", ""]
        for t in detail["transitions"]:
            when = timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M")
            step = f"{t.get_from_status_display()} → {t.get_to_status_display()}"
            lines.append(f"{when}\t{step}\t{t.actor.display_name}\t{t.comment}")
        archive.writestr("流转记录.txt", "\n".join(lines) + "\n")
        for n, ev in enumerate(detail["evidence"], start=1):
            with ev.file.open("rb") as fh:
                archive.writestr(f"佐证材料/{n:03d}-{typed_filename(ev.original_name, ev.mime)}", fh.read())
    return buffer.getvalue()
