"""Writing to the outbox: called inside the transaction of the change that causes the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import Outbound
from bot.db.base import table_of
from bot.db.upsert import insert_for, insert_ignore
from bot.outbox.models import OutboxMessage

outbox = table_of(OutboxMessage)


class OutboxStatus:
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"


async def enqueue(
    conn: AsyncConnection,
    *,
    key: str,
    channel: str,
    user_key: str,
    message: Outbound,
    now: datetime,
    resident_id: int | None = None,
) -> bool:
    """Queue `message` for `user_key` on `channel`; a second call with the same `key` adds nothing (False)."""
    values = {
        "idempotency_key": key,
        "channel": channel,
        "user_key": user_key,
        "resident_id": resident_id,
        "payload": message.to_json(),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return await insert_ignore(conn, outbox, values, ("idempotency_key",))


@dataclass(frozen=True)
class Queued:
    """One message of a batch for `enqueue_many`."""

    key: str
    channel: str
    user_key: str
    message: Outbound
    resident_id: int | None = None


async def enqueue_many(conn: AsyncConnection, messages: Sequence[Queued], now: datetime) -> None:
    """Queue many messages in one executemany (a statement compiled once); a key already queued adds nothing."""
    if not messages:
        return
    rows = [
        {
            "idempotency_key": m.key,
            "channel": m.channel,
            "user_key": m.user_key,
            "resident_id": m.resident_id,
            "payload": m.message.to_json(),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in messages
    ]
    await conn.execute(insert_for(conn, outbox).on_conflict_do_nothing(index_elements=["idempotency_key"]), rows)
