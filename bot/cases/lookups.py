"""Limits on 查进度 look-ups of a case by its number and phone (someone else's case, or one's own from another chat).

Case numbers are sequential and the staff of an accused department often know the complainant's phone: without a
limit, a few hundred guesses find anyone's case. So every such look-up is counted — per phone number given, per
case number asked for, per resident (channel identity) and per client address (web chat) — in the database, in
one-day periods (this one and the one before count), before the case is even read: `claim` adds one to each
counter in one INSERT … ON CONFLICT DO UPDATE … RETURNING (atomic on both databases, so a hundred look-ups sent at
once cannot all slip under the limit) and refuses when any is over its limit; a look-up that finds its case gives
its count back (`refund`), so only failures use up the allowance. Phones and addresses are stored as SHA-256
prefixes, never in clear."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import CaseLookupCount
from bot.db.base import table_of
from bot.db.upsert import insert_for

counts = table_of(CaseLookupCount)
PERIOD_SECONDS = 86_400
# failed look-ups allowed in a day (this period and the one before): a resident who mistypes gets a few tries
LIMITS = {"phone": 5, "case": 5, "resident": 10, "client": 20}

Key = tuple[str, str]


def lookup_keys(resident_id: int, number: str, phone: str, client: str | None) -> list[Key]:
    """The counters one look-up uses."""
    keys = [("phone", _digest(phone)), ("case", number), ("resident", str(resident_id))]
    if client:
        keys.append(("client", client[:64]))  # the web adapter's digest of the address (client_digest)
    return keys


def client_digest(address: str) -> str:
    """What is kept of a client's address: enough to count its look-ups, not to read it back."""
    return _digest(f"client\0{address}")


def _digest(value: str) -> str:
    return hashlib.sha256(f"anju lookup\0{value}".encode()).hexdigest()[:32]


def _period(now: datetime) -> int:
    return int(now.timestamp()) // PERIOD_SECONDS


async def claim(conn: AsyncConnection, keys: Sequence[Key], now: datetime) -> bool:
    """Count one look-up on every key; False (refused) if any of them is over its limit."""
    period = _period(now)
    await conn.execute(delete(counts).where(counts.c.period < period - 1))  # two days of rows at most
    allowed = True
    for scope, key in keys:
        new = insert_for(conn, counts).values(scope=scope, key=key, period=period, count=1)
        stmt = new.on_conflict_do_update(
            index_elements=["scope", "key", "period"], set_={"count": counts.c.count + 1}
        ).returning(counts.c.count)
        current = await conn.scalar(stmt)
        before = await conn.scalar(
            select(func.coalesce(func.sum(counts.c.count), 0)).where(
                counts.c.scope == scope, counts.c.key == key, counts.c.period == period - 1
            )
        )
        if (current or 0) + (before or 0) > LIMITS[scope]:
            allowed = False
    return allowed


async def refund(conn: AsyncConnection, keys: Sequence[Key], now: datetime) -> None:
    """A look-up that found its case does not use up the allowance."""
    period = _period(now)
    for scope, key in keys:
        await conn.execute(
            update(counts)
            .where(counts.c.scope == scope, counts.c.key == key, counts.c.period == period, counts.c.count > 0)
            .values(count=counts.c.count - 1)
        )
