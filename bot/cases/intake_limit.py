"""How many cases one resident may file in the chat (issue 9, point 4: one chat session filed 1,000 urgent
complaints in 10 s). The limit counts the cases the resident filed in the last 24 hours; a repeated confirmation
of a form already filed is never refused (it finds its case). Staff filing on a resident's behalf go through
`create_case` directly and are not limited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import Case
from bot.db.base import table_of

cases = table_of(Case)
WINDOW = timedelta(hours=24)


async def over_limit(conn: AsyncConnection, resident_id: int, intake_key: str, now: datetime, per_day: int) -> bool:
    """True if filing one more case now would take the resident past `per_day` cases in 24 hours (0: no limit)."""
    if per_day <= 0:
        return False
    recent = await conn.scalar(
        select(func.count())
        .select_from(cases)
        .where(cases.c.resident_id == resident_id, cases.c.created_at > now - WINDOW)
    )
    if (recent or 0) < per_day:
        return False
    filed = await conn.scalar(select(cases.c.id).where(cases.c.intake_key == intake_key))
    return filed is None
