"""The demo tells 奖惩到人: people per unit, items pointing at them, a criticism and an interview — idempotently."""

from __future__ import annotations

import datetime as dt

import pytest

from rectifications.demo import seed_accountability, seed_rectifications
from rectifications.models import AccountabilityRecord, RectificationItem
from tracker.demo import DemoContext, seed_calendar, seed_people, seed_units_and_people
from tracker.models import Person


@pytest.mark.django_db
def test_demo_people_and_accountability_are_idempotent():
    ctx = DemoContext(password="Demo-pass-123", today=dt.date(2026, 11, 28))
    seed_units_and_people(ctx)
    seed_people(ctx)
    seed_calendar(ctx)
    seed_rectifications(ctx)
    seed_accountability(ctx)
    jingyan = set(Person.objects.filter(unit__code="511124").values_list("post", flat=True))
    assert jingyan == {"县长", "分管副县长", "生态环境分局局长"}
    linked = RectificationItem.objects.filter(responsible__isnull=False)
    assert linked.exists()
    assert all(i.responsible.unit_id == i.unit_id for i in linked.select_related("responsible"))
    records = {r.kind: r for r in AccountabilityRecord.objects.select_related("document_number", "notice")}
    assert set(records) == {"criticism", "interview"}
    assert records["criticism"].document_number.kind == "bulletin"  # named in a numbered bulletin
    assert records["interview"].notice.level == "supervision"  # on a 督办函
    before = (Person.objects.count(), linked.count(), AccountabilityRecord.objects.count())
    seed_people(ctx)
    seed_accountability(ctx)
    assert (Person.objects.count(), linked.count(), AccountabilityRecord.objects.count()) == before
