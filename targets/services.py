"""Writes of the assessment: entered values through their workflow, scoring runs, publications."""

from __future__ import annotations

import calendar
import logging
import math
import threading
import time as time_module
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.common import audit
from tracker.common.frames import copy_into
from tracker.common.workflow import Stale, compare_and_set
from tracker.permissions import can_act_for_unit

from . import scoring
from .choices import EDITABLE_STATUSES, VALUE_WORKFLOW, RunStatus, Source, ValueStatus
from .models import (
    MAX_ENTERED_VALUE,
    AssessmentItem,
    AssessmentScheme,
    DataValue,
    DataValueEvent,
    GeoBoundary,
    Indicator,
    Publication,
    ScoreSnapshot,
    ScoringRun,
    UnitScore,
)
from .permissions import can_approve, can_compute
from .selectors import engine_items, frozen_item, load_frames, previous_year_totals

logger = logging.getLogger(__name__)
# How many times the watchdog puts back in the queue a run whose whole worker died, before marking it failed.
MAX_REQUEUES = 2


# --- entered values --------------------------------------------------------------------------------
@audit.audited
def data_value_save(
    *,
    user,
    indicator: Indicator,
    unit_id: int,
    year: int,
    month: int,
    value: float,
    note: str = "",
    verified: bool = False,
    reason: str = "",
) -> DataValue:
    """Enter or edit a unit's value as a draft. Changing an approved value needs a reason and a new approval."""
    if not can_act_for_unit(user, unit_id, "report"):
        raise PermissionDenied("只能为本单位填报数据")
    if indicator.source != Source.ENTERED:
        raise ValidationError("该指标由系统计算，不需要填报")
    if not math.isfinite(value) or abs(value) > MAX_ENTERED_VALUE:
        raise ValidationError(f"数值超出允许范围（绝对值不超过 {MAX_ENTERED_VALUE:.0e}）")
    low, high = indicator.entry_range
    if not low <= value <= high:
        raise ValidationError(f"数值须在 {low:g} 至 {high:g} 之间")
    key = {"indicator": indicator, "unit_id": unit_id, "year": year, "month": month}
    open_row = DataValue.objects.select_for_update().filter(**key).exclude(status=ValueStatus.APPROVED).first()
    if open_row is not None:
        if open_row.status not in EDITABLE_STATUSES:
            raise ValidationError("该数据已提交待审核，不能修改")
        DataValue.objects.filter(pk=open_row.pk).update(
            value=value, note=note, verified=verified, reason=reason or open_row.reason, version=open_row.version + 1
        )
        open_row.refresh_from_db()
        return open_row
    current = DataValue.objects.filter(**key, status=ValueStatus.APPROVED, superseded_at__isnull=True).first()
    if current is not None and not reason.strip():
        raise ValidationError("该数据已审核锁定，更正须填写更正原因并重新审核")
    row = DataValue.objects.create(
        **key,
        value=value,
        note=note,
        verified=verified,
        replaces=current,
        reason=reason.strip() if current else "",
        entered_by=user,
    )
    DataValueEvent.objects.create(value=row, actor=user, to_status=ValueStatus.DRAFT, note=reason.strip())
    return row


def _transition(*, user, value_id: int, expected_version: int, to: str, note: str = "") -> DataValue:
    """One move of VALUE_WORKFLOW: compare-and-set from the version the person saw, with its event row."""
    row = DataValue.objects.select_related("indicator").get(pk=value_id)
    if row.version != expected_version:  # moved since the page was loaded: a conflict, whatever the new status is
        raise Stale()
    move = VALUE_WORKFLOW.check(row.status, to, user)
    if move.capability == "act_for_unit" and not can_act_for_unit(user, row.unit_id, "report"):
        raise PermissionDenied(_("只能提交本单位的数据"))
    now = timezone.now()
    changes: dict = {"status": to}
    if to == ValueStatus.APPROVED:
        changes |= {"approved_by": user, "approved_at": now}
        if row.replaces_id:  # the correction takes over; the old value stays as history
            DataValue.objects.filter(pk=row.replaces_id, superseded_at__isnull=True).update(superseded_at=now)
    compare_and_set(
        DataValue.objects,
        pk=row.pk,
        expected_version=expected_version,
        state_field="status",
        state=row.status,
        **changes,
    )
    DataValueEvent.objects.create(value=row, actor=user, from_status=row.status, to_status=to, note=note)
    row.refresh_from_db()
    return row


