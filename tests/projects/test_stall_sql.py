"""The stalled-projects statement (`selectors.stalled_projects`, set-based SQL) decides exactly what the rule
(`rules.stall_flags`, read through `selectors.project_frame`) decides, on the edge cases of the rule.

Settings: silence 30 days, tolerance 10 points (the defaults). The day is 2022-03-02.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from projects import selectors
from projects.choices import Stage
from projects.models import ProgressReport, Project
from tests.factories import ProjectFactory

AS_OF = date(2022, 3, 2)
START = date(2022, 1, 1)  # 60 days before AS_OF

# name: (stage, planned_start, planned_completion, entered progress, [(report date, progress)], stalled?)
CASES = {
    # 100-day plan (to 2022-04-11): the line is at 60 % on AS_OF
    "on plan, reported yesterday": (Stage.STARTED, START, date(2022, 4, 11), 0, [(date(2022, 3, 1), 60)], False),
    "silent 31 days (> 30)": (Stage.STARTED, START, date(2022, 4, 11), 0, [(date(2022, 1, 30), 60)], True),
    "silent exactly 30 days": (Stage.STARTED, START, date(2022, 4, 11), 0, [(date(2022, 1, 31), 60)], False),
    "never reported: silent since the start (60 days)": (Stage.FUNDED, START, date(2022, 4, 11), 60, [], True),
    "50 % vs 60 %: 60 is not below 60": (Stage.STARTED, START, date(2022, 4, 11), 0, [(AS_OF, 50)], False),
    "49 % vs the 60 % line: behind": (Stage.STARTED, START, date(2022, 4, 11), 0, [(AS_OF, 49)], True),
    # 90-day plan (to 2022-04-01): the line is at 60/90 = 66.67 %
    "56 % vs 66.67 %: 66 < 66.67, behind": (Stage.STARTED, START, date(2022, 4, 1), 0, [(AS_OF, 56)], True),
    "57 % vs 66.67 %: 67 is not below": (Stage.STARTED, START, date(2022, 4, 1), 0, [(AS_OF, 57)], False),
    # 400-day plan (to 2023-02-05): the line is at 60/400 = 15 % exactly
    "5 % vs 15 %: on the edge": (Stage.STARTED, START, date(2023, 2, 5), 0, [(AS_OF, 5)], False),
    "4 % vs 15 %: behind": (Stage.STARTED, START, date(2023, 2, 5), 0, [(AS_OF, 4)], True),
    # completion passed: the line is at 100 %
    "past completion at 90 %: on the edge": (Stage.STARTED, START, date(2022, 3, 1), 0, [(AS_OF, 90)], False),
    "past completion at 89 %: behind": (Stage.STARTED, START, date(2022, 3, 1), 0, [(AS_OF, 89)], True),
    "plan without duration at 80 %: behind": (Stage.STARTED, START, START, 0, [(AS_OF, 80)], True),
    "no planned completion: only silence counts": (Stage.STARTED, START, None, 0, [(AS_OF, 0)], False),
    "starts today: never yet": (Stage.STARTED, AS_OF, date(2022, 6, 1), 0, [], False),
    "starts tomorrow: never yet": (Stage.STARTED, date(2022, 3, 3), date(2022, 6, 1), 0, [], False),
    "completed stage: not watched": (Stage.COMPLETED, START, date(2022, 4, 11), 0, [], False),
    "reserve stage: not watched": (Stage.RESERVE, START, date(2022, 4, 11), 0, [], False),
    # a report after AS_OF is not known on AS_OF: the one before is 40 days old
    "later report ignored": (
        Stage.STARTED, START, date(2022, 4, 11), 0, [(date(2022, 1, 21), 60), (date(2022, 3, 7), 100)], True
    ),
    # two reports on one day: the later entry counts (20 % → 20 + 10 = 30 < 60, behind)
    "same-day reports: the later entry": (Stage.STARTED, START, date(2022, 4, 11), 0, [(AS_OF, 60), (AS_OF, 20)], True),
}  # fmt: skip


@pytest.fixture
def projects(unit_a, leader):
    made = {}
    for name, (stage, start, completion, progress, reports, _stalled) in CASES.items():
        p = ProjectFactory(
            unit=unit_a, stage=stage, planned_start=start, planned_completion=completion, progress=progress
        )
        for day, value in reports:
            ProgressReport.objects.create(project=p, reported_on=day, progress=value, reported_by=leader)
        made[p.pk] = name
    return made


@override_settings(PROJECTS_STALL_DAYS=30, PROJECTS_BEHIND_TOLERANCE=10)
def test_the_statement_and_the_rule_flag_the_same_projects(projects):
    expected = {name for name, case in CASES.items() if case[-1]}
    by_sql = {projects[pk] for pk in selectors.stalled_ids(Project.objects.all(), as_of=AS_OF)}
    frame = selectors.project_frame(Project.objects.all(), as_of=AS_OF)
    by_rule = {projects[int(pk)] for pk, flag in zip(frame["pk"], frame["stalled"], strict=True) if flag}
    assert by_rule == expected
    assert by_sql == expected


@override_settings(PROJECTS_STALL_DAYS=30, PROJECTS_BEHIND_TOLERANCE=10)
def test_the_ledger_filter_and_count_use_the_statement(projects, leader):
    stalled = selectors.ledger_queryset(user=leader, as_of=AS_OF, stalled=True)
    assert {projects[p.pk] for p in stalled} == {name for name, case in CASES.items() if case[-1]}
    totals = selectors.ledger_totals(selectors.ledger_queryset(user=leader, as_of=AS_OF), as_of=AS_OF)
    assert totals["count"] == len(CASES) and totals["stalled"] == 9  # the nine True rows of CASES


@override_settings(PROJECTS_STALL_DAYS=30, PROJECTS_BEHIND_TOLERANCE=10)
def test_the_overview_counts_by_the_statement_and_gives_each_shown_project_its_reason(projects, leader, unit_a):
    [row] = selectors.stalled_by_unit(user=leader, as_of=AS_OF, names=20).to_dict("records")
    assert (row["unit_id"], row["count"]) == (unit_a.pk, 9)
    assert {projects[p.pk] for p in row["projects"]} == {name for name, case in CASES.items() if case[-1]}
    assert all(p.stall_reason for p in row["projects"])
    assert len(selectors.stalled_by_unit(user=leader, as_of=AS_OF).loc[0, "projects"]) == 3  # the first three shown
