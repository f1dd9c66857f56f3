"""Reads shared within one pass: a scoring run's load step calls several computed indicators that read the same
data (the four air indicators all read the year's daily readings and the unit-day means). Inside
`shared_reads()` the first caller builds such a read and the others reuse it; outside, every call reads afresh,
so nothing is ever served across requests or runs.

A shared value is handed to every caller as is: callers must not change it in place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
_MEMO: ContextVar[dict | None] = ContextVar("shared_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Share `shared()` reads until the block ends (nested blocks share the outer one's)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def shared(key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, or inside `shared_reads()` the value an earlier call with the same key built."""
    memo = _MEMO.get()
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]
