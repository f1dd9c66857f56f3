"""The bulletin's further parts: tasks behind schedule, stalled projects, ranking movement, 点位 — page and Word."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from projects.choices import Stage
from projects.models import ProjectMilestone
from rectifications.selectors import bulletin_sections
from targets.models import Publication, ScoringRun, UnitScore
from tests.clocks import BEIJING
from tests.factories import (
    InspectionFactory,
    MeasureFactory,
    ProjectFactory,
    RectificationItemFactory,
    SchemeFactory,
)
from tracker.documents import docx_text

pytestmark = pytest.mark.django_db
END = dt.date(2026, 6, 15)


@pytest.fixture
def story(unit_a, unit_b, official_a, leader):
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=BEIJING), tick=False):
        MeasureFactory(unit=unit_a, code="RW-1", title="工地扬尘整治", responsible_person="赵六",
                       deadline=dt.date(2026, 6, 5), progress=40)  # fmt: skip
        MeasureFactory(unit=unit_b, code="RW-2", title="已完成的任务", deadline=dt.date(2026, 5, 1), progress=100)
        MeasureFactory(unit=unit_b, code="RW-3", title="未到期的任务", deadline=dt.date(2026, 7, 1), progress=10)
        project = ProjectFactory(unit=unit_a, code="XM-9", name="茫溪河治理", stage=Stage.LIBRARY,
                                 responsible_person="钱七")  # fmt: skip
        ProjectMilestone.objects.create(project=project, stage=Stage.STARTED, planned_on=dt.date(2026, 3, 31),
                                        set_by=official_a)  # fmt: skip
        inspection = InspectionFactory(date=dt.date(2026, 1, 10))
        RectificationItemFactory(unit=unit_a, inspection=inspection, code="ZY-1", description="砂石场扬尘",
                                 place="马踏镇砂石场", responsible_person="王五", deadline=dt.date(2026, 5, 1),
                                 status="in_progress")  # fmt: skip
        scheme = SchemeFactory(year=2026)
        runs = []
        for as_of, ranks in ((dt.date(2026, 4, 30), (2, 1)), (dt.date(2026, 5, 31), (1, 2))):
            run = ScoringRun.objects.create(scheme=scheme, as_of=as_of, status="succeeded", progress=100)
            for unit, rank in zip((unit_a, unit_b), ranks, strict=True):
                UnitScore.objects.create(run=run, unit=unit, total=90.0 - rank, rank=rank)
            Publication.objects.create(run=run, title=f"{as_of}排名", published_by=leader)
            runs.append(run)
        yield


def test_sections_hold_tasks_projects_and_movement(story, unit_a, unit_b, leader):
    tasks, projects, movement = bulletin_sections(start=dt.date(2026, 6, 1), end=END, user=leader)
    assert tasks.heading == "三、攻坚任务滞后情况"
    # only RW-1: not done and its deadline 06-05 is before 06-15, 10 days overdue (RW-2 done, RW-3 not due)
    assert [r[1] for r in tasks.rows] == ["RW-1"]
    assert tasks.rows[0] == ("井研县", "RW-1", "工地扬尘整治", "赵六", "2026-06-05", "40%", 10)
    assert projects.heading == "四、项目停滞情况"
    # 入库 project whose 开工 node was due 03-31: 76 days late on 06-15 (April 30 + May 31 + 15)
    assert [(r[1], r[4]) for r in projects.rows] == [("XM-9", "钱七")]
    assert "“开工”节点逾期 76 天（计划 2026-03-31）" in projects.rows[0][5]
    assert movement.heading == "五、考核排名变化"
    # published 04-30: A 2nd, B 1st; published 05-31: A 1st, B 2nd
    assert movement.rows == [(1, "井研县", "89.00", 2, "上升1位"), (2, unit_b.name, "88.00", 1, "下降1位")]


def test_page_and_word_document_carry_the_parts_and_the_place(story, client_for, leader):
    client = client_for(leader)
    period = {"start": "2026-06-01", "end": "2026-06-15"}
    page = client.get(reverse("rectifications:bulletin"), period).content.decode()
    for text in (
        "攻坚任务滞后情况",
        "工地扬尘整治",
        "项目停滞情况",
        "茫溪河治理",
        "考核排名变化",
        "上升1位",
        "马踏镇砂石场",
    ):
        assert text in page, text
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=BEIJING), tick=False):
        doc = docx_text(client.post(reverse("rectifications:bulletin_document"), period).content)
    assert "井研县\t逾期\tZY-1\t砂石场扬尘\t马踏镇砂石场\t王五\t2026年5月1日\t整改中" in doc
    assert "三、攻坚任务滞后情况" in doc and "井研县\tRW-1\t工地扬尘整治\t赵六\t2026-06-05\t40%\t10" in doc
    assert "四、项目停滞情况" in doc and "茫溪河治理" in doc
    assert "五、考核排名变化" in doc and "1\t井研县\t89.00\t2\t上升1位" in doc


def test_inspectors_get_no_project_part(story, inspector):
    # inspectors have no part in projects: the stalled projects are left out and the ranking becomes 四、
    parts = bulletin_sections(start=dt.date(2026, 6, 1), end=END, user=inspector)
    assert [p.heading for p in parts] == ["三、攻坚任务滞后情况", "四、考核排名变化"]


def test_the_numbered_document_is_the_same_whoever_of_the_offices_downloads_it(story, client_for, inspector, leader):
    # one 文号 covers one text: the inspector (no projects on pages) gets the stalled projects in the document too
    period = {"start": "2026-06-01", "end": "2026-06-15"}
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=BEIJING), tick=False):
        by_leader = docx_text(client_for(leader).post(reverse("rectifications:bulletin_document"), period).content)
        by_inspector = docx_text(
            client_for(inspector).post(reverse("rectifications:bulletin_document"), period).content
        )
    assert by_inspector == by_leader
    assert "四、项目停滞情况" in by_inspector and "五、考核排名变化" in by_inspector
