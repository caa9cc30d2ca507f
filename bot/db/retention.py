"""What is kept and for how long (issue 9, point 4): old chat messages, old processed-message ids, and the curators'
unanswered questions beyond a cap are deleted by a periodic task (bot/app.py; settings ANJU_MESSAGE_LOG_DAYS,
ANJU_PROCESSED_DAYS, ANJU_GAPS_MAX, ANJU_RETENTION_INTERVAL).

Deletes go in slices of `chunk` rows, each its own short transaction, found through an index: on SQLite a
statement runs on the event loop and holds the one write lock, so no slice may take long. The message log has no
index on its time — one more index on the busiest table would cost every message — but its ids grow with time,
so the last id old enough is found by a binary search over the primary key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.base import table_of
from bot.db.models import MessageLog, ProcessedInbound, UnansweredQuestion

log = logging.getLogger(__name__)
messages = table_of(MessageLog)
processed = table_of(ProcessedInbound)
gaps = table_of(UnansweredQuestion)


@dataclass(frozen=True)
class RetentionPolicy:
    message_log_days: int = 180  # 0: keep for ever
    processed_days: int = 30  # 0: keep for ever
    gaps_max: int = 5000  # 0: no cap
    chunk: int = 2000  # rows per delete statement


@dataclass(frozen=True)
class PruneReport:
    messages: int = 0
    processed: int = 0
    gaps: int = 0


async def prune(engine: AsyncEngine, now: datetime, policy: RetentionPolicy) -> PruneReport:
    """Delete what the policy no longer keeps; how many rows of each went."""
    report = PruneReport(
        messages=await _prune_messages(engine, now - timedelta(days=policy.message_log_days), policy.chunk)
        if policy.message_log_days > 0
        else 0,
        processed=await _prune_processed(engine, now - timedelta(days=policy.processed_days), policy.chunk)
        if policy.processed_days > 0
        else 0,
        gaps=await _cap_gaps(engine, policy.gaps_max, policy.chunk) if policy.gaps_max > 0 else 0,
    )
    if report.messages or report.processed or report.gaps:
        log.info(
            "pruned %d messages, %d processed ids, %d unanswered questions",
            report.messages,
            report.processed,
            report.gaps,
        )
    return report


async def _last_id_before(conn: AsyncConnection, cutoff: datetime) -> int | None:
    """The largest message-log id whose row is older than `cutoff` (ids grow with time), or None."""
    lo, hi = (await conn.execute(select(func.min(messages.c.id), func.max(messages.c.id)))).one()
    if lo is None:
        return None
    first_at = await conn.scalar(select(messages.c.created_at).where(messages.c.id == lo))
    if first_at is None or first_at >= cutoff:  # None: pruned meanwhile by another process
        return None
    while lo < hi:  # invariant: the row at lo is older than cutoff
        mid = (lo + hi + 1) // 2
        row = (
            await conn.execute(
                select(messages.c.id, messages.c.created_at)
                .where(messages.c.id >= mid)
                .order_by(messages.c.id)
                .limit(1)
            )
        ).one()
        if row.created_at < cutoff:
            lo = row.id
        else:
            hi = mid - 1
    return lo


async def _prune_messages(engine: AsyncEngine, cutoff: datetime, chunk: int) -> int:
    async with engine.begin() as conn:
        last = await _last_id_before(conn, cutoff)
    deleted = 0
    while last is not None:
        async with engine.begin() as conn:
            edge = await conn.scalar(
                select(messages.c.id).where(messages.c.id <= last).order_by(messages.c.id).offset(chunk).limit(1)
            )
            result = await conn.execute(delete(messages).where(messages.c.id <= (last if edge is None else edge)))
            deleted += result.rowcount
        if edge is None:
            break
    return deleted


async def _prune_processed(engine: AsyncEngine, cutoff: datetime, chunk: int) -> int:
    deleted = 0
    while True:
        async with engine.begin() as conn:
            edge = await conn.scalar(
                select(processed.c.processed_at)
                .where(processed.c.processed_at < cutoff)
                .order_by(processed.c.processed_at)
                .offset(chunk)
                .limit(1)
            )
            where = processed.c.processed_at < cutoff if edge is None else processed.c.processed_at <= edge
            deleted += (await conn.execute(delete(processed).where(where))).rowcount
        if edge is None:
            return deleted


async def _cap_gaps(engine: AsyncEngine, keep: int, chunk: int) -> int:
    """Keep the `keep` questions asked most often (then most recently); drop the rest, one slice at a time."""
    deleted = 0
    while True:
        async with engine.begin() as conn:
            excess = (await conn.scalar(select(func.count()).select_from(gaps)) or 0) - keep
            if excess <= 0:
                return deleted
            junk = select(gaps.c.id).order_by(gaps.c.count, gaps.c.last_seen, gaps.c.id).limit(min(excess, chunk))
            deleted += (await conn.execute(delete(gaps).where(gaps.c.id.in_(junk)))).rowcount
