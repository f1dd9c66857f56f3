"""Concurrent payments against one project never overspend (real PostgreSQL, real threads, row lock)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from projects.models import Payment
from projects.services import payment_record
from tests.factories import ProjectFactory


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_payments_never_exceed_the_allocation(official_a, unit_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    # 50 payments of 300 against 10,000 allocated: exactly 33 fit (9,900), 17 must be refused.
    project = ProjectFactory(unit=unit_a, allocated_amount=Decimal("10000.00"))

    def attempt(i: int) -> str:
        try:
            payment_record(
                project=project, amount=Decimal("300"), paid_on=date(2022, 6, 1), voucher_no=f"C-{i}", user=official_a
            )
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(50)))

    total = sum(Payment.objects.filter(project=project).values_list("amount", flat=True), Decimal("0"))
    assert total == Decimal("9900.00")
    assert results.count("ok") == 33 and results.count("refused") == 17
