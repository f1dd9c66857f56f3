"""The 一口一策 outlet workflow: who may move an outlet, how, and that the history is complete."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.factories import SewageOutletFactory
from tracker.choices import OutletStep
from tracker.models import OutletStepChange, SewageOutlet
from tracker.services.water import outlet_move

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="方案.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def outlet(unit_a):
    return SewageOutletFactory(unit=unit_a)


def move(user, outlet, to_step, **kw):
    args = {
        "user": user,
        "outlet_id": outlet.pk,
        "to_step": to_step,
        "expected_version": outlet.version,
        "work_date": timezone.localdate(),
        "note": "已完成",
        **kw,
    }
    if "document" not in kw:
        args["document"] = pdf()
    return outlet_move(**args)


def test_official_moves_own_outlet_forward_with_note_and_document(official_a, outlet):
    moved = move(official_a, outlet, OutletStep.MONITOR)
    assert moved.step == OutletStep.MONITOR and moved.version == 1
    change = OutletStepChange.objects.filter(outlet=outlet).latest("pk")
    assert (change.from_step, change.to_step, change.actor) == (OutletStep.SURVEY, OutletStep.MONITOR, official_a)
    assert change.document_name == "方案.pdf" and change.document.name.startswith(f"outlets/{outlet.pk}/")


def test_full_path_leaves_one_history_row_per_move(official_a, outlet):
    for step in [OutletStep.MONITOR, OutletStep.TRACE, OutletStep.REMEDIATE]:
        outlet = move(official_a, outlet, step)
    outlet = move(official_a, outlet, OutletStep.MONITOR, document=None, reason="溯源不清")
    for step in [OutletStep.TRACE, OutletStep.REMEDIATE, OutletStep.DONE]:
        outlet = move(official_a, outlet, step)
    history = list(OutletStepChange.objects.filter(outlet=outlet).order_by("pk").values_list("from_step", "to_step"))
    assert history == [
        ("", "survey"),
        ("survey", "monitor"),
        ("monitor", "trace"),
        ("trace", "remediate"),
        ("remediate", "monitor"),
        ("monitor", "trace"),
        ("trace", "remediate"),
        ("remediate", "done"),
    ]
    assert outlet.version == 7


def test_skipping_a_step_is_refused(official_a, outlet):
    with pytest.raises(ValidationError, match="只能前进一个环节"):
        move(official_a, outlet, OutletStep.TRACE)
    assert SewageOutlet.objects.get().step == OutletStep.SURVEY


def test_moving_back_needs_a_reason(official_a, outlet):
    outlet = move(official_a, outlet, OutletStep.MONITOR)
    with pytest.raises(ValidationError, match="退回原因"):
        move(official_a, outlet, OutletStep.SURVEY, document=None)
    moved = move(official_a, outlet, OutletStep.SURVEY, document=None, reason="排口位置登记错误")
    assert moved.step == OutletStep.SURVEY
    assert "排口位置登记错误" in OutletStepChange.objects.latest("pk").note


def test_forward_move_needs_a_document_of_an_allowed_type(official_a, outlet):
    with pytest.raises(ValidationError, match="上传方案"):
        move(official_a, outlet, OutletStep.MONITOR, document=None)
    with pytest.raises(ValidationError):
        move(official_a, outlet, OutletStep.MONITOR, document=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))
    assert OutletStepChange.objects.count() == 1


@pytest.mark.clock
def test_work_date_cannot_be_future_or_before_last_change(official_a, outlet):
    with pytest.raises(ValidationError, match="晚于今天"):
        move(official_a, outlet, OutletStep.MONITOR, work_date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="早于上一次"):
        move(official_a, outlet, OutletStep.MONITOR, work_date=dt.date(2024, 12, 31))


def test_stale_version_is_refused_clearly(official_a, outlet):
    move(official_a, outlet, OutletStep.MONITOR)  # someone else moved it; `outlet` still holds version 0
    with pytest.raises(ValidationError, match="已被他人修改"):
        move(official_a, outlet, OutletStep.TRACE)
    assert OutletStepChange.objects.count() == 2


def test_official_of_another_unit_gets_404(official_b, outlet):
    with pytest.raises(Http404):
        move(official_b, outlet, OutletStep.MONITOR)
    assert SewageOutlet.objects.get().step == OutletStep.SURVEY


@pytest.mark.parametrize("who", ["leader", "inspector", "admin"])
def test_read_only_roles_cannot_move(actors, outlet, who):
    with pytest.raises(PermissionDenied):
        move(actors[who], outlet, OutletStep.MONITOR)


# --- through the page ------------------------------------------------------------------------------


def _form(outlet, **kw):
    return {
        "to_step": OutletStep.MONITOR,
        "work_date": timezone.localdate().isoformat(),
        "note": "监测完成",
        "version": outlet.version,
        "document": pdf(),
        **kw,
    }


def test_page_move_by_own_official(client_for, official_a, outlet):
    url = reverse("tracker:outlet_detail", args=[outlet.pk])
    response = client_for(official_a).post(url, _form(outlet))
    assert response.status_code == 302
    assert SewageOutlet.objects.get().step == OutletStep.MONITOR


def test_page_backward_without_reason_shows_error(client_for, official_a, outlet):
    outlet = move(official_a, outlet, OutletStep.MONITOR)
    url = reverse("tracker:outlet_detail", args=[outlet.pk])
    response = client_for(official_a).post(url, _form(outlet, to_step=OutletStep.SURVEY, document=""))
    assert response.status_code == 200
    assert "退回之前的环节必须填写退回原因" in response.content.decode()
    assert SewageOutlet.objects.get().step == OutletStep.MONITOR


@pytest.mark.parametrize(("who", "status"), [("official_b", 404), ("leader", 403), ("inspector", 403), ("admin", 403)])
def test_page_move_refused_for_others(client_for, actors, outlet, who, status):
    url = reverse("tracker:outlet_detail", args=[outlet.pk])
    assert client_for(actors[who]).post(url, _form(outlet)).status_code == status
    assert SewageOutlet.objects.get().step == OutletStep.SURVEY


def test_move_form_shown_only_to_own_official(client_for, official_a, leader, outlet):
    url = reverse("tracker:outlet_detail", args=[outlet.pk])
    assert 'name="to_step"' in client_for(official_a).get(url).content.decode()
    assert 'name="to_step"' not in client_for(leader).get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("official_a", 200), ("leader", 200), ("inspector", 200), ("official_b", 404)]
)
def test_document_download_only_for_who_may_see_the_outlet(client_for, actors, outlet, who, status):
    move(actors["official_a"], outlet, OutletStep.MONITOR)
    change = OutletStepChange.objects.exclude(document="").get()
    response = client_for(actors[who]).get(reverse("tracker:outlet_document", args=[change.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PDF


def test_admin_registration_starts_the_history(client_for, admin_user, unit_a):
    from tests.factories import RiverFactory

    river = RiverFactory(name="岷江")
    response = client_for(admin_user).post(
        reverse("admin:tracker_sewageoutlet_add"),
        {
            "code": "RHPWK-NEW",
            "name": "新排口",
            "river": river.pk,
            "unit": unit_a.pk,
            "outlet_type": "industrial",
            "deadline": "2030-01-01",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outlet = SewageOutlet.objects.get(code="RHPWK-NEW")
    assert outlet.step == OutletStep.SURVEY
    assert list(outlet.changes.values_list("from_step", "to_step", "actor")) == [("", "survey", admin_user.pk)]
