"""The data-entry grid: save drafts and submit in one POST, all or nothing, with per-cell range checks,
compare-and-set tokens, and the bulk approval of many values at once."""

import pytest
from django.urls import reverse

from targets import services
from targets.choices import ValueStatus
from targets.grid import value_grid
from targets.models import DataValue, DataValueEvent
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture
def rate():
    return IndicatorFactory(code="grid_rate", name="固废利用率", unit_of_measure="%", sort_order=1)  # range 0–100


@pytest.fixture
def capped():
    return IndicatorFactory(
        code="grid_cap", name="处置量", unit_of_measure="万吨", sort_order=2, min_value=10, max_value=50
    )


def url(unit, year=YEAR):
    return f"{reverse('targets:value_grid')}?unit={unit.pk}&year={year}"


def form(unit, cells: dict, action="save"):
    """The POST a browser sends: each typed cell with the token the grid drew for it."""
    tokens = {c.name: c.token for r in value_grid(unit_id=unit.pk, year=YEAR) for c in r.cells}
    data = {"action": action}
    for name, typed in cells.items():
        data[name] = typed
        data["t" + name[1:]] = tokens[name]
    return data


def test_save_writes_drafts_for_the_typed_cells_only(client_for, official_a, unit_a, rate, capped):
    client = client_for(official_a)
    data = form(unit_a, {f"v-{rate.pk}-1": "81.5", f"v-{rate.pk}-2": "", f"v-{capped.pk}-0": "12"})
    response = client.post(url(unit_a), data)
    assert response.status_code == 302
    rows = {(v.indicator_id, v.month): v for v in DataValue.objects.all()}
    assert set(rows) == {(rate.pk, 1), (capped.pk, 0)}  # the empty cell wrote nothing
    assert rows[(rate.pk, 1)].value == 81.5 and rows[(rate.pk, 1)].status == ValueStatus.DRAFT
    assert rows[(capped.pk, 0)].value == 12


def test_submit_saves_and_submits_every_draft_in_one_post(client_for, official_a, unit_a, rate):
    services.data_value_save(user=official_a, indicator=rate, unit_id=unit_a.pk, year=YEAR, month=1, value=70)
    client = client_for(official_a)
    response = client.post(url(unit_a), form(unit_a, {f"v-{rate.pk}-1": "70", f"v-{rate.pk}-2": "72"}, "submit"))
    assert response.status_code == 302
    assert sorted(DataValue.objects.values_list("month", "value", "status")) == [
        (1, 70.0, ValueStatus.SUBMITTED),  # unchanged value, submitted
        (2, 72.0, ValueStatus.SUBMITTED),  # new value, saved then submitted
    ]
    assert DataValueEvent.objects.filter(to_status=ValueStatus.SUBMITTED).count() == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [("101", "数值须在 0 至 100 之间"), ("-1", "数值须在 0 至 100 之间"), ("八十", "请输入数字")],
)
def test_one_bad_cell_saves_nothing(client_for, official_a, unit_a, rate, typed, message):
    client = client_for(official_a)
    response = client.post(url(unit_a), form(unit_a, {f"v-{rate.pk}-1": "80", f"v-{rate.pk}-2": typed}))
    assert response.status_code == 200  # the grid again, as typed, with the cell's error
    body = response.content.decode()
    assert message in body and f'value="{typed}"' in body and 'value="80"' in body
    assert not DataValue.objects.exists()  # the good cell was not saved either


def test_the_indicator_range_is_checked_by_the_service_too(official_a, unit_a, capped):
    # capped: 10 ≤ value ≤ 50
    with pytest.raises(services.ValidationError, match="10 至 50"):
        services.data_value_save(user=official_a, indicator=capped, unit_id=unit_a.pk, year=YEAR, month=1, value=9)
    assert (
        services.data_value_save(
            user=official_a, indicator=capped, unit_id=unit_a.pk, year=YEAR, month=1, value=50
        ).value
        == 50
    )


def test_a_cell_changed_by_someone_else_is_stale(client_for, official_a, unit_a, rate):
    services.data_value_save(user=official_a, indicator=rate, unit_id=unit_a.pk, year=YEAR, month=1, value=70)
    data = form(unit_a, {f"v-{rate.pk}-1": "75", f"v-{rate.pk}-3": "60"})
    # a colleague edits month 1 after the grid was drawn (version 1 → 2)
    services.data_value_save(user=official_a, indicator=rate, unit_id=unit_a.pk, year=YEAR, month=1, value=71)
    response = client_for(official_a).post(url(unit_a), data)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert list(DataValue.objects.values_list("month", "value")) == [(1, 71.0)]  # month 3 not saved either


