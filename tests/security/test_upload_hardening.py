"""Uploads: stored under the sniffed type's extension, Office files that are really Office, quotas, text limits."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectifications.models import Evidence, ProgressReport
from tracker.common.uploads import typed_filename
from tracker.models import OutletStepChange

from .conftest import PNG

pytestmark = pytest.mark.django_db

PNG_PLUS_HTML = PNG + b"<html><script>alert(document.cookie)</script></html>"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PLAIN_ZIP = _zip({"readme.txt": b"not an office file", "evil.html": b"<script></script>"})


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("x.html", "image/png", "x.png"),
        ("现场.JPG", "image/jpeg", "现场.JPG"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo.png", "image/jpeg", "photo.jpg"),
        ("report", "application/pdf", "report.pdf"),
        ("a.html.pdf", "application/pdf", "a.html.pdf"),
        ("plan.docx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "plan.xlsx"),
    ],
)
def test_typed_filename_takes_the_extension_of_the_detected_type(name, mime, expected):
    assert typed_filename(name, mime) == expected


def test_png_plus_html_named_html_is_stored_and_zipped_as_png(client, official_a, world):
    item = world["A"]["item"]
    client.force_login(official_a)
    response = client.post(
        reverse("rectifications:report", args=[item.pk]),
        {"text": "进展", "progress": "50", "files": SimpleUploadedFile("现场.html", PNG_PLUS_HTML, "text/html")},
    )
    assert response.status_code == 302
    ev = Evidence.objects.filter(item=item).latest("pk")
    assert ev.original_name == "现场.png" and ev.file.name.endswith("/现场.png")
    download = client.get(reverse("rectifications:evidence", args=[ev.pk]))
    assert download["Content-Type"] == "image/png" and ".html" not in download["Content-Disposition"]
    type(item).objects.filter(pk=item.pk).update(status="closed", closed_on=dt.date(2025, 3, 1))  # dossier: closed only
    dossier = client.get(reverse("rectifications:dossier", args=[item.pk]))
    assert dossier.status_code == 200
    evidence_names = [n for n in zipfile.ZipFile(io.BytesIO(dossier.content)).namelist() if n.startswith("佐证材料/")]
    assert evidence_names and not any(n.endswith(".html") for n in evidence_names)


def test_a_legacy_html_name_goes_out_under_the_type_extension(client, official_a, world):
    ev = Evidence.objects.filter(item=world["A"]["item"]).first()
    Evidence.objects.filter(pk=ev.pk).update(original_name="旧.html")  # stored before names were typed
    client.force_login(official_a)
    download = client.get(reverse("rectifications:evidence", args=[ev.pk]))
    assert "%E6%97%A7.png" in download["Content-Disposition"] or "旧.png" in download["Content-Disposition"]


def _outlet_post(client, outlet, upload):
    return client.post(
        reverse("tracker:outlet_detail", args=[outlet.pk]),
        {
            "to_step": "monitor",
            "work_date": "2025-03-01",
            "note": "方案",
            "version": outlet.version,
            "document": upload,
        },
    )


def test_any_zip_named_docx_is_refused(client, official_a, world):
    outlet = world["A"]["outlet"]
    client.force_login(official_a)
    before = OutletStepChange.objects.count()
    response = _outlet_post(client, outlet, SimpleUploadedFile("方案.docx", PLAIN_ZIP, "application/octet-stream"))
    assert response.status_code == 200 and "不是允许的类型" in response.content.decode()
    assert OutletStepChange.objects.count() == before


@pytest.mark.parametrize(("name", "content", "ext"), [("方案.docx", DOCX, ".docx"), ("方案.docx", XLSX, ".xlsx")])
def test_a_real_office_file_is_stored_under_its_real_type(client, official_a, world, name, content, ext):
    outlet = world["A"]["outlet"]
    client.force_login(official_a)
    response = _outlet_post(client, outlet, SimpleUploadedFile(name, content, "application/octet-stream"))
    assert response.status_code == 302
    change = OutletStepChange.objects.filter(outlet=outlet).latest("pk")
    assert change.document_name == "方案" + ext and change.document.name.endswith(ext)


def test_more_files_than_the_quota_are_refused(client, official_a, world, settings):
    settings.UPLOAD_REQUEST_MAX_FILES = 3
    item = world["A"]["item"]
    client.force_login(official_a)
    files = [SimpleUploadedFile(f"{n}.png", PNG, "image/png") for n in range(4)]
    before = Evidence.objects.count()
    response = client.post(
        reverse("rectifications:report", args=[item.pk]), {"text": "进展", "progress": "50", "files": files}
    )
    assert response.status_code in (200, 302)
    assert Evidence.objects.count() == before and not ProgressReport.objects.filter(item=item).exists()


def test_files_larger_together_than_the_quota_are_refused(client, official_a, world, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 3 * len(PNG)  # three fit, four do not
    item = world["A"]["item"]
    client.force_login(official_a)
    files = [SimpleUploadedFile(f"{n}.png", PNG, "image/png") for n in range(4)]
    before = Evidence.objects.count()
    client.post(reverse("rectifications:report", args=[item.pk]), {"text": "进展", "progress": "50", "files": files})
    assert Evidence.objects.count() == before


def test_a_body_over_the_request_quota_is_refused_before_it_is_read(client, official_a, world, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1024 * 1024  # 1 MB (+1 MB slack for the form)
    item = world["A"]["item"]
    client.force_login(official_a)
    big = SimpleUploadedFile("big.png", PNG + b"\0" * (3 * 1024 * 1024), "image/png")
    response = client.post(
        reverse("rectifications:report", args=[item.pk]), {"text": "x", "progress": "5", "files": big}
    )
    assert response.status_code == 413 and "上传内容过大" in response.content.decode()
    assert not ProgressReport.objects.filter(item=item).exists()


def test_a_200000_character_progress_text_is_refused(client, official_a, world):
    item = world["A"]["item"]
    client.force_login(official_a)
    client.post(reverse("rectifications:report", args=[item.pk]), {"text": "很" * 200_000, "progress": "50"})
    assert not ProgressReport.objects.filter(item=item).exists()


def test_the_service_refuses_a_200000_character_text_too(official_a, world):
    from rectifications.services import WorkflowError, progress_report_create

    with pytest.raises(WorkflowError, match="不能超过 2000 个字"):
        progress_report_create(item=world["A"]["item"], user=official_a, text="很" * 200_000, progress=50)