def _expected(expected_version: int | None, version: int | None) -> int:
    """`expected_version` is the convention; `version=` is the older spelling, kept for existing callers."""
    if expected_version is None and version is None:
        raise TypeError("expected_version is required")
    return expected_version if expected_version is not None else version  # type: ignore[return-value]


@audit.audited
def data_value_submit(
    *, user, value_id: int, expected_version: int | None = None, version: int | None = None
) -> DataValue:
    """草稿/已退回 → 已提交, by an official of the value's unit."""
    return _transition(
        user=user, value_id=value_id, expected_version=_expected(expected_version, version), to=ValueStatus.SUBMITTED
    )


@audit.audited
def data_value_return(
    *, user, value_id: int, note: str, expected_version: int | None = None, version: int | None = None
) -> DataValue:
    """已提交 → 已退回, by an admin, with the reason."""
    if not note.strip():
        raise ValidationError(_("退回须填写原因"))
    row = _transition(
        user=user,
        value_id=value_id,
        expected_version=_expected(expected_version, version),
        to=ValueStatus.RETURNED,
        note=note.strip(),
    )
    from django.urls import reverse

    from tracker.models import InboxKind
    from tracker.services.inbox import inbox_notify_units

    inbox_notify_units(
        unit_ids=[row.unit_id],
        kind=InboxKind.VALUE_RETURNED,
        title=f"填报数据被退回：{row.indicator.name} {row.period_label}",
        body=f"退回原因：{note.strip()}",
        url=f"{reverse('targets:value_grid')}?unit={row.unit_id}&year={row.year}",
    )
    return row


@audit.audited
def data_value_approve(
    *, user, value_id: int, expected_version: int | None = None, version: int | None = None
) -> DataValue:
    """Approve and lock; the scores are recomputed after commit (coalesced with other approvals)."""
    row = _transition(
        user=user, value_id=value_id, expected_version=_expected(expected_version, version), to=ValueStatus.APPROVED
    )
    scores_request_for_year(year=row.year)
    return row


