"""The ranking on the table layer: one definition (targets.tables.RankingTable) for the page, its Excel export and
the leaders' dashboard export — the same headers, the same order and the same two-decimal rounding."""

import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.test import RequestFactory
from django.urls import reverse

from targets import services
from targets.tables import RankingTable
from tests.targets.conftest import AS_OF


def _item(pk, name, max_points):
    return SimpleNamespace(pk=pk, indicator=SimpleNamespace(name=name), max_points=max_points)


def _row(pk, name, rank, total, movement, items):
    return {
        "unit": SimpleNamespace(pk=pk, name=name),
        "rank": rank,
        "total": total,
        "movement": movement,
        "improvement_rank": None,
        "vetoed": False,
        "items": items,
    }


def _cell(points, status="met"):
    return {"points": points, "status": status, "no_data": False}


HAND = {
    "run": SimpleNamespace(pk=1),
    "items": [_item(11, "优良天数率", 10.0), _item(12, "断面达标率", 7.5)],
    "rows": [
        # 9.815 rounds half up to 9.82 (float round() would give 9.81: 9.815 is 9.81499… in binary)
        _row(1, "甲县", 1, 17.315, 2, [_cell(9.815), _cell(7.5)]),
        _row(2, "乙区", 2, 12.0, -1, [_cell(6.0), _cell(6.0)]),
        _row(3, "丙县", 3, 8.004, None, [_cell(8.004), {"points": 7.5, "status": "na", "no_data": False}]),
    ],
}


def test_headers_name_each_items_full_points_once_for_page_and_excel():
    table = RankingTable(HAND, RequestFactory().get("/"))
    page = [h["label"] for h in table.headers()]
    _title, excel, _rows, formats = table.export_sheet()
    assert (
        page
        == excel
        == ["排名", "单位", "总分", "较上期名次变化", "进步排名", "优良天数率（10分）", "断面达标率（7.5分）"]
    )
    assert formats[2] == formats[5] == "#,##0.00"


def test_page_and_excel_round_the_same_way():
    table = RankingTable(HAND, RequestFactory().get("/"))
    rows = list(table.export_rows())
    # total 17.315 → 17.32, item 9.815 → 9.82 (half up); 不涉及 has no points
    assert rows[0] == [1, "甲县", Decimal("17.32"), 2, None, Decimal("9.82"), Decimal("7.50")]
    assert rows[2] == [3, "丙县", Decimal("8.00"), None, None, Decimal("8.00"), None]
    body = table.body()
    assert [str(c) for c, _css in body[0]["cells"]][5:] == ["9.82", "7.50"]
    assert "<strong>17.32</strong>" in str(body[0]["cells"][2][0])
    assert "不涉及" in str(body[2]["cells"][6][0])


def test_sorted_by_an_item_page_and_excel_in_the_same_order():
    table = RankingTable(HAND, RequestFactory().get("/", {"sort": "-item11"}))
    assert [r["unit"].name for r in table.page.object_list] == ["甲县", "丙县", "乙区"]  # 9.815 > 8.004 > 6.0
    assert [r[1] for r in table.export_rows()] == ["甲县", "丙县", "乙区"]
    unsortable = RankingTable(HAND, RequestFactory().get("/", {"sort": "unit"}))
    assert unsortable.sort == ""  # the unit name is not a sort key: the stored rank order stays


@pytest.mark.django_db
def test_the_three_exports_are_one_table(client_for, leader, scheme, fake_sources):
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    client = client_for(leader)

    def sheet(response, title=None):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [list(r) for r in (book[title] if title else book.active).iter_rows(values_only=True)]

    page_export = sheet(client.get(reverse("targets:index"), {"scheme": scheme.pk, "run": run.pk, "export": "xlsx"}))
    run_export = sheet(client.get(reverse("targets:ranking_export", args=[run.pk])))
    city = sheet(client.get(reverse("targets:dashboard_city_export"), {"scheme": scheme.pk}), "综合排名")
    assert page_export == run_export == city
    page = client.get(reverse("targets:index"), {"scheme": scheme.pk, "run": run.pk}).content.decode()
    for header in page_export[0]:
        assert header in page
    assert len(page_export) == 1 + run.totals.count()


def test_the_ranking_page_reads_a_runs_rows_once_and_shows_a_renamed_unit_at_once(
    client_for, leader, scheme, fake_sources, monkeypatch
):
    # A succeeded run's stored rows never change, so the page caches them by the run; the names it shows are
    # versioned (tracker.versions): renaming a unit shows on the next view without anything being cleared.
    from targets import selectors
    from tracker.models import Unit

    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    built = []
    real = selectors.ranking
    monkeypatch.setattr(selectors, "ranking", lambda r: built.append(r.pk) or real(r))
    client = client_for(leader)
    url, params = reverse("targets:index"), {"scheme": scheme.pk, "run": run.pk}
    import re

    def table(html: str) -> str:
        return re.search(r"<table.*?</table>", html, re.S).group(0)

    first = table(client.get(url, params).content.decode())
    assert table(client.get(url, params).content.decode()) == first  # the same ranking …
    assert built == [run.pk]  # … from the cached rows: the second view did not read them
    unit = Unit.objects.get(pk=run.totals.order_by("rank").first().unit_id)
    Unit.objects.filter(pk=unit.pk).update(name="更名后的县")
    assert "更名后的县" in client.get(url, params).content.decode() and built == [run.pk, run.pk]
