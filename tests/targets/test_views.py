"""Pages of the assessment: who sees what, entry refused for other units, fixed query counts."""

import pytest
from django.urls import reverse

from targets import services
from targets.choices import ValueStatus
from targets.models import DataValue, Indicator, ScoringRun
from tests.targets.conftest import AS_OF

pytestmark = pytest.mark.django_db

PAGES = [
    "targets:index",
    "targets:indicator_list",
    "targets:target_list",
    "targets:value_list",
    "targets:wastefree_index",
]


@pytest.fixture
def run(scheme, fake_sources):
    return services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)


@pytest.mark.parametrize("who", ["official_a", "dept_official", "leader", "inspector", "admin"])
@pytest.mark.parametrize("name", PAGES)
def test_every_role_reads_the_pages(client_for, actors, run, who, name):
    assert client_for(actors[who]).get(reverse(name)).status_code == 200


def test_anonymous_is_sent_to_log_in(client_for, run):
    assert client_for(None).get(reverse("targets:index")).status_code == 302


def test_ranking_shows_totals_and_fixed_queries(client_for, leader, run, django_assert_max_num_queries):
    client = client_for(leader)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("targets:index"))
    assert "10.00" in response.content.decode() and "井研县" in response.content.decode()


def test_ranking_export_is_an_xlsx(client_for, leader, run):
    response = client_for(leader).get(reverse("targets:ranking_export", args=[run.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_score_sheet_own_unit_only_for_officials(client_for, official_a, unit_a, unit_b, run):
    client = client_for(official_a)
    page = client.get(reverse("targets:unit_sheet", args=[run.pk, unit_a.pk]))
    assert page.status_code == 200 and "按比例得 9.81 分" in page.content.decode()
    assert client.get(reverse("targets:unit_sheet", args=[run.pk, unit_b.pk])).status_code == 404


def test_leader_sees_any_score_sheet(client_for, leader, unit_b, run):
    assert client_for(leader).get(reverse("targets:unit_sheet", args=[run.pk, unit_b.pk])).status_code == 200


def _entry(unit, ind):
    return {"unit": unit.pk, "indicator": ind.pk, "year": 2026, "month": 3, "value": "81.5", "note": "", "reason": ""}


def test_official_enters_for_own_unit(client_for, official_a, unit_a, scheme):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    response = client_for(official_a).post(reverse("targets:value_list"), _entry(unit_a, waste))
    assert response.status_code == 302
    row = DataValue.objects.get()
    assert (row.unit_id, row.value, row.status) == (unit_a.pk, 81.5, ValueStatus.DRAFT)


def test_tampered_unit_id_is_refused_and_nothing_written(client_for, official_a, unit_b, scheme):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    response = client_for(official_a).post(reverse("targets:value_list"), _entry(unit_b, waste))
    assert response.status_code == 200 and "只能为本单位填报" in response.content.decode()
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("who", ["leader", "inspector", "admin"])
def test_city_wide_roles_enter_nothing(client_for, actors, unit_a, scheme, who):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    response = client_for(actors[who]).post(reverse("targets:value_list"), _entry(unit_a, waste))
    assert response.status_code == 403
    assert not DataValue.objects.exists()


@pytest.fixture
def submitted(scheme, official_a, unit_a):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=3, value=81)
    return services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)


def test_admin_approves_on_the_page(client_for, admin_user, submitted):
    response = client_for(admin_user).post(
        reverse("targets:value_approve", args=[submitted.pk]), {"version": submitted.version}
    )
    assert response.status_code == 302
    assert DataValue.objects.get().status == ValueStatus.APPROVED
    assert ScoringRun.objects.exists()  # recomputation queued, sent after commit


@pytest.mark.parametrize(("who", "code"), [("official_a", 404), ("leader", 404), ("inspector", 404)])
def test_others_cannot_approve(client_for, actors, submitted, who, code):
    response = client_for(actors[who]).post(
        reverse("targets:value_approve", args=[submitted.pk]), {"version": submitted.version}
    )
    assert response.status_code == code
    assert DataValue.objects.get().status == ValueStatus.SUBMITTED


@pytest.mark.parametrize(("who", "code"), [("admin", 200), ("leader", 200), ("inspector", 403), ("official_a", 403)])
def test_approval_queue_access(client_for, actors, submitted, who, code):
    assert client_for(actors[who]).get(reverse("targets:value_approval")).status_code == code


def test_official_b_cannot_submit_a_value_of_unit_a(client_for, official_b, scheme, official_a, unit_a):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=3, value=81)
    response = client_for(official_b).post(reverse("targets:value_submit", args=[v.pk]), {"version": v.version})
    assert response.status_code == 404
    assert DataValue.objects.get().status == ValueStatus.DRAFT