# --- scoring runs ----------------------------------------------------------------------------------
def default_as_of(year: int, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return min(today, date(year, 12, 31))


def scores_request(*, scheme: AssessmentScheme, as_of: date, user=None) -> tuple[ScoringRun, bool]:
    """Queue a computation, coalesced: while a run for this scheme and date is queued, reuse it.

    The queued run row is the outbox: it commits with the caller's transaction, and the task is sent after the
    commit. If the broker is down then, the request is still recorded (no error for the person) and the sweeper
    (`scores_sweep`, beat and worker start) sends it. A request coalescing into a queued run that was never sent
    tries to send it again. Returns (run, newly_queued).
    """
    if user is not None and not can_compute(user):
        raise PermissionDenied("只有市领导和系统管理员可以发起计分")
    existing = ScoringRun.objects.filter(scheme=scheme, as_of=as_of, status=RunStatus.QUEUED).first()
    if existing:
        if existing.sent_at is None and existing.created_at < timezone.now() - timedelta(
            seconds=settings.SCORING_SEND_GRACE_SECONDS
        ):  # its own send failed (not merely in flight, as in a burst of approvals): try again
            transaction.on_commit(lambda: send_run(run_id=existing.pk))
        return existing, False
    try:
        with transaction.atomic():
            run = ScoringRun.objects.create(scheme=scheme, as_of=as_of, status=RunStatus.QUEUED)
    except IntegrityError:  # someone queued it a moment ago
        return ScoringRun.objects.get(scheme=scheme, as_of=as_of, status=RunStatus.QUEUED), False
    transaction.on_commit(lambda: send_run(run_id=run.pk))
    return run, True


def send_run(*, run_id: int, queue: str | None = None) -> bool:
    """Hand a queued run to the broker and mark it sent; False (logged, left for the sweeper) if the broker fails.

    Sending twice is harmless: only the first message takes the run (compare-and-set queued → running).
    """
    from .tasks import compute_scores

    try:
        compute_scores.apply_async(args=[run_id], **({"queue": queue} if queue else {}))
    except Exception:  # any broker failure (connection refused, timeout, …): the run row keeps the request
        if compute_scores.app.conf.task_always_eager:
            raise  # inline mode: the "send" was the computation itself, let its error through as before
        logger.warning("scoring run %s: broker unavailable, left for the sweeper", run_id, exc_info=True)
        return False
    ScoringRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(sent_at=timezone.now())
    return True


def scores_sweep(*, queue: str | None = None, now=None) -> dict[str, int]:
    """Outbox sweeper and watchdog (beat every minute, and on worker start).

    - a queued run never sent (older than the send grace, so a send in flight is not doubled), or sent so long
      ago that its message must be lost, is sent (again);
    - a running run whose heartbeat stopped (its whole worker died: no process left to redeliver it soon) is
      put back in the queue and sent, or marked failed after MAX_REQUEUES or when a newer queued run of the
      same date already exists.
    Returns counts for the log.
    """
    from django.db.models import F
    from django.db.models.functions import Coalesce

    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "sent": 0, "unsent": 0}
    stale_before = now - timedelta(seconds=settings.SCORING_STALE_SECONDS)
    stale = (
        ScoringRun.objects.filter(status=RunStatus.RUNNING)
        .annotate(seen=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(seen__lt=stale_before)
    )
    for run in stale:
        # compare-and-set on the heartbeat seen: a run that just came back to life is left alone
        same = ScoringRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, task_id=run.task_id, heartbeat_at=run.heartbeat_at
        )
        silent = int((now - run.seen).total_seconds())
        if run.requeues < MAX_REQUEUES:
            try:
                with transaction.atomic():
                    moved = same.update(
                        status=RunStatus.QUEUED,
                        task_id="",
                        sent_at=None,
                        progress=0,
                        started_at=None,
                        heartbeat_at=None,
                        requeues=F("requeues") + 1,
                    )
            except IntegrityError:  # a newer request for the same date is already queued: it does the work
                moved = same.update(
                    status=RunStatus.FAILED,
                    finished_at=now,
                    error=f"计算进程失联 {silent} 秒，已由同一截止日的新计分请求接替；原排名保持不变。",
                )
                counts["failed"] += moved
                continue
            if moved:
                logger.warning("scoring run %s: no heartbeat for %s s, re-queued", run.pk, silent)
                counts["requeued"] += 1
        else:
            counts["failed"] += same.update(
                status=RunStatus.FAILED,
                finished_at=now,
                error=f"计算进程失联 {silent} 秒（已重新排队 {run.requeues} 次），已停止重试；原排名保持不变。",
            )
    grace = now - timedelta(seconds=settings.SCORING_SEND_GRACE_SECONDS)
    lost = now - timedelta(seconds=settings.SCORING_RESEND_SECONDS)
    due = ScoringRun.objects.filter(status=RunStatus.QUEUED).filter(
        Q(sent_at__isnull=True, created_at__lt=grace) | Q(sent_at__isnull=True, requeues__gt=0) | Q(sent_at__lt=lost)
    )
    for run_id in due.order_by("created_at").values_list("pk", flat=True):
        counts["sent" if send_run(run_id=run_id, queue=queue) else "unsent"] += 1
    return counts


