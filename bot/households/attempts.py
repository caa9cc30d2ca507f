"""Limits on binding attempts: guessing a code, or a 户主's name and 6 digits, must not pay.

Every attempt is counted before anything is compared — per resident (chat identity), per web client address and,
with 户号 + name + digits, per 户号 tried (existing or not, so a lock says nothing about the ledger) — on rows of
`household_bind_attempts`, in the turn's transaction (PostgreSQL: the rows are locked `FOR UPDATE`, so attempts
sent at once by several processes are counted one after another). When any key has `max_failures` failures within
`window`, it is locked for as long: nothing is compared while locked, not even a correct try. A successful attempt
gives its count back, so only failures use up the allowance. Keys are digests; what was typed is never stored."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.db.upsert import insert_for
from bot.households.models import BindingAttempt

attempts = table_of(BindingAttempt)
Key = tuple[str, str]


@dataclass(frozen=True)
class AttemptRules:
    max_failures: int = 5
    window: timedelta = timedelta(hours=24)  # failures older than this are forgotten; a lock lasts as long


def attempt_keys(key: bytes, resident_id: int, client: str | None, household_no: str | None = None) -> list[Key]:
    """The counters one attempt uses, in a fixed order (rows are locked in it)."""
    keys = [("resident", str(resident_id))]
    if client:
        keys.append(("client", client[:64]))  # already a digest (bot/cases/lookups.py client_digest)
    if household_no is not None:
        tried = hmac.new(key, f"bind-household:{household_no.upper()}".encode(), hashlib.sha256).hexdigest()
        keys.append(("household", tried))
    return sorted(keys)


async def _rows(conn: AsyncConnection, keys: Sequence[Key], now: datetime) -> list[dict]:
    postgres = conn.dialect.name == "postgresql"
    found = []
    for scope, key in keys:
        new = insert_for(conn, attempts).values(scope=scope, key=key, failures=0, window_start=now, locked_until=None)
        await conn.execute(new.on_conflict_do_nothing(index_elements=["scope", "key"]))
        query = select(attempts).where(attempts.c.scope == scope, attempts.c.key == key)
        row = (await conn.execute(query.with_for_update() if postgres else query)).mappings().one()
        found.append(dict(row))
    return found


def _current(row: dict, now: datetime, rules: AttemptRules) -> tuple[int, datetime, datetime | None]:
    """(failures, window start, locked until) as they stand now: a lock or a window that is over starts afresh."""
    failures, start, locked = row["failures"], row["window_start"], row["locked_until"]
    if (locked is not None and locked <= now) or (locked is None and start <= now - rules.window):
        return 0, now, None
    return failures, start, locked


async def claim(conn: AsyncConnection, keys: Sequence[Key], now: datetime, rules: AttemptRules) -> bool:
    """Count one attempt on every key; False (refused, nothing counted) while any of them is locked."""
    rows = await _rows(conn, keys, now)
    states = [_current(row, now, rules) for row in rows]
    if any(locked is not None for _, _, locked in states):
        return False
    for (scope, key), (failures, start, _) in zip(keys, states):
        await conn.execute(
            update(attempts)
            .where(attempts.c.scope == scope, attempts.c.key == key)
            .values(failures=failures + 1, window_start=start, locked_until=None)
        )
    return True


async def failed(conn: AsyncConnection, keys: Sequence[Key], now: datetime, rules: AttemptRules) -> bool:
    """The claimed attempt failed: its count stays; a key at `max_failures` is locked. True when one now is."""
    locked_any = False
    for scope, key in keys:
        failures = await conn.scalar(
            select(attempts.c.failures).where(attempts.c.scope == scope, attempts.c.key == key)
        )
        if failures is not None and failures >= rules.max_failures:
            await conn.execute(
                update(attempts)
                .where(attempts.c.scope == scope, attempts.c.key == key)
                .values(locked_until=now + rules.window)
            )
            locked_any = True
    return locked_any


async def succeeded(conn: AsyncConnection, keys: Sequence[Key]) -> None:
    """The claimed attempt succeeded: it does not use up the allowance."""
    for scope, key in keys:
        await conn.execute(
            update(attempts)
            .where(attempts.c.scope == scope, attempts.c.key == key, attempts.c.failures > 0)
            .values(failures=attempts.c.failures - 1)
        )
