"""The buttons a resident was last shown, read back from the message log — for channels without real buttons
(WeChat lists them numbered; the resident answers with the number)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.db.models import MessageLog, Resident

log = table_of(MessageLog)
residents = table_of(Resident)


async def last_shown_buttons(engine: AsyncEngine, channel: str, user_key: str) -> list[str]:
    """Ids of the buttons of the replies to the resident's latest message, in the order they were shown."""
    async with engine.connect() as conn:
        resident_id = await conn.scalar(
            select(residents.c.id).where(residents.c.channel == channel, residents.c.user_key == user_key)
        )
        if resident_id is None:
            return []
        last_in = await conn.scalar(
            select(func.max(log.c.id)).where(log.c.resident_id == resident_id, log.c.direction == "in")
        )
        rows = await conn.execute(
            select(log.c.payload)
            .where(log.c.resident_id == resident_id, log.c.direction == "out", log.c.id > (last_in or 0))
            .order_by(log.c.id)
        )
        return [b for (payload,) in rows for b in (payload or {}).get("buttons", []) if isinstance(b, str)]