def scores_request_for_year(*, year: int) -> list[ScoringRun]:
    """After approved values change: recompute every published scheme of that year, as of today."""
    return [
        scores_request(scheme=s, as_of=default_as_of(year))[0]
        for s in AssessmentScheme.objects.filter(year=year, published=True)
    ]


def scores_run_queued(
    *, run_id: int, task_id: str = "", progress: Callable[[int], None] | None = None
) -> ScoringRun | None:
    """Take a queued run (compare-and-set queued → running) and compute it; None if already taken.

    `task_id` is the Celery message's id. The same message may take its run again: after the worker process
    died mid-run (redelivered: acks late + reject on worker lost) or on an automatic retry. The run is then
    "running" or "failed" with this task id, nothing of it was written (one transaction), and it is recomputed
    from scratch. Another message (a duplicate request) never takes a run that is not queued.
    """
    now = timezone.now()
    taken = ScoringRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=1, task_id=task_id
    )
    if not taken and task_id:
        taken = ScoringRun.objects.filter(
            pk=run_id, status__in=[RunStatus.RUNNING, RunStatus.FAILED], task_id=task_id
        ).update(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=1, error="", finished_at=None)
    if not taken:
        return None
    with _heartbeat(run_id, task_id):
        return _compute(ScoringRun.objects.select_related("scheme").get(pk=run_id))


def scores_compute(*, scheme_id: int, as_of: date) -> ScoringRun:
    """Compute a scheme's scores as of a date now, in this process (demo, benchmark, tests)."""
    run = ScoringRun.objects.create(
        scheme_id=scheme_id, as_of=as_of, status=RunStatus.RUNNING, started_at=timezone.now()
    )
    with _heartbeat(run.pk, ""):
        return _compute(ScoringRun.objects.select_related("scheme").get(pk=run.pk))


@contextmanager
def _heartbeat(run_id: int, task_id: str):
    """Renew the run's `heartbeat_at` every SCORING_HEARTBEAT_SECONDS from a thread while the body computes.

    A thread, because the computation may sit for minutes in one indicator's source without a progress call.
    It has its own database connection (autocommitted, so the watchdog sees it) and closes it when done. When
    the whole worker dies the thread dies with it and the heartbeat stops: that is what the watchdog reads.
    """
    from django.db import connections

    every = settings.SCORING_HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                ScoringRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, task_id=task_id).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed heartbeat is not the computation's failure; the watchdog has slack
            logger.warning("scoring run %s: heartbeat failed", run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)

    thread = threading.Thread(target=beat, name=f"scoring-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


class AttemptTakenOver(Exception):
    """This attempt at a run no longer holds it: the watchdog re-queued the run (and maybe another worker took it)."""


def _attempt(run: ScoringRun) -> QuerySet[ScoringRun]:
    """The run, as long as this attempt still holds it: running, with the task id and re-queue count it was taken
    with. The watchdog's re-queue clears the task id and counts a re-queue, so once it moved the run, every later
    write of this attempt (progress, result, failure) matches no row — whoever takes the run next owns it alone,
    even when that is a redelivery of the same message (same task id, one more re-queue)."""
    return ScoringRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, task_id=run.task_id, requeues=run.requeues)


def _progress(run: ScoringRun, pct: int) -> None:
    # autocommitted so the page polling the status sees it while the run goes on
    _attempt(run).update(progress=pct)


PROGRESS_EVERY = 0.5  # seconds: the status page polls every 2 s; more writes than that nobody sees


def _progress_writer(run: ScoringRun) -> Callable[[int], None]:
    """`_progress` for the load step's many small steps (one per computed indicator): writes at most one update
    each `PROGRESS_EVERY` seconds (each was a committed UPDATE, ~0.4 s of a national run under load)."""
    last = [time_module.monotonic()]

    def write(pct: int) -> None:
        now = time_module.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            _progress(run, pct)

    return write


