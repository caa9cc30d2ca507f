"""JSON for the JSON columns (dialogue state, replies kept for replay, message payloads) and the chat API.

orjson: about ten times faster than the standard library on these small documents — every message writes four to
six of them — and it writes Chinese as UTF-8 rather than \\uXXXX escapes, which halves the stored size. Non-string
keys are written as strings, as the standard library does."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
_UTC_OPTIONS = _OPTIONS | orjson.OPT_NAIVE_UTC


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=_OPTIONS).decode()


def dumps_bytes(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def dumps_utc(value: Any) -> bytes:
    """`dumps_bytes`, naive datetimes written as UTC: the JSON rows sent to PostgreSQL's timestamptz columns
    (bot/core/dialogue_rows.py), where asyncpg sent a naive datetime as UTC too."""
    return orjson.dumps(value, option=_UTC_OPTIONS)


loads = orjson.loads
JSONDecodeError = orjson.JSONDecodeError
