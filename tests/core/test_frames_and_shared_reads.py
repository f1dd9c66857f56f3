"""tracker.common.frames.query_frame (COPY into pandas) and counts (several in one query), and tracker.common.memo
(reads shared within a pass)."""

from __future__ import annotations

import math

import pytest

from tests.factories import AirStationFactory
from tracker.common.frames import counts, query_frame
from tracker.common.memo import shared, shared_reads
from tracker.models import AirStation


@pytest.mark.django_db
def test_query_frame_gives_the_rows_the_orm_gives(unit_a):
    AirStationFactory(code="0012", name="零零一二, 含逗号", unit=unit_a, counts_for_assessment=True)
    AirStationFactory(code="A7", name='引号"和\n换行', unit=unit_a, counts_for_assessment=False, war_zone=None)
    columns = ["code", "name", "unit_id", "war_zone_id", "counts_for_assessment"]
    qs = AirStation.objects.order_by("code").values_list(*columns)
    frame = query_frame(qs, columns, booleans=["counts_for_assessment"], text=["code", "name"])
    got = [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
        for row in frame.itertuples(index=False)
    ]
    assert got == list(qs)  # "0012" stays a code, commas, quotes and newlines survive, NULL → missing
    assert frame["counts_for_assessment"].tolist() == [True, False]


@pytest.mark.django_db
def test_query_frame_of_no_rows_has_the_columns():
    frame = query_frame(AirStation.objects.none().values_list("code", "unit_id"), ["code", "unit_id"])
    assert frame.empty and list(frame.columns) == ["code", "unit_id"]
    frame = query_frame(AirStation.objects.values_list("code", "unit_id"), ["code", "unit_id"])
    assert frame.empty and list(frame.columns) == ["code", "unit_id"]


def test_reads_are_shared_only_inside_a_pass():
    built = []

    def build():
        built.append(1)
        return len(built)

    assert shared("k", build) == 1 and shared("k", build) == 2  # outside: every call reads afresh
    with shared_reads():
        assert shared("k", build) == 3
        with shared_reads():  # nested: the outer pass's memo
            assert shared("k", build) == 3
        assert shared("other", build) == 4
    assert shared("k", build) == 5  # the pass ended: nothing kept


@pytest.mark.django_db
def test_counts_gives_each_querysets_count_in_one_query(unit_a, unit_b, django_assert_num_queries):
    # given three stations of A (two counting for the assessment) and one of B
    AirStationFactory(code="A1", unit=unit_a, counts_for_assessment=True)
    AirStationFactory(code="A2", unit=unit_a, counts_for_assessment=True)
    AirStationFactory(code="A3", unit=unit_a, counts_for_assessment=False)
    AirStationFactory(code="B1", unit=unit_b, counts_for_assessment=True)
    wanted = {
        "a": AirStation.objects.filter(unit=unit_a),
        "assessed": AirStation.objects.filter(counts_for_assessment=True).order_by("-code"),
        "none_listed": AirStation.objects.filter(unit_id__in=[]),  # can match nothing: not sent
        "b_named_b1": AirStation.objects.filter(unit=unit_b, code="B1"),
    }
    # when they are counted together; then one query gives what .count() gives, in the order asked
    with django_assert_num_queries(1):
        got = counts(wanted)
    assert list(got.items()) == [("a", 3), ("assessed", 3), ("none_listed", 0), ("b_named_b1", 1)]
    assert got == {name: qs.count() for name, qs in wanted.items()}
