"""River chiefs: the patrol-frequency rule on hand-made dates, patrol entry (own unit only, photos checked), the
patrol → rectification item step (once, inspectors only), the frequency page and fishing-ban counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rectifications.escalation import river_patrol_to_item
from rectifications.models import RectificationItem
from tests.factories import RectificationItemFactory, RiverFactory
from tracker.common.workflow import Stale
from tracker.models import FishingBanCase, PatrolPhoto, Person, River, RiverChief, RiverPatrol
from tracker.patrol_rules import complete_periods, patrol_shortfall, period_of
from tracker.selectors.rivers import fishing_case_counts, patrol_frequency
from tracker.services.rivers import fishing_case_record, river_patrol_record

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)
D = dt.date
BEIJING = ZoneInfo("Asia/Shanghai")


# --- the frequency rule, pure -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "day, period, first, last",
    [
        (D(2026, 1, 7), "week", D(2026, 1, 5), D(2026, 1, 11)),  # 7 Jan 2026 is a Wednesday; Monday the 5th
        (D(2026, 2, 10), "dekad", D(2026, 2, 1), D(2026, 2, 10)),
        (D(2026, 2, 11), "dekad", D(2026, 2, 11), D(2026, 2, 20)),
        (D(2026, 2, 25), "dekad", D(2026, 2, 21), D(2026, 2, 28)),  # the last dekad runs to the month's end
        (D(2026, 5, 31), "month", D(2026, 5, 1), D(2026, 5, 31)),
        (D(2026, 8, 15), "quarter", D(2026, 7, 1), D(2026, 9, 30)),
    ],
)
def test_period_of(day, period, first, last):
    assert period_of(day, period) == (first, last)


def test_only_complete_periods_after_the_start_are_judged():
    # from Wednesday 7 Jan to Wednesday 28 Jan: the week of 5 Jan started before → skipped; weeks of 12, 19 Jan are
    # complete; the week of 26 Jan ends 1 Feb, after 28 Jan → not yet judged
    assert complete_periods(since=D(2026, 1, 7), as_of=D(2026, 1, 28), period="week") == [
        (D(2026, 1, 12), D(2026, 1, 18)),
        (D(2026, 1, 19), D(2026, 1, 25)),
    ]


def test_dekad_shortfall_on_hand_made_dates():
    # township chief, ≥1 per dekad, 1 Jan – 31 Jan: dekads 1–10, 11–20, 21–31 all complete on the 31st.
    # Patrols on 3 and 9 Jan (dekad 1: 2), none in 11–20 (short), one on 25 Jan (dekad 3: 1).
    got = patrol_shortfall([D(2026, 1, 3), D(2026, 1, 9), D(2026, 1, 25)], period="dekad", min_count=1,
                           since=D(2026, 1, 1), as_of=D(2026, 1, 31))  # fmt: skip
    assert [(p.start.day, p.patrols, p.short) for p in got] == [(1, 2, False), (11, 0, True), (21, 1, False)]


def test_quarter_rule_needs_two_when_the_rule_says_two():
    # a rule of ≥2 per quarter; Q1 2026 has one patrol (short), Q2 two (met); Q3 not complete on 15 Aug
    got = patrol_shortfall([D(2026, 2, 1), D(2026, 4, 1), D(2026, 6, 30), D(2026, 8, 1)], period="quarter",
                           min_count=2, since=D(2026, 1, 1), as_of=D(2026, 8, 15))  # fmt: skip
    assert [(p.start.month, p.patrols, p.short) for p in got] == [(1, 1, True), (4, 2, False)]


# --- patrols ----------------------------------------------------------------------------------------------------
@pytest.fixture
def chief(unit_a):
    river = RiverFactory(name="茫溪河")
    person = Person.objects.create(name="王某", post="副县长", unit=unit_a)
    return RiverChief.objects.create(river=river, level="county", person=person, unit=unit_a, stretch="井研县境内段")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.mark.django_db
def test_patrol_is_entered_by_the_chiefs_unit_with_checked_photos(chief, official_a, official_b, leader):
    today = timezone.localdate()
    photo = SimpleUploadedFile("岸边.png", PNG, content_type="image/png")
    patrol = river_patrol_record(user=official_a, chief_id=chief.pk, date=today, stretch="王村段",
                                 problems="岸边垃圾堆放", photos=[photo])  # fmt: skip
    assert (patrol.unit_id, PatrolPhoto.objects.get().mime) == (chief.unit_id, "image/png")
    for outsider in (official_b, leader):
        with pytest.raises(PermissionDenied):
            river_patrol_record(user=outsider, chief_id=chief.pk, date=today, stretch="王村段")
    fake = SimpleUploadedFile("岸边.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError):
        river_patrol_record(user=official_a, chief_id=chief.pk, date=today, stretch="王村段", photos=[fake])
    with pytest.raises(ValidationError):
        river_patrol_record(user=official_a, chief_id=chief.pk, date=today + dt.timedelta(days=1), stretch="x")
    assert RiverPatrol.objects.count() == 1 and PatrolPhoto.objects.count() == 1


@pytest.mark.django_db
def test_patrol_finding_becomes_one_rectification_item(chief, official_a, inspector):
    patrol = RiverPatrol.objects.create(chief=chief, unit=chief.unit, date=D(2026, 1, 5), stretch="王村段",
                                        problems="排口异常排水", entered_by=official_a)  # fmt: skip
    deadline = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(PermissionDenied):
        river_patrol_to_item(user=official_a, patrol_id=patrol.pk, deadline=deadline, responsible_person="李某")
    patrol, item = river_patrol_to_item(
        user=inspector, patrol_id=patrol.pk, deadline=deadline, responsible_person="李某", measures="封堵排口"
    )
    assert (item.unit_id, item.area, item.status, item.deadline) == (chief.unit_id, "water", "open", deadline)
    assert "茫溪河" in item.description and "排口异常排水" in item.description
    assert RiverPatrol.objects.get(pk=patrol.pk).rectification_item == item  # the item points at its patrol
    with pytest.raises(Stale):  # once only
        river_patrol_to_item(user=inspector, patrol_id=patrol.pk, deadline=deadline, responsible_person="李某")
    assert RectificationItem.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too (one-to-one)
        RectificationItemFactory(unit=chief.unit, source_patrol=patrol)


@pytest.mark.django_db
def test_a_patrol_without_findings_is_not_turned_into_an_item(chief, official_a, inspector):
    patrol = RiverPatrol.objects.create(chief=chief, unit=chief.unit, date=D(2026, 1, 5), stretch="王村段",
                                        entered_by=official_a)  # fmt: skip
    with pytest.raises(ValidationError):
        river_patrol_to_item(user=inspector, patrol_id=patrol.pk, deadline=timezone.localdate(),
                             responsible_person="李某")  # fmt: skip
    assert RectificationItem.objects.count() == 0


@pytest.mark.django_db
def test_forms_enter_a_patrol_and_turn_it_into_an_item(client_for, chief, official_a, inspector):
    client = client_for(official_a)
    today = timezone.localdate()
    response = client.post(
        reverse("tracker:patrol_create"),
        {"chief": chief.pk, "date": today.isoformat(), "stretch": "研城段", "problems": "河面漂浮物",
         "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")]},
    )  # fmt: skip
    patrol = RiverPatrol.objects.get()
    assert response.status_code == 302 and patrol.photos.count() == 1
    page = client_for(inspector).get(reverse("tracker:patrol_detail", args=[patrol.pk])).content.decode()
    assert "转为整改问题" in page
    response = client_for(inspector).post(
        reverse("rectifications:patrol_to_item", args=[patrol.pk]),
        {"responsible_person": "李某", "deadline": (today + dt.timedelta(days=10)).isoformat()},
    )
    assert response.status_code == 302
    patrol.refresh_from_db()
    assert patrol.rectification_item.code == f"HZ{today.year}-{patrol.pk:05d}"
    photo = patrol.photos.get()
    assert client_for(official_a).get(reverse("tracker:patrol_photo", args=[photo.pk])).status_code == 200


@pytest.mark.django_db
def test_frequency_page_lists_who_is_behind(client_for, chief, unit_a, official_a, leader):
    today = D(2026, 6, 17)  # a Wednesday
    village = RiverChief.objects.create(
        river=chief.river, level="village", person=Person.objects.create(name="张某", post="村主任", unit=unit_a),
        unit=unit_a, appointed_on=D(2026, 5, 28),
    )  # fmt: skip
    # county chief, ≥1 per month: patrols on the 1st of January–May → 5 complete months, none short (June is not
    # complete on the 17th). Village chief, ≥1 per week, appointed Thursday 28 May: the complete weeks after it are
    # 1–7, 8–14 June; one patrol on 3 June → the week of 8 June is short (1 short of 2 judged).
    for month in range(1, 6):
        RiverPatrol.objects.create(chief=chief, unit=unit_a, date=D(2026, month, 1), stretch="x",
                                   entered_by=official_a)  # fmt: skip
    RiverPatrol.objects.create(chief=village, unit=unit_a, date=D(2026, 6, 3), stretch="x", entered_by=official_a)
    rows = {r["chief"].pk: r for r in patrol_frequency(leader, as_of=today)}
    assert (rows[chief.pk]["periods"], rows[chief.pk]["short"], rows[chief.pk]["patrols"]) == (5, 0, 5)
    assert (rows[village.pk]["periods"], rows[village.pk]["short"], rows[village.pk]["behind"]) == (2, 1, True)
    assert rows[village.pk]["last_short"].start == D(2026, 6, 8)
    assert [r["chief"].pk for r in patrol_frequency(leader, as_of=today, behind_only=True)] == [village.pk]
    with time_machine.travel(dt.datetime(2026, 6, 17, 10, 0, tzinfo=BEIJING), tick=False):
        page = client_for(leader).get(reverse("tracker:patrol_frequency") + "?behind=1").content.decode()
    assert "张某" in page and "王某" not in page


@pytest.mark.django_db
def test_fishing_cases_counted_per_unit(official_a, official_b, unit_a, unit_b, leader):
    today = timezone.localdate()
    for n, outcome in enumerate(["penalty", "criminal"]):
        fishing_case_record(user=official_a, unit_id=unit_a.pk, case_no=f"JY-{n}", date=today, kind="fishing",
                            outcome=outcome)  # fmt: skip
    fishing_case_record(user=official_b, unit_id=unit_b.pk, case_no="MC-1", date=today, kind="gear", outcome="warning")
    with pytest.raises(ValidationError):  # case numbers are unique
        fishing_case_record(user=official_b, unit_id=unit_b.pk, case_no="MC-1", date=today, kind="gear",
                            outcome="warning")  # fmt: skip
    with pytest.raises(PermissionDenied):
        fishing_case_record(user=official_b, unit_id=unit_a.pk, case_no="X", date=today, kind="gear", outcome="warning")
    counts = [
        (c["unit__name"], c["n"], c["penalty"], c["criminal"]) for c in fishing_case_counts(leader, year=today.year)
    ]
    assert counts == [("井研县", 2, 1, 1), ("沐川县", 1, 0, 0)]
    assert [c["unit__name"] for c in fishing_case_counts(official_b, year=today.year)] == ["沐川县"]
    assert FishingBanCase.objects.count() == 3


def test_dashboards_count_this_months_patrols_and_this_years_fishing_cases_by_scope(
    client_for, leader, official_a, official_b, unit_a, unit_b
):
    # given: two patrols of A this month and one of B; one fishing-ban case of A this year and one last year
    from tracker.selectors.watch import watch_summary

    today = timezone.localdate()
    person_a = Person.objects.create(name="甲河长", post="副县长", unit=unit_a)
    person_b = Person.objects.create(name="乙河长", post="副县长", unit=unit_b)
    river, _ = River.objects.get_or_create(name="看板测试河")
    chief_a = RiverChief.objects.create(river=river, level="county", person=person_a, unit=unit_a)
    chief_b = RiverChief.objects.create(river=river, level="county", person=person_b, unit=unit_b)
    for chief, unit, n in ((chief_a, unit_a, 2), (chief_b, unit_b, 1)):
        for k in range(n):
            RiverPatrol.objects.create(chief=chief, unit=unit, date=today.replace(day=1), stretch=f"段{k}",
                                       problems="", entered_by=official_a)  # fmt: skip
    FishingBanCase.objects.create(
        unit=unit_a, case_no="YZ-1", date=today.replace(month=1, day=1), kind="gear", entered_by=official_a
    )
    FishingBanCase.objects.create(
        unit=unit_a,
        case_no="YZ-0",
        date=today.replace(year=today.year - 1, month=6, day=1),
        kind="gear",
        entered_by=official_a,
    )
    # then: the city sees 3 patrols and 1 case (last year's not counted); A sees its 2, B its 1 and no case
    city = watch_summary(user=leader, today=today)
    assert (city["patrols"], city["fishing_cases"]) == (3, 1)
    assert watch_summary(user=official_a, today=today, unit_id=unit_a.pk)["patrols"] == 2
    b = watch_summary(user=official_b, today=today, unit_id=unit_b.pk)
    assert (b["patrols"], b["fishing_cases"]) == (1, 0)
    page = client_for(official_a).get(reverse("targets:dashboard"), follow=True).content.decode()
    assert "本月河长巡河" in page and "本年禁渔执法案件" in page


def test_the_fishing_ban_list_is_paged_and_counted_not_cut(client_for, leader, official_a, unit_a):
    # given 101 cases this year: page 1 holds 100, page 2 the last one, and the page says 共 101 条
    today = timezone.localdate()
    FishingBanCase.objects.bulk_create(
        FishingBanCase(unit=unit_a, case_no=f"YZ-P{n:03d}", date=today, kind="gear", entered_by=official_a)
        for n in range(101)
    )
    client = client_for(leader)
    first = client.get(reverse("tracker:fishing_cases")).content.decode()
    assert "共 101 条" in first and first.count("YZ-P") == 100
    second = client.get(reverse("tracker:fishing_cases"), {"page": 2}).content.decode()
    assert second.count("YZ-P") == 1
