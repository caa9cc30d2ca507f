"""Look-ups by a two-column key `(a, b)` written so that SQLite uses the key's index, as one cached statement.

SQLite plans a row-value list `(a, b) IN (VALUES …)` as a scan of the whole index (measured: every inbound
message's dedupe look-up read all of processed_inbound). `a = :first AND b IN (:seconds)` is an index search on
both databases, and with an expanding parameter its compiled form is cached whatever the number of keys; callers
run it once for each distinct `a` (one channel, nearly always)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, bindparam


def by_first(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The pairs grouped by their first value, both levels sorted (a stable order for row locks)."""
    groups: dict[str, set[str]] = {}
    for a, b in pairs:
        groups.setdefault(a, set()).add(b)
    return [(a, sorted(bs)) for a, bs in sorted(groups.items())]


def pair_filter(first: ColumnElement, second: ColumnElement) -> ColumnElement:
    """`first = :first AND second IN (:seconds)`."""
    return (first == bindparam("first")) & second.in_(bindparam("seconds", expanding=True))
