"""Uploaded files through Django's storage API on an S3-compatible store (django-storages), by configuration only."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectifications.models import Evidence
from tests.security.conftest import PNG

pytestmark = pytest.mark.django_db

from .conftest import s3_storage_settings  # noqa: E402


@pytest.fixture
def on_s3(settings, s3_bucket):
    endpoint, bucket, client = s3_bucket
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(endpoint, bucket)}
    return bucket, client


def test_settings_build_a_private_s3_storage(s3_bucket):
    endpoint, bucket, _ = s3_bucket
    config = s3_storage_settings(endpoint, bucket)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == bucket and config["OPTIONS"]["endpoint_url"] == endpoint
    assert config["OPTIONS"]["default_acl"] == "private" and config["OPTIONS"]["file_overwrite"] is False


def test_evidence_is_stored_in_the_bucket_and_served_by_the_authorising_view(client, official_a, on_s3):
    from tests.factories import RectificationItemFactory

    bucket, s3 = on_s3
    item = RectificationItemFactory(unit=official_a.unit)
    client.force_login(official_a)
    response = client.post(
        reverse("rectifications:report", args=[item.pk]),
        {"text": "进展", "progress": "50", "files": SimpleUploadedFile("现场.png", PNG, "image/png")},
    )
    assert response.status_code == 302
    ev = Evidence.objects.get(item=item)
    keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [ev.file.name]
    assert s3.get_object(Bucket=bucket, Key=ev.file.name)["Body"].read() == PNG
    # private: no anonymous read of the object
    acl = s3.get_object_acl(Bucket=bucket, Key=ev.file.name)
    assert not any(g["Grantee"].get("URI", "").endswith("AllUsers") for g in acl["Grants"])

    download = client.get(reverse("rectifications:evidence", args=[ev.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    type(item).objects.filter(pk=item.pk).update(status="closed", closed_on="2025-03-01")
    dossier = client.get(reverse("rectifications:dossier", args=[item.pk]))
    archive = zipfile.ZipFile(io.BytesIO(dossier.content))
    assert [archive.read(n) for n in archive.namelist() if n.startswith("佐证材料/")] == [PNG]


def test_a_failed_write_removes_its_object_from_the_bucket(client, official_a, on_s3, monkeypatch):
    """delete_on_rollback works through the storage API on S3 too: no orphan objects after a failure."""
    from rectifications import services
    from tests.factories import RectificationItemFactory

    bucket, s3 = on_s3
    item = RectificationItemFactory(unit=official_a.unit)

    def boom(*args, **kwargs):
        raise RuntimeError("database gone after the file was stored")

    monkeypatch.setattr(Evidence.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        services.progress_report_create(
            item=item, user=official_a, text="x", progress=10, files=[SimpleUploadedFile("a.png", PNG, "image/png")]
        )
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
