"""攻坚任务: scope, progress reports for the own unit only, derived status, filters and export."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import MeasureFactory
from tracker.models import Measure, MeasureProgressReport
from tracker.selectors.measures import measure_list
from tracker.services.measures import measure_report_progress

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]
TODAY = timezone.localdate


@pytest.fixture
def measure_a(unit_a):
    return MeasureFactory(unit=unit_a, code="M-A")


@pytest.fixture
def measure_b(unit_b):
    return MeasureFactory(unit=unit_b, code="M-B")


def _report(client, measure, progress=40):
    return client.post(
        reverse("tracker:measure_detail", args=[measure.pk]),
        {"date": TODAY().isoformat(), "progress": progress, "note": "已完成围挡和覆盖"},
    )


def test_official_reports_progress_for_own_unit(client_for, official_a, measure_a):
    response = _report(client_for(official_a), measure_a)
    assert response.status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.progress == 40 and measure_a.last_report_date == TODAY()
    assert MeasureProgressReport.objects.get().reported_by == official_a


def test_official_cannot_report_on_another_units_measure(client_for, official_a, measure_b):
    # not even visible: 404, and nothing is written
    assert _report(client_for(official_a), measure_b).status_code == 404
    with pytest.raises(PermissionDenied):
        measure_report_progress(user=official_a, measure=measure_b, date=TODAY(), progress=50, note="x")
    assert not MeasureProgressReport.objects.exists()
    measure_b.refresh_from_db()
    assert measure_b.progress == 0


@pytest.mark.parametrize("who", ["leader", "inspector", "admin"])
def test_city_wide_roles_see_but_cannot_report(client_for, actors, measure_a, who):
    client = client_for(actors[who])
    page = client.get(reverse("tracker:measure_detail", args=[measure_a.pk]))
    assert page.status_code == 200 and "填报进展" not in page.content.decode()
    assert _report(client, measure_a).status_code == 403
    assert not MeasureProgressReport.objects.exists()


def test_bad_progress_is_explained_and_not_written(client_for, official_a, measure_a):
    response = _report(client_for(official_a), measure_a, progress=150)
    assert response.status_code == 200
    assert "形象进度不能大于 100。" in response.content.decode()
    assert not MeasureProgressReport.objects.exists()


def test_an_older_report_does_not_move_progress_back(official_a, measure_a):
    measure_report_progress(user=official_a, measure=measure_a, date=TODAY(), progress=60, note="a")
    measure_report_progress(
        user=official_a, measure=measure_a, date=TODAY() - datetime.timedelta(days=20), progress=20, note="补报"
    )
    measure_a.refresh_from_db()
    assert measure_a.progress == 60 and measure_a.reports.count() == 2


def test_list_scopes_officials_to_their_unit(client_for, official_a, leader, measure_a, measure_b):
    assert set(measure_list(user=official_a, today=TODAY())) == {measure_a}
    assert set(measure_list(user=leader, today=TODAY())) == {measure_a, measure_b}
    page = client_for(official_a).get(reverse("tracker:measure_list")).content.decode()
    assert measure_a.title in page and measure_b.title not in page


def test_status_is_derived_and_overdue_come_first(leader, unit_a):
    today = TODAY()
    done = MeasureFactory(unit=unit_a, progress=100, deadline=today - datetime.timedelta(days=5))
    overdue = MeasureFactory(unit=unit_a, progress=50, deadline=today - datetime.timedelta(days=1))
    # due soon = within settings.DUE_SOON_DAYS (7) calendar days, the site-wide setting
    soon = MeasureFactory(unit=unit_a, progress=50, deadline=today + datetime.timedelta(days=7))
    later = MeasureFactory(unit=unit_a, progress=50, deadline=today + datetime.timedelta(days=8))
    idle = MeasureFactory(unit=unit_a, progress=0, deadline=today + datetime.timedelta(days=90))
    going = MeasureFactory(unit=unit_a, progress=30, deadline=today + datetime.timedelta(days=90))
    rows = list(measure_list(user=leader, today=today))
    assert rows[0] == overdue
    status = {m.pk: m.status for m in rows}
    assert status == {
        done.pk: "done",
        overdue.pk: "overdue",
        soon.pk: "due_soon",
        later.pk: "in_progress",
        idle.pk: "not_started",
        going.pk: "in_progress",
    }
    assert list(measure_list(user=leader, today=today, overdue=True)) == [overdue]


def test_filters_and_overdue_rows_stand_out(client_for, leader, unit_a, unit_b):
    MeasureFactory(unit=unit_a, title="工地扬尘", source_type="dust", deadline=TODAY() - datetime.timedelta(days=3))
    MeasureFactory(unit=unit_b, title="柴油货车", source_type="mobile")
    client = client_for(leader)
    page = client.get(reverse("tracker:measure_list"), {"source_type": "dust"}).content.decode()
    assert "工地扬尘" in page and "柴油货车" not in page and "row-overdue" in page and "逾期 3 天" in page


def test_excel_export_lists_the_filtered_measures(client_for, leader, unit_a):
    import io

    import openpyxl

    MeasureFactory(unit=unit_a, title="=HYPERLINK(1)")
    response = client_for(leader).get(reverse("tracker:measure_list"), {"export": "xlsx"})
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(1, 1).value == "任务编号" and ws.cell(2, 2).value == "=HYPERLINK(1)"
    assert ws.cell(2, 2).data_type == "s"


def test_list_uses_a_fixed_number_of_queries(client_for, leader, unit_a, unit_b, django_assert_max_num_queries):
    for _ in range(15):
        MeasureFactory(unit=unit_a)
        MeasureFactory(unit=unit_b, area="water", source_type="")
    client = client_for(leader)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("tracker:measure_list")).status_code == 200


def test_source_type_only_for_air_is_a_database_rule(unit_a):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Measure.objects.create(
            code="X", title="t", area="water", source_type="dust", unit=unit_a, responsible_person="p", deadline=TODAY()
        )
