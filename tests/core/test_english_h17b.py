"""The new pages speak English on request: milestone plan, special inspections, first quarter, province panel."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.choices import Stage
from targets.models import ProvincialRanking
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _en(client):
    client.cookies["django_language"] = "en"
    return client


def test_new_pages_in_english(client_for, official_a, leader, admin_user, unit_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    page = _en(client_for(official_a)).get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert "Milestone plan (scheduled back from the deadline)" in page and "Save milestone plan" in page
    assert "节点计划" not in page
    page = _en(client_for(admin_user)).get(reverse("rectifications:special_list")).content.decode()
    assert "Draw up a special inspection" in page and "组织专项督查" not in page
    page = _en(client_for(leader)).get(reverse("targets:first_quarter")).content.decode()
    assert "Q1 target" in page and "一季度目标" not in page
    ProvincialRanking.objects.create(
        indicator=IndicatorFactory(code="exec"),
        year=timezone.localdate().year,
        rank=19,
        total=21,
        value=1.0,
        next_value=2.0,
    )
    page = _en(client_for(leader)).get(reverse("targets:dashboard_city")).content.decode()
    assert "place in the province" in page and "19 of 21" in page and "3 from the bottom" in page
