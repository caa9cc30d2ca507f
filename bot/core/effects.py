"""Effects a turn asks for, written in the turn's transaction. Writers that produce something the reply needs
(a new case's number) return it as an outcome under the effect's `ref` (see Turn.then)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.resident_desk import ResidentDesk
from bot.db.models import Feedback, UnansweredQuestion
from bot.db.upsert import upsert
from handlers.turn import CreateCase, Effect, RateCase, RecordFeedback, RecordGap
from knowledge.text import compact

feedback = Feedback.__table__
gaps = UnansweredQuestion.__table__
MAX_GAP_KEY = 500


async def apply_effects(
    conn: AsyncConnection, resident_id: int, effects: Iterable[Effect], now: datetime, desk: ResidentDesk | None = None
) -> dict[str, Any]:
    """Write every effect; the outcomes of those that produce one, by `ref`."""
    outcomes: dict[str, Any] = {}
    for effect in effects:
        if isinstance(effect, CreateCase | RateCase):
            if desk is None:  # pragma: no cover - the dialogue service always passes its desk
                raise TypeError(f"{type(effect).__name__} needs the case desk")
            if isinstance(effect, CreateCase):
                outcomes[effect.ref] = await desk.file(conn, resident_id, effect, now)
            else:
                outcomes[effect.ref] = await desk.rate(conn, resident_id, effect, now)
            continue
        if isinstance(effect, RecordGap):
            await _record_gap(conn, effect, now)
        elif isinstance(effect, RecordFeedback):
            await conn.execute(
                feedback.insert().values(
                    resident_id=resident_id, topic_id=effect.topic_id, helpful=effect.helpful,
                    question=effect.question, created_at=now,
                )
            )
        else:  # pragma: no cover - a new effect type without a writer is a programming error
            raise TypeError(f"no writer for effect {effect!r}")
    return outcomes


async def _record_gap(conn: AsyncConnection, gap: RecordGap, now: datetime) -> None:
    key = compact(gap.question)[:MAX_GAP_KEY]
    if not key:
        return
    await upsert(
        conn, gaps,
        {"normalised": key, "reason": gap.reason, "sample": gap.question[:2000], "topic_id": gap.topic_id,
         "count": 1, "first_seen": now, "last_seen": now},
        ("normalised", "reason"),
        {"count": gaps.c.count + 1, "last_seen": now, "sample": gap.question[:2000]},
    )
