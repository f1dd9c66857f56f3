"""Large reads straight into pandas.

`query_frame` runs a `values_list` queryset and returns its rows as a DataFrame. On PostgreSQL it streams the
query through `COPY (…) TO STDOUT` as CSV into pandas' C parser: no Python tuple per row, no Decimal per
value (a year of a country's air readings, 517k rows × 14 columns: ~1.1 s against ~2.3 s by cursor rows).
Elsewhere (SQLite, `make run`) it reads the cursor's rows. `counts` reads several small counts in one round trip.

`copy_into` is the way back: a frame's rows into a table by one `COPY … FROM STDIN` in PostgreSQL's binary format,
built column by column with numpy — no value is formatted as text and parsed back (a national scoring run's
142,200 snapshots × 22 columns: the CSV that `DataFrame.to_csv` writes took about as long as the COPY itself).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

NULL = "\\N"


def query_frame(
    qs: QuerySet, columns: list[str], *, booleans: Iterable[str] = (), text: Iterable[str] = ()
) -> pd.DataFrame:
    """The rows of `qs` (a `values_list` of exactly `columns`, in that order) as a DataFrame: numbers as numbers
    (NULL → NaN), `booleans` as True/False (None for NULL), `text` kept as strings (codes such as "0012" are not
    read as numbers); anything else as the CSV parser infers it (dates stay ISO strings)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # `.none()` or an empty `__in`: no query to run
        return pd.DataFrame(columns=columns)
    booleans, text = list(booleans), list(text)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
        query = cursor.cursor.mogrify(sql, params).decode()
        # bytes, not text: a StringIO holding one Chinese character keeps every character in 4 bytes
        buffer = io.BytesIO()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '{NULL}')", buffer)
    if not buffer.tell():
        return pd.DataFrame(columns=columns)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        names=columns,
        header=None,
        encoding="utf-8",
        keep_default_na=False,
        na_values=[NULL],
        dtype={c: str for c in (*booleans, *text)},
    )
    for column in booleans:
        frame[column] = frame[column].map({"t": True, "f": False})
    return frame


# PostgreSQL's binary COPY: a signature, flags and an empty header extension; per row the number of fields, then per
# field its length in bytes (-1 for NULL) and the bytes, all integers big-endian; -1 as the trailer.
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_FIXED = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float4": ">f4", "float8": ">f8", "bool": "u1", "date": ">i4"}
_TEXT = {"text", "varchar", "bpchar"}
_EPOCH_2000 = np.datetime64("2000-01-01", "D")


def _fixed_field(column: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(sizes, bytes) of a fixed-width column: each row's field (its 4-byte length, -1 for NULL, then the value's
    bytes unless NULL) in row order, and each field's size."""
    dtype = np.dtype(_FIXED[kind])
    if kind == "date":
        days = pd.to_datetime(column).to_numpy(dtype="datetime64[D]")
        missing = np.isnat(days)
        values = (days - _EPOCH_2000).astype(np.int64)
    elif kind == "bool":
        missing = column.isna().to_numpy()
        values = column.fillna(False).to_numpy(dtype=bool)
    else:
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":  # plain numpy: no NULL possible
            missing = np.zeros(len(column), dtype=bool)
            values = column.to_numpy()
        else:  # floats (NaN), nullable integers (<NA>), objects (None)
            values = column.to_numpy(dtype=float, na_value=np.nan)
            missing = np.isnan(values)
        if dtype.kind == "i" and values.dtype.kind == "f":
            values = np.where(missing, 0.0, values)
            if not np.array_equal(values, np.round(values)):
                raise ValueError(f"{column.name}: a fraction for an integer column")
    fields = np.empty((len(column), 4 + dtype.itemsize), dtype=np.uint8)
    fields[:, :4] = np.where(missing, -1, dtype.itemsize).astype(">i4").view(np.uint8).reshape(-1, 4)
    fields[:, 4:] = np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(-1, dtype.itemsize)
    keep = np.ones(fields.shape, dtype=bool)
    keep[missing, 4:] = False  # a NULL is its length alone
    return np.where(missing, 4, 4 + dtype.itemsize), fields[keep]


