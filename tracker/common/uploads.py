"""Uploaded files (evidence photos, PDFs, plans): type checked by content, size-limited, stored outside the web root.

Apps store files with `validate_upload` in their form's clean method and serve them only through a view that
first checks the person may see the record, using `file_response` (always an attachment, nosniff).
"""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# kind → accepted MIME types detected from the file's first bytes
KINDS = {
    "image": {"image/jpeg", "image/png", "image/gif", "image/webp"},
    "pdf": {"application/pdf"},
    "office": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",  # some .docx/.xlsx are detected as plain zip
    },
}
KIND_LABELS = {"image": "图片（JPG/PNG/GIF/WEBP）", "pdf": "PDF", "office": "Word/Excel (.docx/.xlsx)"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The extension a stored file gets is the one of its detected type, never the one the client chose: a PNG
# named `x.html` is stored and downloaded as `x.png`, so no browser or unzip tool ever treats it as a page.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    DOCX: ".docx",
    XLSX: ".xlsx",
}
# What an Office Open XML package must contain to be a Word document or a workbook (ECMA-376 part 2).
_OOXML_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def safe_filename(name: str) -> str:
    """The file's base name without any path, control or shell-special characters; never empty."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f<>:\"|?*;`$]", "", base).strip(" .")
    return base[:120] or "file"


def typed_filename(name: str, mime: str) -> str:
    """`safe_filename(name)` with the extension of the detected `mime` in place of the client's one."""
    base = safe_filename(name)
    wanted = EXTENSIONS.get(mime)
    if wanted is None:
        return base
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    if "." + ext.lower() in {wanted, ".jpeg" if wanted == ".jpg" else wanted}:
        return base  # already the right extension (".jpeg" kept for a JPEG)
    return (stem or "file")[: 120 - len(wanted)] + wanted


def _office_type(upload) -> str | None:
    """DOCX or XLSX when the upload is a real OOXML package, else None (any other zip, or a corrupt one).

    Reads only the zip's central directory (names), never a member, so a zip bomb costs nothing here.
    """
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for mime, part in _OOXML_PARTS.items():
        if part in names:
            return mime
    return None


def check_upload_quota(uploads) -> None:
    """Refuse more files, or more bytes together, than one request may bring (settings.UPLOAD_REQUEST_*)."""
    uploads = list(uploads)
    if len(uploads) > settings.UPLOAD_REQUEST_MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个文件，请分批上传。") % {"n": settings.UPLOAD_REQUEST_MAX_FILES})
    total = sum(upload.size for upload in uploads)
    if total > settings.UPLOAD_REQUEST_MAX_BYTES:
        raise ValidationError(
            _("一次上传的文件合计不能超过 %(mb)d MB，请分批上传。") % {"mb": settings.UPLOAD_REQUEST_MAX_BYTES // 2**20}
        )


def validate_upload(upload, *, kinds: tuple[str, ...] = ("image", "pdf"), max_bytes: int | None = None) -> str:
    """Check an uploaded file's size and real type; return its detected MIME type or raise ValidationError.

    An Office file must be a real .docx/.xlsx package (a bare `PK` header, i.e. any zip, is refused) and is
    reported as DOCX or XLSX, never as plain zip. Store it under `typed_filename(upload.name, mime)`.
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”超过 %(mb)d MB 的上限。") % {"name": safe_filename(upload.name), "mb": limit // 2**20}
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": safe_filename(upload.name)})
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    allowed = set().union(*(KINDS[k] for k in kinds))
    mime = kind.mime if kind is not None and kind.mime in allowed else None
    if mime is not None and "office" in kinds and mime in KINDS["office"]:
        mime = _office_type(upload)
    if mime is None:
        raise ValidationError(
            _("文件“%(name)s”的内容不是允许的类型（只接受：%(kinds)s），已拒绝。")
            % {"name": safe_filename(upload.name), "kinds": "、".join(KIND_LABELS[k] for k in kinds)}
        )
    return mime


def storage_name(prefix: str, original: str, mime: str | None = None) -> str:
    """A collision-free storage path: `<prefix>/<uuid>/<safe name>`, with the extension of `mime` when given."""
    name = typed_filename(original, mime) if mime else safe_filename(original)
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}/{name}"


def file_response(field_file, download_name: str | None = None, mime: str | None = None) -> FileResponse:
    """Serve a stored file as an attachment; call only after the permission check.

    With the detected `mime` the download name carries that type's extension (rows stored before names were
    typed still say `.html`; the file never goes out under that name).
    """
    name = safe_filename(download_name or field_file.name)
    if mime:
        name = typed_filename(name, mime)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class StoredFiles:
    """The files saved within one `delete_on_rollback` block."""

    def __init__(self) -> None:
        self.saved: list[tuple] = []  # (storage, name)

    def save(self, field_file, name: str, content) -> str:
        """Store `content` in `field_file` (not saving the model) and remember it; return the stored name."""
        field_file.save(name, content, save=False)
        self.saved.append((field_file.storage, field_file.name))
        return field_file.name


@contextmanager
def delete_on_rollback() -> Iterator[StoredFiles]:
    """Save files through the yielded `StoredFiles`; if the block exits with an exception, delete them again.

    Storage is not transactional: a file saved inside `transaction.atomic` outlives a rollback. Wrap the file
    saves AND the rest of the service's writes after them (inside the service's atomic block), so any later
    failure — a check, a concurrent conflict, a database error — removes the files before it propagates:

        with delete_on_rollback() as files:
            files.save(row.file, storage_name("x", upload.name), upload)
            row.save()
    """
    files = StoredFiles()
    try:
        yield files
    except BaseException:
        for storage, name in files.saved:
            try:
                storage.delete(name)
            except OSError:  # never hide the original error behind a cleanup failure
                logger.exception("could not delete %s after a failed write", name)
        raise
