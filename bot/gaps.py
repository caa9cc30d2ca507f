"""The curators' list: unanswered and 没用 questions, most frequent first."""

from __future__ import annotations

from sqlalchemy import Row, select

from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.db.models import UnansweredQuestion
from bot.settings import Settings

gaps = UnansweredQuestion.__table__


async def list_gaps(settings: Settings, limit: int) -> list[Row]:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            query = select(gaps).order_by(gaps.c.count.desc(), gaps.c.last_seen.desc()).limit(limit)
            return list((await conn.execute(query)).all())
    finally:
        await engine.dispose()