def _text_field(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(sizes, bytes) of a text column, as `_fixed_field`. Each distinct text is encoded once (a column of
    statuses, reasons or dates holds a few), the rows' bytes are gathered from those by index."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    encoded = [str(value).encode() for value in uniques] + [b""]  # code -1 (NULL) → the last, empty
    unique_sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    unique_starts = np.concatenate(([0], np.cumsum(unique_sizes)[:-1]))
    lengths = unique_sizes[codes]
    missing = codes < 0
    prefix = np.where(missing, -1, lengths).astype(">i4").view(np.uint8).reshape(-1, 4)
    sizes = 4 + lengths
    # each row's field: its 4 prefix bytes, then its text's bytes taken from the blob
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    out[starts[:, None] + np.arange(4)] = prefix
    if lengths.sum():
        within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[np.repeat(starts + 4, lengths) + within] = blob[np.repeat(unique_starts[codes], lengths) + within]
    return sizes, out


def _binary_rows(frame: pd.DataFrame, types: dict[str, str]) -> bytes:
    """The rows of `frame` in the binary COPY format (no signature, no trailer), each column encoded as the
    PostgreSQL type named in `types` (pg_type names: int2/int4/int8, float4/float8, bool, date, text/varchar).
    Vectorised: every field's bytes land at their place in one buffer by index arithmetic, not by a Python step
    per row."""
    n = len(frame)
    fields = []
    for name in frame.columns:
        kind = types[name]
        if kind in _FIXED:
            fields.append(_fixed_field(frame[name], kind))
        elif kind in _TEXT:
            fields.append(_text_field(frame[name]))
        else:
            raise ValueError(f"{name}: no binary encoding for {kind}")
    # each row: 2 bytes (its number of fields), then its fields
    sizes = np.full(n, 2, dtype=np.int64)
    for field_sizes, _ in fields:
        sizes += field_sizes
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    buffer = np.empty(int(sizes.sum()), dtype=np.uint8)
    buffer[starts[:, None] + np.arange(2)] = np.frombuffer(len(fields).to_bytes(2, "big"), dtype=np.uint8)
    at = starts + 2
    for field_sizes, data in fields:
        offsets = np.concatenate(([0], np.cumsum(field_sizes)[:-1]))
        buffer[np.repeat(at - offsets, field_sizes) + np.arange(data.size)] = data
        at = at + field_sizes
    assert n == 0 or at[-1] == buffer.size
    return buffer.tobytes()


_TRAILER = b"\xff\xff"  # -1 as a 16-bit integer
COPY_CHUNK_ROWS = 20_000  # rows encoded at a time: the encoding's index arrays stay a few MB, not a run's 100+


class _ChunkedCopy(io.RawIOBase):
    """A file the COPY reads from: the signature, then `frame`'s rows encoded `COPY_CHUNK_ROWS` at a time as it
    asks for them, then the trailer — so a run's 142,200 snapshots are never held encoded all at once."""

    def __init__(self, frame: pd.DataFrame, types: dict[str, str]) -> None:
        self._parts = self._encode(frame, types)
        self._current = memoryview(b"")
        self.error: Exception | None = None  # what stopped the encoding (the driver reports only that read failed)

    @staticmethod
    def _encode(frame: pd.DataFrame, types: dict[str, str]):
        yield _SIGNATURE
        for start in range(0, len(frame), COPY_CHUNK_ROWS):
            yield _binary_rows(frame.iloc[start : start + COPY_CHUNK_ROWS], types)
        yield _TRAILER

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not len(self._current):
            try:
                part = next(self._parts, None)
            except Exception as exc:
                self.error = exc
                raise
            if part is None:
                return b""
            self._current = memoryview(part)
        size = len(self._current) if size is None or size < 0 else size
        out, self._current = self._current[:size], self._current[size:]
        return out.tobytes()


def copy_into(table: str, frame: pd.DataFrame) -> None:
    """Insert `frame`'s rows into `table` (PostgreSQL; columns named by the frame's) by one binary COPY, in the
    caller's transaction, encoded a chunk of rows at a time as the COPY reads. Each column is encoded as its
    database type (read from the catalogue)."""
    if frame.empty:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [f'"{table}"'],
        )
        types = dict(cursor.fetchall())
        columns = ", ".join(f'"{name}"' for name in frame.columns)
        source = _ChunkedCopy(frame, types)
        try:
            cursor.cursor.copy_expert(
                f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT binary)', source, size=1 << 20
            )
        except Exception:
            if source.error is not None:  # a value that cannot be encoded: that, not the driver's "read failed"
                raise source.error from None
            raise


def counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """`{name: qs.count()}` in one round trip: `SELECT (SELECT COUNT(*) FROM (…) q0), (SELECT COUNT(*) …)`. A page
    that shows a handful of small counts (the dashboards' watch line: four) pays one query, not one each; each
    count is still its own subquery, so the plans are those of `.count()`. A queryset that can match nothing (an
    empty `__in`) counts 0 without being sent."""
    names: list[str] = []
    parts: list[str] = []
    params: list[Any] = []
    out: dict[str, int] = {}
    for name, qs in querysets.items():
        try:
            sql, p = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            out[name] = 0
            continue
        names.append(name)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q{len(parts)})")
        params.extend(p)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            out.update(zip(names, (int(n) for n in cursor.fetchone()), strict=True))
    return {name: out[name] for name in querysets}
