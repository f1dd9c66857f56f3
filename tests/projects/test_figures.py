"""Execution-rate arithmetic, rankings, reserve and indicators on small hand-computed data sets."""

from datetime import date
from decimal import Decimal

import pytest

from projects import selectors
from projects.choices import FundLevel, Stage
from tests.factories import FundFactory, PaymentFactory, ProjectFactory, UnitFactory, UserFactory

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = pytest.mark.clock

D = Decimal


@pytest.fixture
def city(unit_a, unit_b, settings):
    """Two units, three funds (2019 central, 2020 provincial, 2022 city), payments chosen for easy arithmetic.

    unit A: P1 (2019 central) allocated 100,000, paid 60,000 + 20,000 − 5,000 (reversal) = 75,000
            P2 (2022 city)    allocated  50,000, paid 10,000
    unit B: P3 (2020 prov.)   allocated 200,000, paid 40,000
            P4 (2019 central) allocated 100,000, paid 100,000 in 2021 (fully paid before 2022 → settled)
            P5 reserve, investment 300,000, no fund
    Funds: 2019 central 250,000 (200,000 assigned), 2020 provincial 200,000, 2022 city 80,000.
    """
    settings.PROJECTS_EXECUTION_TARGET = 80
    user = UserFactory(username="payer")
    f19 = FundFactory(name="2019中央", level=FundLevel.CENTRAL, year=2019, amount=D("250000"))
    f20 = FundFactory(name="2020省级", level=FundLevel.PROVINCIAL, year=2020, amount=D("200000"))
    f22 = FundFactory(name="2022市级", level=FundLevel.CITY, year=2022, amount=D("80000"))
    p1 = ProjectFactory(unit=unit_a, fund=f19, allocated_amount=D("100000"), investment=D("120000"))
    p2 = ProjectFactory(unit=unit_a, fund=f22, allocated_amount=D("50000"), investment=D("60000"))
    p3 = ProjectFactory(unit=unit_b, fund=f20, allocated_amount=D("200000"), investment=D("250000"))
    p4 = ProjectFactory(
        unit=unit_b, fund=f19, allocated_amount=D("100000"), investment=D("100000"), stage=Stage.COMPLETED
    )
    ProjectFactory(
        unit=unit_b, fund=None, allocated_amount=D("0"), investment=D("300000"), stage=Stage.RESERVE,
        planned_start=None, planned_completion=None,
    )  # fmt: skip
    first = PaymentFactory(project=p1, amount=D("60000"), paid_on=date(2021, 5, 1), entered_by=user)
    PaymentFactory(project=p1, amount=D("20000"), paid_on=date(2022, 3, 1), entered_by=user)
    PaymentFactory(project=p1, amount=D("-5000"), paid_on=date(2022, 3, 2), reverses=first, entered_by=user)
    PaymentFactory(project=p2, amount=D("10000"), paid_on=date(2022, 4, 1), entered_by=user)
    PaymentFactory(project=p3, amount=D("40000"), paid_on=date(2022, 5, 1), entered_by=user)
    PaymentFactory(project=p4, amount=D("100000"), paid_on=date(2021, 6, 1), entered_by=user)
    return {"f19": f19, "f20": f20, "f22": f22}


def test_fund_rate_is_paid_over_the_amount_the_city_received(city):
    frame = selectors.fund_execution().set_index("name")
    # 2019 central: paid 75,000 + 100,000 = 175,000 of 250,000 → 70.00 %; assigned 200,000; unassigned 50,000
    assert frame.loc["2019中央", "paid"] == D("175000")
    assert frame.loc["2019中央", "rate"] == D("70.00")
    assert frame.loc["2019中央", "unassigned"] == D("50000")
    # 2020 provincial: 40,000 / 200,000 = 20.00 %; 2022 city: 10,000 / 80,000 = 12.50 %
    assert frame.loc["2020省级", "rate"] == D("20.00")
    assert frame.loc["2022市级", "rate"] == D("12.50")


def test_unit_ranking_is_paid_over_allocated_to_the_units_projects(city, unit_a, unit_b):
    frame = selectors.unit_execution()
    # A: (75,000 + 10,000) / (100,000 + 50,000) = 56.67 %; B: (40,000 + 100,000) / 300,000 = 46.67 %
    assert list(frame["unit"]) == ["井研县", "沐川县"]
    assert list(frame["rate"]) == [D("56.67"), D("46.67")]
    assert list(frame["rank"].astype(int)) == [1, 2]


