"""What a person types is bounded: entered values, dates, money minimums; a vanished run is not a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from projects.forms import PaymentForm, ReversalForm
from projects.models import Payment
from projects.services import payment_record
from targets import services as target_services
from targets.models import DataValue, ScoringRun
from tests.factories import IndicatorFactory, ProjectFactory
from tests.targets.conftest import scheme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tonnes(db):
    """An entered indicator measured in tonnes: no "%" cap applies to it."""
    return IndicatorFactory(
        code="waste_tonnes", name="固废处置量", unit_of_measure="吨", area="wastefree", source="entered"
    )


def _entry(unit, ind, value):
    return {"unit": unit.pk, "indicator": ind.pk, "year": 2026, "month": 3, "value": value, "note": "", "reason": ""}


@pytest.mark.parametrize("value", ["1e155", "1e13", "-1e13"])
def test_an_absurd_value_is_refused_on_the_entry_page(client, official_a, unit_a, tonnes, value):
    client.force_login(official_a)
    response = client.post(reverse("targets:value_list"), _entry(unit_a, tonnes, value))
    assert response.status_code == 200  # the form again, with its error
    assert not DataValue.objects.exists()


def test_a_large_but_real_value_is_accepted(client, official_a, unit_a, tonnes):
    client.force_login(official_a)
    response = client.post(reverse("targets:value_list"), _entry(unit_a, tonnes, "350000000"))  # 3.5e8 t
    assert response.status_code == 302
    assert DataValue.objects.get().value == 3.5e8


@pytest.mark.parametrize("value", [1e155, float("inf"), float("nan")])
def test_the_service_refuses_absurd_values_too(official_a, unit_a, tonnes, value):
    with pytest.raises(ValidationError, match="超出允许范围"):
        target_services.data_value_save(
            user=official_a, indicator=tonnes, unit_id=unit_a.pk, year=2026, month=3, value=value
        )


def test_the_database_refuses_an_absurd_value_written_around_the_service(official_a, unit_a, tonnes):
    with pytest.raises(IntegrityError), transaction.atomic():
        DataValue.objects.create(indicator=tonnes, unit=unit_a, year=2026, month=3, value=1e155, entered_by=official_a)


def test_publishing_a_run_that_was_replaced_is_a_message_not_a_500(client, admin_user, scheme):  # noqa: F811
    run = target_services.scores_compute(scheme_id=scheme.pk, as_of=dt.date(2026, 10, 31))
    gone = run.pk
    ScoringRun.objects.filter(pk=gone).delete()  # what a replacing recompute does to an unpublished run
    client.force_login(admin_user)
    response = client.post(reverse("targets:run_publish", args=[gone]), {"title": "10月通报"}, follow=True)
    assert response.status_code == 200
    assert "已不存在" in response.content.decode()


def test_a_payment_of_one_cent_passes_the_form():
    form = PaymentForm({"amount": "0.01", "paid_on": "2025-03-01", "voucher_no": "PZ-1"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("0.01")
    assert ReversalForm({"amount": "0.01", "reason": "错"}).is_valid()


@pytest.mark.parametrize("typed", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_implausible_dates_are_refused_by_the_forms(typed):
    form = PaymentForm({"amount": "10", "paid_on": typed, "voucher_no": "PZ-1"})
    assert not form.is_valid() and "超出允许范围" in str(form.errors["paid_on"])


def test_implausible_dates_are_refused_on_the_pages(client, official_a, unit_a):
    from tests.factories import MeasureFactory

    measure = MeasureFactory(unit=unit_a)
    client.force_login(official_a)
    response = client.post(
        reverse("tracker:measure_detail", args=[measure.pk]), {"date": "0001-01-01", "progress": "10", "note": "x"}
    )
    assert response.status_code in (200, 302)
    assert not measure.reports.exists()


def test_the_payment_service_refuses_an_implausible_date(official_a, unit_a):
    project = ProjectFactory(unit=unit_a, allocated_amount=Decimal("1000.00"))
    with pytest.raises(ValidationError, match="超出允许范围"):
        payment_record(
            project=project, amount=Decimal("1"), paid_on=dt.date(1, 1, 1), voucher_no="PZ-1", user=official_a
        )
    assert not Payment.objects.exists()
