"""The rows of `attachments`: registered when a resident's message arrives, then stored, failed or refused."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.attachments.models import Attachment
from bot.db.upsert import insert_for

attachments = Attachment.__table__


class Status:
    PENDING = "pending"  # to be downloaded from the channel
    STORED = "stored"
    FAILED = "failed"  # the download failed for good (the channel no longer has it)
    REFUSED = "refused"  # downloaded, but not a picture we keep (not an image, too big, a bomb)


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    channel: str
    user_key: str
    kind: str
    source: str
    status: str
    error: str
    attempts: int
    content_type: str
    size: int
    width: int
    height: int
    created_at: datetime
    fetch_before: datetime | None


def new_id() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, URL-safe


def _row(r: Any) -> AttachmentRow:
    return AttachmentRow(
        r.id,
        r.channel,
        r.user_key,
        r.kind,
        r.source,
        r.status,
        r.error,
        r.attempts,
        r.content_type,
        r.size,
        r.width,
        r.height,
        r.created_at,
        r.fetch_before,
    )


async def register(
    engine: AsyncEngine,
    *,
    channel: str,
    user_key: str,
    message_key: str,
    kind: str,
    source: str,
    now: datetime,
    fetch_before: datetime | None,
    status: str = Status.PENDING,
) -> str:
    """The id of the attachment for this message: a new pending row, or the row of an earlier delivery of it."""
    async with engine.begin() as conn:
        await conn.execute(
            insert_for(conn, attachments).on_conflict_do_nothing(index_elements=["channel", "message_key"]),
            {
                "id": new_id(),
                "channel": channel,
                "user_key": user_key[:128],
                "message_key": message_key[:160],
                "kind": kind,
                "source": source[:512],
                "status": status,
                "error": "",
                "attempts": 0,
                "content_type": "",
                "size": 0,
                "width": 0,
                "height": 0,
                "created_at": now,
                "fetch_before": fetch_before,
                "next_attempt_at": now if status == Status.PENDING else None,
                "stored_at": None,
            },
        )
        found = await conn.scalar(
            select(attachments.c.id).where(
                attachments.c.channel == channel, attachments.c.message_key == message_key[:160]
            )
        )
    assert found is not None
    return str(found)


async def get(conn: AsyncConnection, attachment_id: str) -> AttachmentRow | None:
    row = (await conn.execute(select(attachments).where(attachments.c.id == attachment_id))).first()
    return None if row is None else _row(row)


async def get_many(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, AttachmentRow]:
    wanted = [i for i in dict.fromkeys(ids) if isinstance(i, str) and i][:50]
    if not wanted:
        return {}
    rows = await conn.execute(select(attachments).where(attachments.c.id.in_(wanted)))
    return {r.id: _row(r) for r in rows}


async def mark(engine: AsyncEngine, attachment_id: str, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(**values))


async def due(engine: AsyncEngine, now: datetime, limit: int = 20) -> list[AttachmentRow]:
    """Pending downloads whose next attempt is due."""
    query = (
        select(attachments)
        .where(attachments.c.status == Status.PENDING, attachments.c.next_attempt_at <= now)
        .order_by(attachments.c.next_attempt_at)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [_row(r) for r in await conn.execute(query)]