@pytest.mark.parametrize(("who", "code"), [("admin", 302), ("leader", 302), ("inspector", 403), ("official_a", 403)])
def test_compute_button_roles(client_for, actors, scheme, who, code):
    response = client_for(actors[who]).post(reverse("targets:run_request", args=[scheme.pk]), {"as_of": "2026-10-31"})
    assert response.status_code == code


def test_compute_button_runs_and_status_reports_progress(
    client_for, leader, scheme, fake_sources, django_capture_on_commit_callbacks
):
    client = client_for(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("targets:run_request", args=[scheme.pk]), {"as_of": "2026-10-31"})
    run = ScoringRun.objects.get()
    data = client.get(reverse("targets:run_status", args=[run.pk])).json()
    assert data == {"status": "succeeded", "label": "已完成", "progress": 100, "error": "", "done": True}


def test_failed_run_is_shown_and_old_ranking_kept(client_for, leader, run, monkeypatch):
    from targets import registry

    monkeypatch.setitem(registry.COMPUTED_SOURCES, "air_good_day_rate", "tests.targets.fakes.broken")
    with pytest.raises(RuntimeError):
        services.scores_compute(scheme_id=run.scheme_id, as_of=AS_OF)
    page = client_for(leader).get(reverse("targets:index")).content.decode()
    assert "计分失败，仍显示上一次的排名" in page and "9.81" in page


def test_wastefree_page_shows_approved_values_against_targets(client_for, leader, admin_user, submitted):
    services.data_value_approve(user=admin_user, value_id=submitted.pk, version=submitted.version)
    page = client_for(leader).get(reverse("targets:wastefree_index")).content.decode()
    assert "工业固体废物综合利用率" in page and "81.0" in page and "目标 80.0" in page


def test_publishing_is_for_admins(client_for, admin_user, leader, run):
    assert client_for(leader).post(reverse("targets:run_publish", args=[run.pk]), {"title": "t"}).status_code == 403
    client_for(admin_user).post(reverse("targets:run_publish", args=[run.pk]), {"title": "10月通报"})
    assert run.__class__.objects.get(pk=run.pk).publication.title == "10月通报"


def test_pages_use_a_fixed_number_of_queries(
    client_for, leader, admin_user, official_a, unit_a, run, submitted, django_assert_max_num_queries
):
    # more data (another month of values) must not add queries
    pages = [
        (leader, reverse("targets:unit_sheet", args=[run.pk, unit_a.pk]), 20),
        (leader, reverse("targets:wastefree_index"), 15),
        (admin_user, reverse("targets:value_approval"), 15),
        (official_a, reverse("targets:value_list"), 20),
        (leader, reverse("targets:target_list"), 15),
    ]
    for user, url, limit in pages:
        client = client_for(user)
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("as_of", ["2025-12-31", "2099-01-01"])
def test_compute_button_refuses_dates_outside_the_scheme_year_or_future(client_for, leader, scheme, as_of):
    response = client_for(leader).post(reverse("targets:run_request", args=[scheme.pk]), {"as_of": as_of})
    assert response.status_code == 302
    assert not ScoringRun.objects.exists()
