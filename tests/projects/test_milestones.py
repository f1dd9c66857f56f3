"""Milestone plans (倒排工期): the pure judgement on hand-computed cases, the SQL twin, the page and the service."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import selectors, services
from projects.choices import STAGE_ORDER, Stage
from projects.models import Project
from projects.rules import milestone_days_late, next_milestone, stall_flags
from tests.factories import ProjectFactory

PLAN = [(Stage.STARTED, date(2026, 3, 31)), (Stage.COMPLETED, date(2026, 11, 30))]


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.LIBRARY, (Stage.STARTED, date(2026, 3, 31))),  # 开工 not reached: the first node is next
        (Stage.FUNDED, (Stage.STARTED, date(2026, 3, 31))),
        (Stage.STARTED, (Stage.COMPLETED, date(2026, 11, 30))),  # 开工 reached (late or not): 竣工 is next
        (Stage.COMPLETED, None),  # everything reached
    ],
)
def test_next_milestone_is_the_first_node_still_ahead(stage, expected):
    assert next_milestone(PLAN, stage, STAGE_ORDER) == expected


def test_no_plan_has_no_next_milestone():
    assert next_milestone([], Stage.FUNDED, STAGE_ORDER) is None


@pytest.mark.parametrize(
    ("as_of", "late"),
    [
        (date(2026, 3, 30), None),  # before the date
        (date(2026, 3, 31), None),  # on the date: still on time
        (date(2026, 4, 1), 1),  # 4-01 − 3-31 = 1 day
        (date(2026, 5, 15), 45),  # April 30 days + 15 = 45
    ],
)
def test_days_late_counts_from_the_planned_date(as_of, late):
    assert milestone_days_late(date(2026, 3, 31), as_of) == late


def _flags(**overrides):
    # On the straight line (planned 2026-01-01 → 2026-12-31, progress high, reported yesterday): only the node
    # can make it behind.
    row = {
        "planned_start": date(2026, 1, 1),
        "planned_completion": date(2026, 12, 31),
        "last_report": date(2026, 4, 30),
        "progress": 90,
        "watched": True,
        "next_due": date(2026, 3, 31),
        "next_label": "开工",
    }
    row.update(overrides)
    return stall_flags(pd.DataFrame([row]), as_of=date(2026, 5, 1), silence_days=30, behind_tolerance=10).iloc[0]


def test_an_overdue_node_makes_the_project_behind_even_on_the_straight_line():
    flags = _flags()  # 开工 due 3-31, on 5-01 not reached: 31 days late (April 30 + 1)
    assert flags["behind"] and flags["stalled"] and flags["milestone_late"] == 31
    assert "“开工”节点逾期 31 天（计划 2026-03-31）" in flags["stall_reason"]


def test_a_node_not_yet_due_changes_nothing():
    flags = _flags(next_due=date(2026, 11, 30), next_label="竣工")
    assert not flags["behind"] and not flags["stalled"] and flags["milestone_late"] is None


def test_an_unwatched_project_with_an_overdue_node_is_behind():
    # e.g. still 入库 with 资金下达 planned for March: the straight-line rules do not apply, the node does
    flags = _flags(watched=False, planned_start=None, planned_completion=None, last_report=None, progress=0)
    assert flags["behind"] and flags["stalled"] and not flags["silent"]


def test_without_the_columns_the_old_rules_stand():
    row = {"planned_start": date(2026, 1, 1), "planned_completion": date(2026, 12, 31), "last_report": None,
           "progress": 90, "watched": True}  # fmt: skip
    flags = stall_flags(pd.DataFrame([row]), as_of=date(2026, 1, 10), silence_days=30, behind_tolerance=10).iloc[0]
    assert not flags["stalled"] and flags["milestone_late"] is None


@pytest.mark.django_db
@pytest.mark.clock("2026-05-01 10:00")
def test_sql_and_rule_agree_on_the_next_node_and_the_ledger_flags_it(official_a, unit_a):
    project = ProjectFactory(
        unit=unit_a, stage=Stage.LIBRARY, planned_start=date(2026, 1, 1), planned_completion=date(2026, 12, 31)
    )
    services.project_milestones_set(
        project=project,
        plan={Stage.FUNDED: date(2026, 2, 28), Stage.STARTED: date(2026, 3, 31), Stage.COMPLETED: date(2026, 11, 30)},
        user=official_a,
    )
    project.refresh_from_db()
    # the plan's 开工/竣工 became the planned dates
    assert (project.planned_start, project.planned_completion) == (date(2026, 3, 31), date(2026, 11, 30))
    as_of = date(2026, 5, 1)
    frame = selectors.project_frame(Project.objects.filter(pk=project.pk), as_of=as_of)
    row = frame.iloc[0]
    # 入库: next node ahead is 资金下达 due 2-28 → 62 days late (Mar 31 + Apr 30 + 1)
    assert (row["next_stage"], row["next_due"], row["milestone_late"]) == (Stage.FUNDED, date(2026, 2, 28), 62)
    assert row["stalled"]
    assert selectors.stalled_ids(Project.objects.all(), as_of=as_of) == [project.pk]
    plan = selectors.milestone_plan(project, as_of=as_of)
    assert [(m.stage, m.reached, m.days_late) for m in plan] == [
        (Stage.FUNDED, False, 62),
        (Stage.STARTED, False, 31),
        (Stage.COMPLETED, False, None),
    ]


@pytest.mark.django_db
def test_plan_dates_must_follow_the_pipeline(official_a, unit_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    with pytest.raises(ValidationError):
        services.project_milestones_set(
            project=project, plan={Stage.STARTED: date(2026, 6, 1), Stage.COMPLETED: date(2026, 5, 1)}, user=official_a
        )
    assert not project.milestones.exists()


@pytest.mark.django_db
def test_only_the_projects_unit_sets_the_plan(official_b, leader, unit_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    for user in (official_b, leader):
        with pytest.raises(PermissionDenied):
            services.project_milestones_set(project=project, plan={Stage.STARTED: date(2026, 6, 1)}, user=user)


@pytest.mark.django_db
def test_the_project_page_saves_and_shows_the_plan(client_for, official_a, unit_a):
    project = ProjectFactory(unit=unit_a, stage=Stage.FUNDED)
    client = client_for(official_a)
    response = client.post(
        f"/projects/{project.pk}/milestones/", {Stage.STARTED: "2026-03-31", Stage.COMPLETED: "2026-11-30"}
    )
    assert response.status_code == 302
    assert list(project.milestones.values_list("stage", flat=True).order_by("planned_on")) == ["started", "completed"]
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "节点计划（倒排工期）" in page and "2026-11-30" in page
