"""People register (责任人名册), accountability records (奖惩到人) and risk follow-ups: a person in each unit."""

from __future__ import annotations

import pytest

from tests.factories import PersonFactory


@pytest.fixture
def person_a(unit_a):
    return PersonFactory(unit=unit_a, name="王建国", post="分管副县长")


@pytest.fixture
def person_b(unit_b):
    return PersonFactory(unit=unit_b, name="李志强", post="县长")
