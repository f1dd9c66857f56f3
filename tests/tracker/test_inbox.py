"""The inbox: each event puts exactly one entry in the inbox of the right people only, the top bar counts the
unread ones, reading marks them read, and the daily job tells each episode once."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rectifications import services as rect_services
from rectifications.choices import Status
from targets import services as target_services
from tests.factories import IndicatorFactory, MeasureFactory, ProjectFactory, RectificationItemFactory, UserFactory
from tracker.choices import Role
from tracker.models import InboxEntry, InboxKind
from tracker.services.inbox import inbox_daily_run, inbox_notify

pytestmark = pytest.mark.django_db


def inboxes() -> list[tuple[str, str]]:
    return sorted(InboxEntry.objects.values_list("user__username", "kind"))


def test_rejected_closing_request_reaches_the_units_officials_with_the_reason(actors, unit_a):
    colleague = UserFactory(username="official_a2", unit=unit_a, role=Role.COUNTY_OFFICIAL)
    item = RectificationItemFactory(unit=unit_a, status=Status.CLOSING_REQUESTED)
    rect_services.rectification_item_reject(item=item, user=actors["inspector"], comment="照片不能证明已完成")
    # both officials of unit A; not official_b, the department, the inspector, the leader or the admin
    assert inboxes() == [("official_a", InboxKind.ITEM_REJECTED), ("official_a2", InboxKind.ITEM_REJECTED)]
    entry = InboxEntry.objects.get(user=colleague)
    assert entry.body == "退回原因：照片不能证明已完成" and entry.url == reverse(
        "rectifications:detail", args=[item.pk]
    )


def test_new_notices_reach_the_units_officials_once(actors, unit_a):
    today = timezone.localdate()
    RectificationItemFactory(unit=unit_a, status=Status.IN_PROGRESS, deadline=today + dt.timedelta(days=3))
    rect_services.rectification_warnings_run(on=today)  # yellow → 提醒函
    assert inboxes() == [("official_a", InboxKind.NOTICE)]
    assert InboxEntry.objects.get().title.startswith("提醒函")
    rect_services.rectification_warnings_run(on=today)  # the same day again: no new notice, no new entry
    assert InboxEntry.objects.count() == 1


def test_returned_value_reaches_the_units_officials(actors, unit_a):
    ind = IndicatorFactory(code="inbox_rate")
    v = target_services.data_value_save(
        user=actors["official_a"], indicator=ind, unit_id=unit_a.pk, year=2026, month=3, value=80
    )
    v = target_services.data_value_submit(user=actors["official_a"], value_id=v.pk, version=v.version)
    target_services.data_value_return(user=actors["admin"], value_id=v.pk, version=v.version, note="与台账不符")
    assert inboxes() == [("official_a", InboxKind.VALUE_RETURNED)]
    assert InboxEntry.objects.get().body == "退回原因：与台账不符"


def test_daily_job_tells_stalled_projects_and_overdue_and_due_tasks_once(actors, unit_a, unit_b):
    today = timezone.localdate()
    ProjectFactory(unit=unit_a)  # started, planned from 2022, never reported: stalled
    MeasureFactory(unit=unit_a, deadline=today - dt.timedelta(days=1), progress=40)  # overdue
    MeasureFactory(unit=unit_b, deadline=today + dt.timedelta(days=5), progress=10)  # due within 15 days
    MeasureFactory(unit=unit_b, deadline=today - dt.timedelta(days=9), progress=100)  # done: nothing
    MeasureFactory(unit=unit_b, deadline=today + dt.timedelta(days=60))  # far: nothing
    counts = inbox_daily_run(on=today)
    assert counts == {"project_stalled": 1, "measure_overdue": 1, "measure_due": 1}
    assert inboxes() == [
        ("official_a", InboxKind.MEASURE_OVERDUE),
        ("official_a", InboxKind.PROJECT_STALLED),
        ("official_b", InboxKind.MEASURE_DUE),
    ]
    assert inbox_daily_run(on=today + dt.timedelta(days=1)) == {
        "project_stalled": 0,  # same month, still stalled: told already
        "measure_overdue": 0,
        "measure_due": 0,
    }


def test_top_bar_counts_unread_and_reading_marks_read(client_for, actors, official_a, official_b):
    inbox_notify(users=[official_a], kind=InboxKind.NOTICE, title="提醒函：T-1", url="/measures/")
    inbox_notify(users=[official_a], kind=InboxKind.NOTICE, title="警示函：T-2")
    other = InboxEntry.objects.create(user=official_b, kind=InboxKind.NOTICE, title="别人的消息")
    client = client_for(official_a)
    page = client.get(reverse("tracker:inbox")).content.decode()
    assert '<span class="inbox-count" aria-label="未读">2</span>' in page and "别人的消息" not in page
    first = InboxEntry.objects.get(title="提醒函：T-1")
    response = client.post(reverse("tracker:inbox_read", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/measures/"  # follows the entry's link
    assert client.post(reverse("tracker:inbox_read", args=[other.pk])).status_code == 404  # not theirs
    assert (
        '<span class="inbox-count" aria-label="未读">1</span>' in client.get(reverse("tracker:inbox")).content.decode()
    )
    client.post(reverse("tracker:inbox_read_all"))
    assert InboxEntry.objects.filter(read_at__isnull=True).count() == 1  # only official_b's entry is left unread
    assert 'class="inbox-count"' not in client.get(reverse("tracker:inbox")).content.decode()


def test_unread_count_is_one_query(client_for, official_a, django_assert_num_queries):
    inbox_notify(users=[official_a], kind=InboxKind.NOTICE, title="提醒函")
    client = client_for(official_a)
    client.get(reverse("tracker:inbox"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("tracker:unit_list"))
    assert sum("tracker_inboxentry" in q["sql"] for q in ctx.captured_queries) == 1


def test_mail_is_sent_after_commit_when_enabled(settings, official_a, django_capture_on_commit_callbacks):
    settings.INBOX_EMAIL = True
    official_a.email = "a@example.org"
    official_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        inbox_notify(users=[official_a], kind=InboxKind.NOTICE, title="提醒函：T-1", body="请按期整改")
    assert [(m.subject, m.to) for m in mail.outbox] == [("提醒函：T-1", ["a@example.org"])]


def test_no_mail_by_default(official_a, django_capture_on_commit_callbacks):
    official_a.email = "a@example.org"
    official_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        inbox_notify(users=[official_a], kind=InboxKind.NOTICE, title="提醒函")
    assert mail.outbox == []


def test_rejecting_says_what_happened(client_for, actors, unit_a):
    item = RectificationItemFactory(unit=unit_a, status=Status.CLOSING_REQUESTED)
    client = client_for(actors["inspector"])
    response = client.post(
        reverse("rectifications:act", args=[item.pk]),
        {"action": "reject", "comment": "照片不清", "version": item.version},
        follow=True,
    )
    assert "已退回整改：照片不清" in response.content.decode()