def _compute(run: ScoringRun) -> ScoringRun:
    """Compute and write `run` as the attempt that holds it (see `_attempt`).

    An attempt that lost the run (re-queued by the watchdog while it was silent, e.g. a worker stalled rather than
    dead) writes nothing: its result is rolled back and its failure is not recorded — the run's status belongs to
    the attempt that holds it now. It returns the run as that attempt left it, without raising (a retry of a
    superseded attempt would only find the run taken)."""
    try:
        pairs = engine_items(run.scheme)
        items, values, unit_ids = load_frames(run.scheme, run.as_of, progress=_progress_writer(run), pairs=pairs)
        scores = scoring.score_items(items, values, unit_ids, explain_rows=False)
        _progress(run, 70)
        scores = _with_risks(scores, values, items, run.as_of)
        totals = scoring.rank_totals(scores, previous_year_totals(run.scheme, run.as_of), items, run.scheme.caps)
        _progress(run, 80)
        _write(run, scores, totals, pairs)
    except AttemptTakenOver:
        logger.warning("scoring run %s: taken over after a re-queue; this attempt's result is dropped", run.pk)
        return ScoringRun.objects.get(pk=run.pk)
    except Exception as exc:
        failed = _attempt(run).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        if not failed:
            logger.warning("scoring run %s: an attempt taken over after a re-queue failed: %r", run.pk, exc)
            return ScoringRun.objects.get(pk=run.pk)
        logger.exception("scoring run %s failed", run.pk)
        raise
    run.refresh_from_db()
    return run


def months_elapsed(as_of: date) -> float:
    """The part of the year a value as of `as_of` covers, in months (31 Oct → 10.0)."""
    return as_of.month - 1 + as_of.day / calendar.monthrange(as_of.year, as_of.month)[1]


def _with_risks(scores: pd.DataFrame, values: pd.DataFrame, items: list[scoring.Item], as_of: date) -> pd.DataFrame:
    """The run's scores with each pair's projection, points lost / at risk and recovery need (vectorised)."""
    extra = values[["item_id", "unit_id", *[c for c in ("months", "num", "den") if c in values]]]
    frame = scores.merge(extra, on=["item_id", "unit_id"], how="left")
    frame = frame.assign(value=frame["raw_value"])  # the engine rounds it again at the item's precision
    risks = scoring.assess_risks(frame, items, months_elapsed(as_of))
    keep = [
        "item_id",
        "unit_id",
        "projected",
        "points_lost",
        "points_at_risk",
        "need_kind",
        "need_amount",
        "need_total",
    ]
    return scores.merge(risks[keep], on=["item_id", "unit_id"], how="left")


def _bulk_insert(model, frame: pd.DataFrame) -> None:
    """Insert a frame's rows: a binary COPY on PostgreSQL (`copy_into`), else bulk_create."""
    from django.db import connection

    if frame.empty:
        return
    if connection.vendor == "postgresql":
        copy_into(model._meta.db_table, frame)
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    model.objects.bulk_create([model(**r) for r in records], batch_size=5000)


SNAPSHOT_FIELDS = [
    "raw_value",
    "value",
    "target",
    "baseline",
    "applicable",
    "status",
    "points",
    "max_points",
    "item_rank",
    "detail",
    "na_reason",
    "projected",
    "points_lost",
    "points_at_risk",
    "need_kind",
    "need_amount",
    "need_total",
]


