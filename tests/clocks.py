"""The Beijing clock times every date-sensitive test runs at.

The machine's clock is UTC; the users' day is Beijing's (UTC+8). Between 00:00 and 08:00 Beijing time the UTC
date is still yesterday, so a rule that takes the UTC date of an aware moment is one day off for eight hours a
day — exactly what made the suite fail every night. A test marked `@pytest.mark.clock` runs once per entry below,
with the clock frozen at that moment and ticking from there (time-machine): on both sides of 08:00, late in the
evening, and across a month end and a year end (the first minutes of a new month and year in Beijing are still
the old month and year in UTC).
"""

from __future__ import annotations

import datetime

BEIJING = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")

CLOCKS: dict[str, datetime.datetime] = {
    "0030": datetime.datetime(2026, 6, 16, 0, 30, tzinfo=BEIJING),  # UTC date is 06-15: the nightly failure
    "0759": datetime.datetime(2026, 6, 16, 7, 59, tzinfo=BEIJING),  # last minute the UTC date lags
    "0800": datetime.datetime(2026, 6, 16, 8, 0, tzinfo=BEIJING),  # UTC and Beijing dates agree again
    "2330": datetime.datetime(2026, 6, 16, 23, 30, tzinfo=BEIJING),  # late evening
    "month-end": datetime.datetime(2026, 7, 1, 0, 30, tzinfo=BEIJING),  # July in Beijing, still June in UTC
    "year-end": datetime.datetime(2027, 1, 1, 0, 30, tzinfo=BEIJING),  # 2027 in Beijing, still 2026 in UTC
}
