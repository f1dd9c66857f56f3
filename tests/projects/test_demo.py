"""The demo seeder: idempotent, the speech's two stalled projects are stalled, rural money is paid slowest."""

from datetime import date

import pytest

from projects import selectors
from projects.demo import seed_projects
from projects.models import Fund, Payment, Project
from tracker.demo import DemoContext, seed_units_and_people


@pytest.mark.django_db
def test_seed_projects_is_idempotent_and_tells_the_speechs_story():
    ctx = DemoContext(password="Demo-pass-123", today=date(2022, 11, 28))
    seed_units_and_people(ctx)
    seed_projects(ctx)
    counts = (Fund.objects.count(), Project.objects.count(), Payment.objects.count())
    seed_projects(ctx)
    assert (Fund.objects.count(), Project.objects.count(), Payment.objects.count()) == counts
    assert 110 <= counts[1] <= 130
    assert set(Fund.objects.values_list("year", flat=True)) == {2020, 2021, 2022}
    assert set(Project.objects.values_list("stage", flat=True)) == {
        "reserve", "packaging", "application", "library", "funded", "started", "completed",
    }  # fmt: skip

    stalled = selectors.project_frame(Project.objects.all(), as_of=ctx.today)
    named = stalled.set_index("name")
    for name in ("沐川县沐溪河流域综合整治与生态建设工程", "犍为县罗城新店儿水库环境整治及生态修复"):
        assert named.loc[name, "stalled"], name

    overall = selectors.unit_execution()
    rural = selectors.unit_execution(area="rural")
    rates = [float(r) for r in overall["rate"] if r is not None]
    assert max(rates) - min(rates) > 20  # units differ
    paid = sum(rural["paid"]) / sum(rural["allocated"])
    assert paid < sum(overall["paid"]) / sum(overall["allocated"])  # rural sewage money is paid slower