def _write(
    run: ScoringRun,
    scores: pd.DataFrame,
    totals: pd.DataFrame,
    pairs: list[tuple[AssessmentItem, scoring.Item]] | None = None,
) -> None:
    """All facts of the run in one transaction. Earlier unpublished runs of the same date are not deleted: they
    are marked superseded, pointing at this run, so a page or export that pinned one keeps reading a whole run."""
    scheme, as_of = run.scheme, run.as_of
    snaps = pd.DataFrame(
        {
            "run_id": run.pk,
            "scheme_id": scheme.pk,
            "unit_id": scores["unit_id"].astype(int),
            "item_id": scores["item_id"].astype(int),
            "as_of": as_of.isoformat(),
        }
    )
    for col in SNAPSHOT_FIELDS:
        snaps[col] = scores[col] if col in scores else np.nan
    for col in ("raw_value", "value", "target", "baseline", "points", "max_points", "projected", "need_amount"):
        snaps[col] = snaps[col].astype(float)
    snaps["need_total"] = snaps["need_total"].astype(float)
    snaps["item_rank"] = snaps["item_rank"].astype(float).round().astype("Int64")
    snaps["points_lost"] = snaps["points_lost"].astype(float).fillna(0.0)
    snaps["points_at_risk"] = snaps["points_at_risk"].astype(float).fillna(0.0)
    snaps["applicable"] = snaps["applicable"].fillna(True).astype(bool)
    for col in ("status", "detail", "na_reason", "need_kind"):
        snaps[col] = snaps[col].fillna("").astype(str)
    snaps["detail"] = snaps["detail"].str.slice(0, 300)
    snaps["legacy_explanation"] = ""  # rendered on read from the numbers above
    sums = scores.groupby("unit_id")[["points_lost", "points_at_risk"]].sum().round(2)
    totals = totals.merge(sums, left_on="unit_id", right_index=True, how="left")
    with transaction.atomic():
        # hold the run for this attempt until the commit (a watchdog re-queue waits, or has already happened: then
        # nothing of this attempt is written)
        if not _attempt(run).select_for_update().values_list("pk", flat=True):
            raise AttemptTakenOver(run.pk)
        _hold_references(scheme.pk, snaps)
        same_date = ScoringRun.objects.filter(scheme=scheme, as_of=as_of, status=RunStatus.SUCCEEDED).exclude(pk=run.pk)
        published = same_date.filter(publication__isnull=False).order_by("-created_at").first()
        previous = (
            ScoringRun.objects.filter(scheme=scheme, status=RunStatus.SUCCEEDED, as_of__lt=as_of)
            .order_by("-as_of", "-created_at")
            .first()
        )
        before = dict(UnitScore.objects.filter(run=previous).values_list("unit_id", "rank")) if previous else {}
        prev_rank = totals["unit_id"].map(before).astype("Int64")
        rows = pd.DataFrame(
            {
                "run_id": run.pk,
                "unit_id": totals["unit_id"].astype(int),
                "total": totals["total"].astype(float),
                "rank": totals["rank"].astype("Int64"),
                "previous_total": totals["previous_total"].astype(float),
                "improvement": totals["improvement"].astype(float),
                "improvement_rank": totals["improvement_rank"].astype("Int64"),
                "base": totals["base"].astype(float) if "base" in totals else totals["total"].astype(float),
                "scale": totals["scale"].astype(float) if "scale" in totals else 1.0,
                "bonus": totals["bonus"].astype(float) if "bonus" in totals else 0.0,
                "deduction": totals["deduction"].astype(float) if "deduction" in totals else 0.0,
                "vetoed": totals["vetoed"].astype(bool),
                "previous_rank": prev_rank,
                "movement": (prev_rank - totals["rank"].astype("Int64")).astype("Int64"),
                "points_lost": totals["points_lost"].astype(float).fillna(0.0),
                "points_at_risk": totals["points_at_risk"].astype(float).fillna(0.0),
            }
        )
        # earlier unpublished runs of this date are superseded (kept whole), never a second truth in force
        same_date.filter(publication__isnull=True).update(status=RunStatus.SUPERSEDED, replaced_by=run)
        _bulk_insert(ScoreSnapshot, snaps)
        _bulk_insert(UnitScore, rows)
        note = _change_note(published, totals) if published else ""
        frozen = [frozen_item(it, e) for it, e in pairs] if pairs else []
        _attempt(run).update(
            status=RunStatus.SUCCEEDED,
            progress=100,
            finished_at=timezone.now(),
            error="",
            supersedes=published,
            change_note=note,
            previous_run=previous,
            items_frozen=frozen,
        )