def test_submitted_and_approved_cells_are_locked(client_for, official_a, admin_user, unit_a, rate):
    v = services.data_value_save(user=official_a, indicator=rate, unit_id=unit_a.pk, year=YEAR, month=1, value=70)
    services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    body = client_for(official_a).get(url(unit_a)).content.decode()
    assert f'name="v-{rate.pk}-1"' not in body and f'name="v-{rate.pk}-2"' in body
    # a forged POST for the locked cell changes nothing
    data = {"action": "save", f"v-{rate.pk}-1": "99", f"t-{rate.pk}-1": f"{v.pk}.2"}
    client_for(official_a).post(url(unit_a), data)
    assert DataValue.objects.get().value == 70


def test_official_cannot_open_or_post_another_units_grid(client_for, official_a, unit_b, rate):
    client = client_for(official_a)
    assert client.get(url(unit_b)).status_code == 404
    assert client.post(url(unit_b), {"action": "save", f"v-{rate.pk}-1": "1", f"t-{rate.pk}-1": "-"}).status_code == 404
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("who", ["leader", "inspector", "admin"])
def test_read_only_roles_see_the_grid_but_cannot_save(client_for, actors, unit_a, rate, who):
    client = client_for(actors[who])
    body = client.get(url(unit_a)).content.decode()
    assert "只读" in body and 'class="cell-input"' not in body
    response = client.post(url(unit_a), {"action": "save", f"v-{rate.pk}-1": "1", f"t-{rate.pk}-1": "-"})
    assert response.status_code == 403
    assert not DataValue.objects.exists()


def test_returned_cell_shows_the_reason_and_is_editable_again(client_for, official_a, admin_user, unit_a, rate):
    v = services.data_value_save(user=official_a, indicator=rate, unit_id=unit_a.pk, year=YEAR, month=4, value=70)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    services.data_value_return(user=admin_user, value_id=v.pk, version=v.version, note="与台账不符")
    body = client_for(official_a).get(url(unit_a)).content.decode()
    assert "与台账不符" in body and f'name="v-{rate.pk}-4"' in body


def test_grid_reads_in_a_fixed_number_of_queries(client_for, official_a, unit_a, django_assert_max_num_queries):
    for i in range(8):
        ind = IndicatorFactory(code=f"grid_many_{i}")
        for month in (1, 2, 3):
            services.data_value_save(user=official_a, indicator=ind, unit_id=unit_a.pk, year=YEAR, month=month, value=i)
    client = client_for(official_a)
    with django_assert_max_num_queries(20):
        assert client.get(url(unit_a)).status_code == 200


# --- bulk approval ---------------------------------------------------------------------------------
def _submitted(official, unit, ind, month, value):
    v = services.data_value_save(user=official, indicator=ind, unit_id=unit.pk, year=YEAR, month=month, value=value)
    return services.data_value_submit(user=official, value_id=v.pk, version=v.version)


def _bulk(values, **extra):
    data = {"ids": [v.pk for v in values], **{f"ver-{v.pk}": v.version for v in values}}
    return data | extra


def test_admin_approves_many_values_at_once(client_for, official_a, admin_user, unit_a, rate):
    values = [_submitted(official_a, unit_a, rate, m, 70 + m) for m in (1, 2, 3)]
    response = client_for(admin_user).post(reverse("targets:value_approval_bulk"), _bulk(values, action="approve"))
    assert response.status_code == 302
    assert set(DataValue.objects.values_list("status", flat=True)) == {ValueStatus.APPROVED}


def test_bulk_return_needs_a_reason_and_writes_it_on_each(client_for, official_a, admin_user, unit_a, rate):
    values = [_submitted(official_a, unit_a, rate, m, 70) for m in (1, 2)]
    client = client_for(admin_user)
    client.post(reverse("targets:value_approval_bulk"), _bulk(values, action="return", note=" "))
    assert set(DataValue.objects.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}
    client.post(reverse("targets:value_approval_bulk"), _bulk(values, action="return", note="口径有误"))
    assert set(DataValue.objects.values_list("status", flat=True)) == {ValueStatus.RETURNED}
    assert list(DataValueEvent.objects.filter(to_status=ValueStatus.RETURNED).values_list("note", flat=True)) == [
        "口径有误",
        "口径有误",
    ]


def test_bulk_approval_is_all_or_nothing_on_a_stale_version(client_for, official_a, admin_user, unit_a, rate):
    fresh = _submitted(official_a, unit_a, rate, 1, 70)
    moved = _submitted(official_a, unit_a, rate, 2, 71)
    data = _bulk([fresh, moved], action="approve")
    data[f"ver-{moved.pk}"] = moved.version - 1  # the page was drawn before the last move
    response = client_for(admin_user).post(reverse("targets:value_approval_bulk"), data, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert set(DataValue.objects.values_list("status", flat=True)) == {ValueStatus.SUBMITTED}


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector"])
def test_bulk_approval_is_refused_to_non_admins(client_for, actors, official_a, unit_a, rate, who):
    v = _submitted(official_a, unit_a, rate, 1, 70)
    response = client_for(actors[who]).post(reverse("targets:value_approval_bulk"), _bulk([v], action="approve"))
    assert response.status_code == 403
    assert DataValue.objects.get().status == ValueStatus.SUBMITTED
