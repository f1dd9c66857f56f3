"""Concurrent payments against one project never overspend (real PostgreSQL, real threads, row lock)."""

import threading
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
    # 50 payments of 300 against 1,000 allocated: exactly 3 fit (900), 47 must be refused. The first wave of
    # 25 threads is released together by a barrier, so without the row lock several would read "0 paid" at once.
    project = ProjectFactory(unit=unit_a, allocated_amount=Decimal("1000.00"))
    barrier = threading.Barrier(25)

    def attempt(i: int) -> str:
        if i < 25:
            barrier.wait(timeout=30)
        try:
            payment_record(
                project=project, amount=Decimal("300"), paid_on=date(2022, 6, 1), voucher_no=f"C-{i}", user=official_a
            )
            return "ok"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(attempt, range(50)))

    total = sum(Payment.objects.filter(project=project).values_list("amount", flat=True), Decimal("0"))
    assert total == Decimal("900.00")
    assert results.count("ok") == 3 and results.count("refused") == 47
