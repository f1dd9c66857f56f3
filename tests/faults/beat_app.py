"""The Celery app with a one-entry beat schedule firing every second, for the two-beats fault test
(`celery -A tests.faults.beat_app beat`). The entry is the real daily job, sent to the test's private queue."""

import os

from config.celery import app

app.conf.beat_schedule = {
    "two-beats": {
        "task": "rectifications.tasks.warnings_daily",
        "schedule": 1.0,
        "options": {"queue": os.environ.get("FAULT_QUEUE", "celery")},
    }
}

__all__ = ["app"]