def test_unit_ranking_for_one_year_of_funds(city):
    frame = selectors.unit_execution(year=2019).set_index("unit")
    # 2019 funds only: A 75,000 / 100,000 = 75 %; B 100,000 / 100,000 = 100 %
    assert frame.loc["井研县", "rate"] == D("75.00") and frame.loc["沐川县", "rate"] == D("100.00")


def test_old_central_and_provincial_funds_against_target_with_gap(city):
    result = selectors.city_execution(before_year=2021)
    # funds 2019 central (250,000) + 2020 provincial (200,000) = 450,000; paid 175,000 + 40,000 = 215,000
    # rate 215,000 / 450,000 = 47.78 %; target 80 % → 360,000 needed → gap 145,000
    assert (result.amount, result.paid, result.rate) == (D("450000"), D("215000"), D("47.78"))
    assert result.gap == D("145000.00") and not result.met


def test_execution_by_year(city):
    frame = selectors.execution_by_year()
    rows = {(r["year"], r["level"]): r["rate"] for r in frame.to_dict("records")}
    assert rows == {(2022, "city"): D("12.50"), (2020, "provincial"): D("20.00"), (2019, "central"): D("70.00")}


def test_reserve_by_stage_counts_and_sums(city, leader):
    frame = selectors.reserve_by_stage(user=leader).set_index("stage")
    assert frame.loc[Stage.RESERVE, "count"] == 1 and frame.loc[Stage.RESERVE, "investment"] == D("300000")
    assert frame.loc[Stage.STARTED, "count"] == 3
    assert frame.loc[Stage.STARTED, "investment"] == D("430000")  # 120,000 + 60,000 + 250,000
    assert frame.loc[Stage.PACKAGING, "count"] == 0


def test_reserve_by_stage_counts_a_units_proposal_only_once_accepted(city, leader, unit_a):
    from projects.choices import ProposalStatus

    for status, investment in ((ProposalStatus.PROPOSED, "7000"), (ProposalStatus.DECLINED, "9000")):
        ProjectFactory(
            unit=unit_a, fund=None, allocated_amount=D("0"), investment=D(investment), stage=Stage.RESERVE,
            proposal_status=status, planned_start=None, planned_completion=None,
        )  # fmt: skip
    frame = selectors.reserve_by_stage(user=leader).set_index("stage")
    # only the city's P5 (300,000): the waiting (7,000) and the declined (9,000) proposals are not in the reserve
    assert (frame.loc[Stage.RESERVE, "count"], frame.loc[Stage.RESERVE, "investment"]) == (1, D("300000"))
    ProjectFactory(
        unit=unit_a, fund=None, allocated_amount=D("0"), investment=D("4000"), stage=Stage.RESERVE,
        proposal_status=ProposalStatus.ACCEPTED, planned_start=None, planned_completion=None,
    )  # fmt: skip
    frame = selectors.reserve_by_stage(user=leader).set_index("stage")
    # accepted: 300,000 + 4,000
    assert (frame.loc[Stage.RESERVE, "count"], frame.loc[Stage.RESERVE, "investment"]) == (2, D("304000"))


def test_reserve_by_stage_is_scoped_for_an_official(city, official_a):
    frame = selectors.reserve_by_stage(user=official_a).set_index("stage")
    assert frame["count"].sum() == 2  # only unit A's two projects


def test_indicator_budget_execution_rate_counts_open_projects_paid_to_as_of(city, unit_a, unit_b):
    frame = selectors.indicator_budget_execution_rate(year=2022, as_of=date(2022, 3, 31)).set_index("unit_id")
    # As of 2022-03-31, funds of 2022 and earlier, open projects only:
    # A: P1 paid 60,000 + 20,000 − 5,000 = 75,000; P2 paid 0 (its payment is 2022-04-01) → 75,000 / 150,000 = 50 %
    # B: P3 paid 0 (2022-05-01) of 200,000; P4 settled in 2021 → excluded → 0 / 200,000 = 0 %
    assert frame.loc[unit_a.pk, "value"] == 50.0
    assert frame.loc[unit_b.pk, "value"] == 0.0
    assert "已支付 7.50 万元 / 下达 15.00 万元" in frame.loc[unit_a.pk, "detail"]
    # the contract columns, then the stock ratio's numerator and denominator in 万元 (for the recovery need)
    assert list(frame.reset_index().columns) == ["unit_id", "value", "detail", "num", "den"]
    assert (frame.loc[unit_a.pk, "num"], frame.loc[unit_a.pk, "den"]) == (7.5, 15.0)


