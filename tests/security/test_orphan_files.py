"""A write that fails after its files were stored leaves neither rows nor files (`delete_on_rollback`)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from projects.models import ProgressPhoto, ProgressReport
from projects.services import progress_report_submit
from rectifications.models import Evidence, Transition
from rectifications.models import ProgressReport as ItemProgressReport
from rectifications.services import progress_report_create, rectification_item_request_close
from tests.factories import ProjectFactory, RectificationItemFactory, SewageOutletFactory
from tracker.common.uploads import delete_on_rollback
from tracker.models import OutletStepChange, SewageOutlet
from tracker.services.water import outlet_move

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="佐证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def fail(*args, **kwargs):
    raise DatabaseError("写入失败（测试）")


def test_helper_deletes_the_saved_files_when_the_block_fails_and_keeps_them_otherwise(media, official_a, unit_a):
    item = RectificationItemFactory(unit=unit_a)
    kept = Evidence(item=item, original_name="a.pdf", mime="application/pdf", size=len(PDF), uploaded_by=official_a)
    with delete_on_rollback() as files:
        name = files.save(kept.file, "rectifications/a.pdf", ContentFile(PDF))
    assert default_storage.exists(name)

    lost = Evidence(item=item, original_name="b.pdf", mime="application/pdf", size=len(PDF), uploaded_by=official_a)
    with pytest.raises(DatabaseError), transaction.atomic(), delete_on_rollback() as files:
        files.save(lost.file, "rectifications/b.pdf", ContentFile(PDF))
        assert default_storage.exists(lost.file.name)
        fail()
    assert not default_storage.exists(lost.file.name)
    assert stored_files(media) == [media / name]


def test_failed_outlet_move_leaves_no_history_row_and_no_document(media, official_a, unit_a, monkeypatch):
    outlet = SewageOutletFactory(unit=unit_a)
    history = list(OutletStepChange.objects.filter(outlet=outlet).values_list("pk", flat=True))  # its registration
    monkeypatch.setattr(OutletStepChange, "save", fail)  # the history write, after the document is stored
    with pytest.raises(DatabaseError):
        outlet_move(
            user=official_a,
            outlet_id=outlet.pk,
            to_step="monitor",
            expected_version=outlet.version,
            work_date=timezone.localdate(),
            note="已完成",
            document=pdf(),
        )
    assert list(OutletStepChange.objects.filter(outlet=outlet).values_list("pk", flat=True)) == history
    assert SewageOutlet.objects.get(pk=outlet.pk).version == outlet.version
    assert stored_files(media) == []


def test_failed_project_progress_report_leaves_no_report_and_no_photo(media, official_a, unit_a, monkeypatch):
    project = ProjectFactory(unit=unit_a)
    saves = []

    def second_photo_fails(self, *args, **kwargs):
        saves.append(self.file.name)
        if len(saves) == 2:
            fail()
        return original(self, *args, **kwargs)

    original = ProgressPhoto.save
    monkeypatch.setattr(ProgressPhoto, "save", second_photo_fails)
    with pytest.raises(DatabaseError):
        progress_report_submit(
            project=project,
            reported_on=timezone.localdate(),
            progress=40,
            note="主体完工",
            user=official_a,
            files=[pdf("一.pdf"), pdf("二.pdf")],
        )
    assert len(saves) == 2  # both files had been stored before the failure
    assert not ProgressReport.objects.filter(project=project).exists()
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_failed_rectification_report_leaves_no_report_and_no_evidence(media, official_a, unit_a, monkeypatch):
    item = RectificationItemFactory(unit=unit_a, status="in_progress")
    monkeypatch.setattr(Evidence.objects, "bulk_create", fail)  # the evidence rows, after the files are stored
    with pytest.raises(DatabaseError):
        progress_report_create(item=item, user=official_a, text="已清理", progress=50, files=[pdf()])
    with pytest.raises(DatabaseError):
        rectification_item_request_close(item=item, user=official_a, comment="自查已整改", files=[pdf()])
    assert not ItemProgressReport.objects.filter(item=item).exists()
    assert not Transition.objects.filter(item=item).exists()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
