import pytest
from django.core.files.base import ContentFile

from rectifications.models import Evidence

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def add_evidence():
    def _add(item, user):
        ev = Evidence(item=item, original_name="现场.png", mime="image/png", size=len(PNG), uploaded_by=user)
        ev.file.save(f"rectifications/{item.pk}/x/现场.png", ContentFile(PNG), save=True)
        return ev

    return _add
