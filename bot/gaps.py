"""The curators' list: unanswered and 没用 questions, most frequent first."""

from __future__ import annotations

from sqlalchemy import Row, select

from bot.cases.workdays import CHINA_TZ
from bot.db.base import table_of
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.db.models import UnansweredQuestion
from bot.settings import Settings

gaps = table_of(UnansweredQuestion)


async def list_gaps(settings: Settings, limit: int) -> list[Row]:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            query = select(gaps).order_by(gaps.c.count.desc(), gaps.c.last_seen.desc()).limit(limit)
            return list((await conn.execute(query)).all())
    finally:
        await engine.dispose()


def gap_lines(rows: list[Row]) -> list[str]:
    """The list as `kb gaps` prints it; times in Beijing time, as the curators read them."""
    lines = [f"{'次数':>4}  {'原因':<6} {'最近（北京时间）':<16} 问题"]
    for row in rows:
        reason = "未答" if row.reason == "abstain" else f"没用:{row.topic_id}"
        lines.append(f"{row.count:>4}  {reason:<6} {row.last_seen.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} {row.sample}")
    return lines
