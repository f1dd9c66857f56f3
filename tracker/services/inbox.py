"""Writes of the inbox (站内消息): one entry per person told, in the caller's transaction; optional mail after commit.

Other apps' services call `inbox_notify` / `inbox_notify_units` at the moment something happens (a closing request
rejected, a value returned, notices sent), so a message exists exactly when the change it reports committed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from guardian.models import UserObjectPermission

from ..models import InboxEntry, InboxKind, Measure, Unit, User

logger = logging.getLogger(__name__)


def unit_reporters(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active people who report for each unit (a `report_unit` grant on it): unit id → user ids. One query."""
    ct = ContentType.objects.get_for_model(Unit)
    rows = UserObjectPermission.objects.filter(
        content_type=ct,
        permission__codename="report_unit",
        object_pk__in=[str(u) for u in unit_ids],
        user__is_active=True,
    ).values_list("object_pk", "user_id")
    out: dict[int, list[int]] = {}
    for unit_pk, user_id in rows:
        out.setdefault(int(unit_pk), []).append(user_id)
    return out


def inbox_notify(
    *, users: Iterable[int | User], kind: str, title: str, body: str = "", url: str = "", key: str = ""
) -> int:
    """Put one message in each person's inbox; with `key`, a person who already has that key gets nothing.

    Returns how many entries were created. Runs in the caller's transaction; mail (if INBOX_EMAIL) goes after commit.
    """
    ids = sorted({u.pk if isinstance(u, User) else int(u) for u in users})
    if key:
        had = set(InboxEntry.objects.filter(key=key, user_id__in=ids).values_list("user_id", flat=True))
        ids = [i for i in ids if i not in had]
    if not ids:
        return 0
    now = timezone.now()
    InboxEntry.objects.bulk_create(
        [
            InboxEntry(user_id=i, kind=kind, title=title[:200], body=body, url=url[:300], key=key, created_at=now)
            for i in ids
        ],
        ignore_conflicts=bool(key),  # a concurrent run that wrote the same key first wins
    )
    if settings.INBOX_EMAIL:
        transaction.on_commit(lambda: _mail(ids, title, body, url))
    return len(ids)


def inbox_notify_units(
    *, unit_ids: Iterable[int], kind: str, title: str, body: str = "", url: str = "", key: str = ""
) -> int:
    """`inbox_notify` to every official who reports for any of `unit_ids`."""
    people = {u for users in unit_reporters(unit_ids).values() for u in users}
    return inbox_notify(users=people, kind=kind, title=title, body=body, url=url, key=key)


def _mail(user_ids: list[int], title: str, body: str, url: str) -> None:
    """Best effort: a mail server that fails is logged; the inbox entry is the record."""
    for email in User.objects.filter(pk__in=user_ids).exclude(email="").values_list("email", flat=True):
        try:
            send_mail(title, f"{body}\n\n{url}".strip(), None, [email])
        except Exception:  # any SMTP failure: the message is in the inbox anyway
            logger.warning("inbox mail to %s failed", email, exc_info=True)


def inbox_mark_read(*, user, entry_id: int | None = None) -> int:
    """Mark one entry (or, without `entry_id`, all) of this person's inbox read; others' entries are never touched."""
    qs = InboxEntry.objects.filter(user=user, read_at__isnull=True)
    if entry_id is not None:
        qs = qs.filter(pk=entry_id)
    return qs.update(read_at=timezone.now())


@transaction.atomic
def inbox_daily_run(*, on: datetime.date) -> dict[str, int]:
    """The daily job: every notifier of `settings.INBOX_DAILY_NOTIFIERS` in one transaction, each telling its
    episodes once (by message key). The apps register their notifiers there, so tracker imports none of them.
    Returns the counts of all notifiers together."""
    counts: dict[str, int] = {}
    for path in settings.INBOX_DAILY_NOTIFIERS:
        counts.update(import_string(path)(on=on))
    logger.info("inbox daily on %s: %s", on, counts)
    return counts


def measures_due_notify(*, on: datetime.date) -> dict[str, int]:
    """Overdue and near-deadline tasks, told to their unit once per deadline."""
    counts = {InboxKind.MEASURE_OVERDUE.value: 0, InboxKind.MEASURE_DUE.value: 0}
    # "due soon" is the one window of the whole site (settings.DUE_SOON_DAYS), as on the task list
    soon = on + datetime.timedelta(days=settings.DUE_SOON_DAYS)
    open_tasks = Measure.objects.filter(progress__lt=100, deadline__lte=soon).only("pk", "title", "unit_id", "deadline")
    for m in open_tasks:
        overdue = m.deadline < on
        kind = InboxKind.MEASURE_OVERDUE if overdue else InboxKind.MEASURE_DUE
        counts[kind.value] += inbox_notify_units(
            unit_ids=[m.unit_id],
            kind=kind,
            title=f"{'任务逾期' if overdue else '任务临期'}：{m.title}",
            body=f"完成时限 {m.deadline:%Y-%m-%d}。",
            url=reverse("tracker:measure_detail", args=[m.pk]),
            key=f"{kind}:{m.pk}:{m.deadline:%Y%m%d}",  # a new deadline is a new episode
        )
    return counts
