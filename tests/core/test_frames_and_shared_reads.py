"""tracker.common.frames: query_frame (COPY into pandas), copy_into (a frame by binary COPY into a table) and counts
(several in one query); and tracker.common.memo (reads shared within a pass)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from tests.factories import AirStationFactory
from tracker.common.frames import copy_into, counts, query_frame
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


def _probe_table() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE copy_probe (n int, big bigint, small smallint, x double precision, flag boolean,"
            " note text, code varchar(10), day date, rank int)"
        )


def _probe_rows() -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute("SELECT n, big, small, x, flag, note, code, day::text, rank FROM copy_probe ORDER BY n")
        return cur.fetchall()


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_copy_into_writes_exactly_what_the_frame_holds():
    _probe_table()
    frame = pd.DataFrame(
        {
            "n": [1, 2, 3, 4],
            "big": [2**40, -1, 0, 7],
            "small": pd.array([3, None, -2, 1], dtype="Int64"),
            "x": [0.1 + 0.2, np.nan, -1e-300, 5e-324],
            "flag": [True, False, True, False],
            "note": ['引号"和\n换行, 逗号', "", None, "\\N"],
            "code": pd.Series(["0012", None, "", "ß"], dtype="str"),
            "day": ["2025-10-31", "2000-01-01", "1999-12-31", "2024-02-29"],
            "rank": [4.0, np.nan, 6.0, 1.0],  # integral floats into an integer column (NaN is NULL)
        }
    )
    copy_into("copy_probe", frame)
    assert _probe_rows() == [
        (1, 2**40, 3, 0.30000000000000004, True, '引号"和\n换行, 逗号', "0012", "2025-10-31", 4),
        (2, -1, None, None, False, "", None, "2000-01-01", None),  # an empty text stays empty; NaN, <NA> are NULL
        (3, 0, -2, -1e-300, True, None, "", "1999-12-31", 6),  # days before 2000 are negative in the format
        (4, 7, 1, 5e-324, False, "\\N", "ß", "2024-02-29", 1),  # the text "\N" is text, not NULL
    ]


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_copy_into_random_doubles_come_back_bit_for_bit():
    rng = np.random.default_rng(7)
    numbers = rng.normal(size=5_000) * 10.0 ** rng.integers(-300, 300, 5_000)
    _probe_table()
    copy_into("copy_probe", pd.DataFrame({"n": np.arange(5_000), "x": numbers}))
    with connection.cursor() as cur:
        cur.execute("SELECT x FROM copy_probe ORDER BY n")
        assert [x for (x,) in cur.fetchall()] == numbers.tolist()


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_copy_into_refuses_a_fraction_for_an_integer_and_writes_nothing():
    _probe_table()
    from django.db import transaction

    with pytest.raises(ValueError, match="rank"), transaction.atomic():  # the COPY is aborted with its transaction
        copy_into("copy_probe", pd.DataFrame({"n": [1, 2], "rank": [1.0, 2.5]}))
    assert _probe_rows() == []


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


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_copy_into_encodes_a_chunk_of_rows_at_a_time_and_writes_them_all_in_order(monkeypatch):
    from tracker.common import frames

    monkeypatch.setattr(frames, "COPY_CHUNK_ROWS", 2)  # 5 rows: chunks of 2, 2 and 1 between signature and trailer
    _probe_table()
    copy_into(
        "copy_probe", pd.DataFrame({"n": [1, 2, 3, 4, 5], "note": ["一", None, "", "四,4", "五"], "x": [0.5] * 5})
    )
    with connection.cursor() as cur:
        cur.execute("SELECT n, note, x FROM copy_probe ORDER BY n")
        assert cur.fetchall() == [(1, "一", 0.5), (2, None, 0.5), (3, "", 0.5), (4, "四,4", 0.5), (5, "五", 0.5)]