def test_indicator_budget_execution_rate_ignores_funds_of_later_years(city, unit_a):
    frame = selectors.indicator_budget_execution_rate(year=2021, as_of=date(2021, 12, 31)).set_index("unit_id")
    # 2021: the 2022 fund does not count; A: P1 60,000 / 100,000 = 60 %; B: P3 0 / 200,000, P4 100,000 / 100,000
    assert frame.loc[unit_a.pk, "value"] == 60.0
    assert frame.loc[UnitFactory(code="511129").pk, "value"] == pytest.approx(100000 / 300000 * 100, abs=0.01)


def test_indicator_rural_sewage_payment_rate_counts_only_rural_sewage_funds(city, unit_a, unit_b):
    from projects.choices import FundArea

    user = UserFactory(username="payer2")
    sewage = FundFactory(name="2021农村生活污水", year=2021, area=FundArea.RURAL_SEWAGE, amount=D("500000"))
    s1 = ProjectFactory(unit=unit_a, fund=sewage, allocated_amount=D("300000"))
    ProjectFactory(unit=unit_b, fund=sewage, allocated_amount=D("200000"))
    PaymentFactory(project=s1, amount=D("45000"), paid_on=date(2022, 2, 1), entered_by=user)
    PaymentFactory(project=s1, amount=D("30000"), paid_on=date(2022, 6, 1), entered_by=user)  # after as_of
    frame = selectors.indicator_rural_sewage_payment_rate(year=2022, as_of=date(2022, 3, 31)).set_index("unit_id")
    # Only the rural-sewage fund's projects count (the city fixture's other funds do not):
    # A: S1 paid 45,000 of 300,000 by 2022-03-31 → 15.00 %; B: S2 paid 0 of 200,000 → 0 %
    assert frame.loc[unit_a.pk, "value"] == 15.0
    assert frame.loc[unit_b.pk, "value"] == 0.0
    assert "已支付 4.50 万元 / 下达 30.00 万元（1 个在建资金项目）" in frame.loc[unit_a.pk, "detail"]
    # The overall execution rate still counts every fund: A = (75,000 + 45,000) / (150,000 + 300,000) = 26.67 %
    overall = selectors.indicator_budget_execution_rate(year=2022, as_of=date(2022, 3, 31)).set_index("unit_id")
    assert overall.loc[unit_a.pk, "value"] == pytest.approx(26.67, abs=0.01)


def test_execution_rate_indicators_with_no_project_give_an_empty_frame(city):
    # the city fixture has no rural-sewage fund: the indicator has nothing to say, and a scoring run reading it
    # must not fail (it raised KeyError 'unit_id' — found when the benchmark scored the real indicators)
    frame = selectors.indicator_rural_sewage_payment_rate(year=2022, as_of=date(2022, 3, 31))
    assert frame.empty and list(frame.columns) == ["unit_id", "value", "detail", "num", "den"]
    assert selectors.indicator_budget_execution_rate(year=1990, as_of=date(1990, 3, 31)).empty  # no fund yet


def test_indicator_stalled_project_count(unit_a, unit_b, settings):
    settings.PROJECTS_STALL_DAYS = 30
    settings.PROJECTS_BEHIND_TOLERANCE = 10
    # plan 2022-01-01 → 2022-04-11 (100 days); as of 2022-03-02 the line says 60 %
    common = {"planned_start": date(2022, 1, 1), "planned_completion": date(2022, 4, 11)}
    ProjectFactory(unit=unit_a, progress=60, **common)  # never reported: 60 days silent → stalled
    ProjectFactory(unit=unit_a, stage=Stage.COMPLETED, progress=100, **common)  # finished: not watched
    from projects.models import ProgressReport

    on_plan = ProjectFactory(unit=unit_b, **common)
    reporter = UserFactory(username="r")
    ProgressReport.objects.create(project=on_plan, reported_on=date(2022, 3, 1), progress=55, reported_by=reporter)
    # a later report (after as_of) must not count
    ProgressReport.objects.create(project=on_plan, reported_on=date(2022, 3, 20), progress=5, reported_by=reporter)
    frame = selectors.indicator_stalled_project_count(year=2022, as_of=date(2022, 3, 2)).set_index("unit_id")
    assert frame.loc[unit_a.pk, "value"] == 1.0  # silent
    assert frame.loc[unit_b.pk, "value"] == 0.0  # 55 % vs 60 % is within 10 points, reported yesterday
    assert "停滞 1 个" in frame.loc[unit_a.pk, "detail"]


def test_indicators_use_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        selectors.indicator_budget_execution_rate(year=2022, as_of=date(2022, 12, 31))
    # projects per unit, stalled per unit (decided in SQL), the first three stalled names per unit: three queries
    # whatever the number of projects (it was one query returning every project to a pandas rule)
    with django_assert_max_num_queries(3):
        selectors.indicator_stalled_project_count(year=2022, as_of=date(2022, 12, 31))
