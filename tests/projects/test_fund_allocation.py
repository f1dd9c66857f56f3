"""A fund cannot be allocated beyond its amount (issue 19, item 7): in the service, in the admin, and under
concurrent allocations (the fund row is locked while the total is checked)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse

from projects.models import Fund, Project
from projects.services import project_allocate
from tests.factories import FundFactory, ProjectFactory


@pytest.fixture
def fund(db):
    return FundFactory(amount=Decimal("100.00"))


@pytest.mark.django_db
def test_allocations_fit_up_to_the_cent_and_not_beyond(fund, unit_a, admin_user):
    p1 = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=Decimal("60.00"))
    p2 = ProjectFactory(unit=unit_a, fund=None, allocated_amount=Decimal("0"))
    with pytest.raises(ValidationError) as refused:
        project_allocate(project=p2, fund=fund, amount=Decimal("40.01"), user=admin_user)  # 60 + 40.01 > 100
    assert "已分配给其他项目 60.00 元，本项目最多可分配 40.00 元" in refused.value.messages[0]
    p2.refresh_from_db()
    assert p2.fund_id is None and p2.allocated_amount == 0
    project_allocate(project=p2, fund=fund, amount=Decimal("40.00"), user=admin_user)  # 60 + 40 = 100: fits
    # raising p1 is checked against the others only (its own 60 is replaced): 70 + 40 = 110 > 100
    with pytest.raises(ValidationError):
        project_allocate(project=p1, fund=fund, amount=Decimal("70"), user=admin_user)
    project_allocate(project=p1, fund=fund, amount=Decimal("55"), user=admin_user)  # lowering is fine
    assert sum(Project.objects.filter(fund=fund).values_list("allocated_amount", flat=True)) == Decimal("95.00")


@pytest.mark.django_db
def test_only_the_admin_allocates(fund, unit_a, leader, official_a):
    p = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=Decimal("0"))
    for who in (leader, official_a):
        with pytest.raises(PermissionDenied):
            project_allocate(project=p, fund=fund, amount=Decimal("1"), user=who)


def _admin_post_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    for inline in response.context["inline_admin_formsets"]:
        mgmt = inline.formset.management_form
        for name in mgmt.fields:
            data[f"{mgmt.prefix}-{name}"] = mgmt[name].value()
    return data


@pytest.mark.django_db
def test_the_admin_refuses_an_allocation_beyond_the_fund(client_for, admin_user, fund, unit_a):
    ProjectFactory(unit=unit_a, fund=fund, allocated_amount=Decimal("70.00"))
    p = ProjectFactory(unit=unit_a, fund=fund, allocated_amount=Decimal("10.00"))
    client = client_for(admin_user)
    url = reverse("admin:projects_project_change", args=[p.pk])
    data = _admin_post_data(client.get(url))
    data["allocated_amount"] = "40.00"  # 70 + 40 = 110 > 100
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error on the field
    assert "本项目最多可分配 30.00 元" in response.content.decode()
    p.refresh_from_db()
    assert p.allocated_amount == Decimal("10.00")
    data["allocated_amount"] = "30.00"  # 70 + 30 = 100: fits
    assert client.post(url, data).status_code == 302
    p.refresh_from_db()
    assert p.allocated_amount == Decimal("30.00")


@pytest.mark.django_db
def test_the_admin_refuses_lowering_a_fund_below_its_allocations(client_for, admin_user, fund, unit_a):
    ProjectFactory(unit=unit_a, fund=fund, allocated_amount=Decimal("80.00"))
    client = client_for(admin_user)
    url = reverse("admin:projects_fund_change", args=[fund.pk])
    data = _admin_post_data(client.get(url))
    data["amount"] = "79.99"
    response = client.post(url, data)
    assert response.status_code == 200 and "不能低于已分配给项目的 80.00 元" in response.content.decode()
    assert Fund.objects.get(pk=fund.pk).amount == Decimal("100.00")
    data["amount"] = "80.00"
    assert client.post(url, data).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_exceed_the_fund(admin_user, unit_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    # 10 projects each asking 30 of a 100 fund at the same moment: 3 fit (90), 7 are refused
    fund = FundFactory(amount=Decimal("100.00"))
    projects = [ProjectFactory(unit=unit_a, fund=None, allocated_amount=Decimal("0")) for _ in range(10)]
    barrier = threading.Barrier(10)

    def attempt(p) -> str:
        barrier.wait(timeout=30)
        try:
            project_allocate(project=p, fund=fund, amount=Decimal("30"), user=admin_user)
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, projects))
    total = sum(Project.objects.filter(fund=fund).values_list("allocated_amount", flat=True), Decimal("0"))
    assert total == Decimal("90.00") and results.count("ok") == 3 and results.count("refused") == 7
