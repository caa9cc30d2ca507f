"""The web chat channel of the outbox: a message is "sent" by appending it to the session's inbox row, keyed by the
outbox row id — sending it again is a no-op, so web deliveries are exactly-once. The chat page polls
`GET /api/chat/updates` (bot/web/chat_updates.py), which reads `updates`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import Channel, Outbound
from bot.db.base import table_of
from bot.db.upsert import insert_ignore
from bot.outbox.models import WebInboxMessage

inbox = table_of(WebInboxMessage)
MAX_UPDATES = 50


class WebSender:
    """Sender and IdempotentSender (bot/outbox/ports.py) for web chat sessions (user_key = the session id)."""

    channel = Channel.WEB.value

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    async def send_once(self, delivery_id: int, user_key: str, message: Outbound) -> None:
        async with self._engine.begin() as conn:
            await insert_ignore(
                conn,
                inbox,
                {
                    "outbox_id": delivery_id,
                    "user_key": user_key,
                    "payload": message.to_json(),
                    "created_at": self._clock(),
                },
                ("outbox_id",),
            )

    async def send(self, user_key: str, message: Outbound) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                inbox.insert().values(
                    outbox_id=None, user_key=user_key, payload=message.to_json(), created_at=self._clock()
                )
            )


@dataclass(frozen=True)
class WebUpdate:
    id: int
    message: Outbound

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.message.to_json()}


async def updates(engine: AsyncEngine, session: str, after: int, limit: int = MAX_UPDATES) -> list[WebUpdate]:
    """Messages delivered to `session` with an id above `after`, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(inbox.c.id, inbox.c.payload)
            .where(inbox.c.user_key == session, inbox.c.id > after)
            .order_by(inbox.c.id)
            .limit(limit)
        )
        return [WebUpdate(row.id, Outbound.from_json(row.payload)) for row in rows]