class ReferenceGone(Exception):
    """A unit or an item the run scored was deleted while it computed."""


def _hold_references(scheme_id: int, snaps: pd.DataFrame) -> None:
    """What the snapshots point at exists and stays until this transaction ends (they have no database foreign
    keys, see `ScoreSnapshot`): the scheme, its items and the units, locked FOR KEY SHARE as a foreign-key check
    would lock them — one statement per table instead of a check per row. Raises `ReferenceGone` (the run fails
    with the reason, nothing is written) when one is missing."""
    from django.db import connection

    wanted = [
        ("targets_assessmentscheme", _("考核方案"), [scheme_id]),
        ("targets_assessmentitem", _("考核项目"), sorted(int(i) for i in snaps["item_id"].unique())),
        ("tracker_unit", _("单位"), sorted(int(u) for u in snaps["unit_id"].unique())),
    ]
    with connection.cursor() as cur:
        for table, what, ids in wanted:
            found: set[int] = set()
            if connection.vendor == "postgresql":
                cur.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) FOR KEY SHARE", [ids])
                found.update(pk for (pk,) in cur.fetchall())
            else:  # SQLite, one writer at a time: existence is enough; in chunks under its parameter limit
                for start in range(0, len(ids), 900):
                    part = ids[start : start + 900]
                    cur.execute(f"SELECT id FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part)
                    found.update(pk for (pk,) in cur.fetchall())
            missing = sorted(set(ids) - found)
            if missing:
                raise ReferenceGone(
                    _("计算期间有%(what)s被删除（编号 %(ids)s），本次结果未保存，请重新计算。")
                    % {"what": what, "ids": "、".join(map(str, missing[:10]))}
                )


def _change_note(published: ScoringRun, totals: pd.DataFrame) -> str:
    """What changed against the published ranking, unit by unit (a visible note, never a silent rewrite)."""
    old = {
        u: (t, r, name)
        for u, t, r, name in UnitScore.objects.filter(run=published).values_list(
            "unit_id", "total", "rank", "unit__name"
        )
    }
    lines = []
    for r in totals.itertuples(index=False):
        before = old.get(int(r.unit_id))
        if before and (abs(before[0] - r.total) > 1e-9 or before[1] != r.rank):
            lines.append(f"{before[2]}：总分 {before[0]:.2f} → {r.total:.2f}，排名 {before[1]} → {int(r.rank)}")
    head = f"更正已于 {published.publication.published_at:%Y-%m-%d} 通报的排名（数据更正后重新计分）"
    return head + ("：\n" + "\n".join(lines) if lines else "：总分与排名均无变化")


def runs_prune(*, keep_days: int = 60, today: date | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete the scoring runs nobody can need any more, with their snapshots and totals; returns the counts.

    Kept, whatever their age: published runs (and the runs a correction supersedes), queued and running runs,
    every run of the last `keep_days` days (a page or export that pinned a replaced run finishes reading it),
    and per scheme the month-end run of every month (the newest run of the month's last scored date: the trend
    charts and last year's comparison read those) and the run each kept run was compared with. Deleted: older
    superseded and failed runs, and older succeeded runs that are none of the above. Snapshots and totals go by
    one set-based DELETE each (no rows are loaded).
    """
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=keep_days), time.min))
    old = ScoringRun.objects.filter(created_at__lt=cutoff, publication__isnull=True).exclude(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    )
    succeeded = pd.DataFrame(
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).values("pk", "scheme_id", "as_of", "created_at"),
        columns=["pk", "scheme_id", "as_of", "created_at"],
    )
    keep: set[int] = set()
    if not succeeded.empty:
        newest = succeeded.sort_values(["scheme_id", "as_of", "created_at", "pk"])
        newest = newest.drop_duplicates(["scheme_id", "as_of"], keep="last")
        newest["month"] = pd.to_datetime(newest["as_of"]).dt.to_period("M")
        keep |= set(newest.drop_duplicates(["scheme_id", "month"], keep="last")["pk"].astype(int))
    kept_or_young = ScoringRun.objects.exclude(pk__in=old.values("pk")) | ScoringRun.objects.filter(pk__in=keep)
    keep |= set(kept_or_young.exclude(previous_run=None).values_list("previous_run_id", flat=True))
    keep |= set(ScoringRun.objects.exclude(supersedes=None).values_list("supersedes_id", flat=True))
    doomed = list(old.exclude(pk__in=keep).values_list("pk", flat=True))
    counts = {
        "runs": len(doomed),
        "snapshots": ScoreSnapshot.objects.filter(run_id__in=doomed).count() if doomed else 0,
        "totals": UnitScore.objects.filter(run_id__in=doomed).count() if doomed else 0,
    }
    if dry_run or not doomed:
        return counts
    with transaction.atomic():
        ScoreSnapshot.objects.filter(run_id__in=doomed).delete()
        UnitScore.objects.filter(run_id__in=doomed).delete()
        # a doomed run may still be named by another doomed run (replaced_by / previous_run): SET_NULL handles it
        ScoringRun.objects.filter(pk__in=doomed).delete()
    logger.info("scoring runs pruned: %s", counts)
    return counts


def scores_preview(*, scheme: AssessmentScheme, as_of: date) -> pd.DataFrame:
    """The ranking the scheme as it stands would give as of `as_of`, computed and not stored (a dry run), beside
    the ranking in force. Columns: unit_id, unit_name, total, rank, vetoed, current_total, current_rank, change.
    """
    from tracker.models import Unit

    pairs = engine_items(scheme)
    items, values, unit_ids = load_frames(scheme, as_of, pairs=pairs)
    scores = scoring.score_items(items, values, unit_ids, explain_rows=False)
    totals = scoring.rank_totals(scores, None, items, scheme.caps)
    current = (
        ScoringRun.objects.filter(scheme=scheme, status=RunStatus.SUCCEEDED).order_by("-as_of", "-created_at").first()
    )
    now = pd.DataFrame(
        UnitScore.objects.filter(run=current).values("unit_id", "total", "rank") if current else [],
        columns=["unit_id", "total", "rank"],
    ).rename(columns={"total": "current_total", "rank": "current_rank"})
    names = pd.DataFrame(Unit.objects.filter(pk__in=unit_ids).values("pk", "name"), columns=["pk", "name"])
    out = totals[["unit_id", "total", "rank", "vetoed"]].merge(now, on="unit_id", how="left")
    out = out.merge(names.rename(columns={"pk": "unit_id", "name": "unit_name"}), on="unit_id", how="left")
    out["change"] = out["current_rank"] - out["rank"].astype(float)
    return out.sort_values(["rank", "unit_name"]).reset_index(drop=True)


@audit.audited
def publication_create(*, user, run_id: int, title: str) -> Publication:
    """Freeze a run as published in a bulletin; later corrections of its date make a new run."""
    if not can_approve(user):
        raise PermissionDenied("只有系统管理员可以发布排名")
    run = ScoringRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise ValidationError("该计分结果已不存在（已被重新计分替换），请刷新后发布最新结果")
    if run.status != RunStatus.SUCCEEDED:
        raise ValidationError("只能发布已完成的计分结果")
    if Publication.objects.filter(run=run).exists():
        raise ValidationError("该排名已发布")
    return Publication.objects.create(
        run=run, title=title.strip() or f"{run.scheme} {run.as_of} 排名", published_by=user
    )


# --- dashboards: map boundaries ----------------------------------------------------------------------
def geo_boundary_save(*, boundary: GeoBoundary, doc: dict | None) -> GeoBoundary:
    """Store a boundary (a parsed, checked FeatureCollection from `targets.geo.parse_boundary`)."""
    if doc is not None:
        boundary.geojson = doc
        boundary.feature_count = len(doc["features"])
    boundary.save()
    return boundary
