"""Calendar dates are Beijing dates, at any hour (tracker.dates and the check that keeps `.date()` out)."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from tracker.dates import days_since, local_date

ROOT = Path(__file__).resolve().parents[2]
UTC = datetime.UTC


def test_local_date_of_an_aware_moment_is_the_beijing_date():
    # 2026-06-15 16:30 UTC is 2026-06-16 00:30 in Beijing (UTC+8): the UTC date lags by one.
    moment = datetime.datetime(2026, 6, 15, 16, 30, tzinfo=UTC)
    assert moment.date() == datetime.date(2026, 6, 15)
    assert local_date(moment) == datetime.date(2026, 6, 16)
    # 2026-06-16 00:00 UTC is 08:00 in Beijing: both dates agree.
    assert local_date(datetime.datetime(2026, 6, 16, 0, 0, tzinfo=UTC)) == datetime.date(2026, 6, 16)
    # 2026-12-31 16:00 UTC is the first moment of 2027 in Beijing.
    assert local_date(datetime.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == datetime.date(2027, 1, 1)


def test_local_date_keeps_naive_wall_clock_values_and_plain_dates():
    # A naive datetime (an Excel cell) is a Beijing wall-clock reading already: no shift.
    assert local_date(datetime.datetime(2026, 6, 16, 0, 30)) == datetime.date(2026, 6, 16)  # noqa: DTZ001
    assert local_date(datetime.date(2026, 6, 16)) == datetime.date(2026, 6, 16)
    assert local_date(None) is None


@pytest.mark.clock
def test_days_since_counts_beijing_calendar_days(_clock):
    today = timezone.localdate()
    # 9 × 24 h ago is 9 calendar days ago on the Beijing clock, whatever the hour.
    assert days_since(timezone.now() - datetime.timedelta(days=9), today) == 9
    assert days_since(timezone.now(), today) == 0
    assert days_since(None, today) is None
    # The frozen clock is the one the parametrisation chose (tests/clocks.py), seen in Beijing time.
    assert timezone.localtime().strftime("%H:%M") == _clock.strftime("%H:%M")


def test_check_refuses_date_calls_and_passes_the_product(tmp_path):
    from scripts.check_local_dates import offences

    # A zero-argument .date() call is refused wherever it stands; .date(…) with arguments and attribute reads are not.
    source = "import datetime\nx = obj.created_at.date()\ny = datetime.date(2026, 1, 1)\nz = obj.date\n"
    assert offences(source) == [2]
    done = subprocess.run([sys.executable, "scripts/check_local_dates.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    bad = ROOT / "tracker" / "_tmp_bad_dates_check.py"
    bad.write_text("def f(dt):\n    return dt.date()\n", encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "scripts/check_local_dates.py"], cwd=ROOT, capture_output=True, text=True
        )
    finally:
        bad.unlink()
    assert done.returncode == 1 and "tracker/_tmp_bad_dates_check.py:2" in done.stdout
