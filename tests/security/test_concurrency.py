"""Twenty people saving the same record from the same version at the same instant (real PostgreSQL, threads).

Exactly one wins; the other nineteen get the clear "已被他人修改" conflict; the record moved once, its version
went up by one, and there is exactly one history row — no lost update, no duplicate history.
The 50-concurrent-payments case lives in tests/projects/test_concurrency.py (not repeated here).
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from tests.factories import ProjectFactory, RectificationItemFactory, SewageOutletFactory, UserFactory
from tracker.choices import Role

from .conftest import PDF

N = 20
CONFLICT = "已被他人修改"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _race(attempt) -> list[str]:
    """Run `attempt()` in N threads released together; each returns "ok" or the error text."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    barrier = threading.Barrier(N)

    def one(_):
        try:
            barrier.wait(timeout=30)
            attempt()
            return "ok"
        except Exception as exc:
            return " ".join(getattr(exc, "messages", [str(exc)]))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(one, range(N)))


def _assert_one_winner(results: list[str]) -> None:
    assert results.count("ok") == 1, results
    losers = [r for r in results if r != "ok"]
    assert len(losers) == N - 1 and all(CONFLICT in r for r in losers), set(losers)


def test_twenty_simultaneous_outlet_moves(official_a, unit_a):
    from tracker.models import OutletStepChange, SewageOutlet
    from tracker.services.water import outlet_move

    outlet = SewageOutletFactory(unit=unit_a, step="survey")

    def attempt():
        outlet_move(
            user=official_a, outlet_id=outlet.pk, to_step="monitor", expected_version=0,
            work_date=dt.date(2025, 3, 1), note="监测完成",
            document=SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"),
        )  # fmt: skip

    _assert_one_winner(_race(attempt))
    fresh = SewageOutlet.objects.get(pk=outlet.pk)
    assert (fresh.step, fresh.version) == ("monitor", 1)
    assert OutletStepChange.objects.filter(outlet=outlet, to_step="monitor").count() == 1


def test_twenty_simultaneous_rectification_actions(official_a, unit_a):
    from rectifications import services
    from rectifications.models import RectificationItem, Transition

    item = RectificationItemFactory(unit=unit_a, status="open")

    def attempt():  # as the view does: a fresh item, the version from the page everyone loaded
        fresh = RectificationItem.objects.get(pk=item.pk)
        fresh.version = 0
        services.rectification_item_act(item=fresh, user=official_a, action="start", comment="开始整改")

    _assert_one_winner(_race(attempt))
    fresh = RectificationItem.objects.get(pk=item.pk)
    assert (fresh.status, fresh.version) == ("in_progress", 1)
    assert Transition.objects.filter(item=item).count() == 1


def test_twenty_simultaneous_project_stage_changes(official_a, unit_a):
    from projects.models import Project, StageChange
    from projects.services import project_change_stage

    project = ProjectFactory(unit=unit_a, stage="funded")

    def attempt():
        project_change_stage(
            project=Project.objects.get(pk=project.pk), to_stage="started", reason="", user=official_a,
            expected_version=0,
        )  # fmt: skip

    _assert_one_winner(_race(attempt))
    fresh = Project.objects.get(pk=project.pk)
    assert (fresh.stage, fresh.version) == ("started", 1)
    assert StageChange.objects.filter(project=project).count() == 1


def test_twenty_simultaneous_data_value_approvals(official_a, unit_a, settings):
    from targets import services
    from targets.models import DataValue, DataValueEvent
    from tests.factories import IndicatorFactory

    admins = [UserFactory(username=f"admin{i}", role=Role.ADMIN) for i in range(N)]
    row = DataValue.objects.create(
        indicator=IndicatorFactory(code="race", source="entered"), unit=unit_a, year=2026, month=1, value=1.0,
        status="submitted", entered_by=official_a,
    )  # fmt: skip
    it = iter(admins)
    lock = threading.Lock()

    def attempt():
        with lock:
            admin = next(it)
        services.data_value_approve(user=admin, value_id=row.pk, version=1)

    _assert_one_winner(_race(attempt))
    fresh = DataValue.objects.get(pk=row.pk)
    assert (fresh.status, fresh.version) == ("approved", 2)
    assert DataValueEvent.objects.filter(value=row).count() == 1


def test_conflicts_are_errors_the_person_can_read():
    """The message the nineteen see is the one the views show (a ValidationError, in Chinese)."""
    assert issubclass(ValidationError, Exception) and CONFLICT in "已被他人修改，请刷新后重试。"


@pytest.mark.django_db
def test_a_stale_outlet_page_says_someone_else_changed_it(client, official_a, unit_a):
    """Two tabs on the same outlet page: the second submit gets the conflict message, not 'invalid choice'."""
    from django.urls import reverse

    from tracker.models import OutletStepChange

    outlet = SewageOutletFactory(unit=unit_a, step="survey")
    client.force_login(official_a)
    url = reverse("tracker:outlet_detail", args=[outlet.pk])

    def submit():
        pdf = SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")
        return client.post(
            url, {"to_step": "monitor", "work_date": "2025-03-01", "note": "x", "version": 0, "document": pdf}
        )

    assert submit().status_code == 302
    second = submit()
    assert second.status_code == 200 and CONFLICT in second.content.decode()
    assert "选择一个有效的选项" not in second.content.decode()
    assert OutletStepChange.objects.filter(outlet=outlet, to_step="monitor").count() == 1
