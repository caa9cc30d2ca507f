"""Effects a turn asks for, written in the turn's transaction. Writers that produce something the reply needs
(a new case's number) run at once and return it as an outcome under the effect's `ref` (see Turn.then); the
rest (feedback, unanswered questions) become rows written together with the batch's other rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.binding_port import BindingDesk, BindingEffect, NoBindings, write_binding
from bot.core.port import (
    AttachToCase,
    CaseDesk,
    CreateCase,
    Effect,
    ExplainRating,
    RateCase,
    RecordFeedback,
    RecordGap,
    SetDistrictNotices,
)
from bot.db.base import table_of
from bot.db.models import DistrictNoticeOptOut, Feedback, UnansweredQuestion
from bot.db.upsert import insert_for, insert_ignore
from knowledge.text import compact

feedback = table_of(Feedback)
gaps = table_of(UnansweredQuestion)
optouts = table_of(DistrictNoticeOptOut)
MAX_GAP_KEY = 500
MAX_SAMPLE = 500  # what a curator reads of a question (they are capped in number too: bot/db/retention.py)
NO_BINDINGS = NoBindings()


@dataclass
class DeferredRows:
    """Rows of effects that need nothing back: written in one statement per table at the end of the transaction."""

    feedback: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)


async def apply_effects(
    conn: AsyncConnection,
    resident_id: int,
    effects: Iterable[Effect],
    now: datetime,
    desk: CaseDesk,
    deferred: DeferredRows,
    bindings: BindingDesk = NO_BINDINGS,
) -> dict[str, Any]:
    """Write the effects whose outcome the reply needs; queue the others on `deferred`. Outcomes by `ref`."""
    outcomes: dict[str, Any] = {}
    for effect in effects:
        if isinstance(effect, CreateCase):
            outcomes[effect.ref] = await desk.file(conn, resident_id, effect, now)
        elif isinstance(effect, RateCase):
            outcomes[effect.ref] = await desk.rate(conn, resident_id, effect, now)
        elif isinstance(effect, ExplainRating):
            outcomes[effect.ref] = await desk.explain_rating(conn, resident_id, effect, now)
        elif isinstance(effect, AttachToCase):
            outcomes[effect.ref] = await desk.attach(conn, resident_id, effect, now)
        elif isinstance(effect, SetDistrictNotices):
            outcomes[effect.ref] = await set_district_notices(conn, resident_id, effect.on, now)
        elif isinstance(effect, BindingEffect):
            outcomes[effect.ref] = await write_binding(bindings, conn, resident_id, effect, now)
        elif isinstance(effect, RecordGap):
            key = compact(effect.question)[:MAX_GAP_KEY]
            if key:
                deferred.gaps.append(
                    {
                        "normalised": key,
                        "reason": effect.reason,
                        "topic_id": effect.topic_id,
                        "sample": effect.question[:MAX_SAMPLE],
                        "count": 1,
                        "first_seen": now,
                        "last_seen": now,
                    }
                )
        elif isinstance(effect, RecordFeedback):
            deferred.feedback.append(
                {
                    "resident_id": resident_id,
                    "topic_id": effect.topic_id,
                    "helpful": effect.helpful,
                    "question": effect.question,
                    "created_at": now,
                }
            )
        else:  # pragma: no cover - a new effect type without a writer is a programming error
            raise TypeError(f"no writer for effect {effect!r}")
    return outcomes


async def set_district_notices(conn: AsyncConnection, resident_id: int, on: bool, now: datetime) -> bool:
    """Notices to a district on (no opt-out row) or off (one); True when that changed."""
    if on:
        result = await conn.execute(optouts.delete().where(optouts.c.resident_id == resident_id))
        return bool(result.rowcount)
    return await insert_ignore(conn, optouts, {"resident_id": resident_id, "turned_off_at": now}, ("resident_id",))


_FEEDBACK = feedback.insert()
_GAP_UPSERTS: dict[str, Any] = {}  # dialect name → the statement (built once: its cache key costs as much as a run)


def _gap_upsert(conn: AsyncConnection) -> Any:
    stmt = _GAP_UPSERTS.get(conn.dialect.name)
    if stmt is None:
        insert = insert_for(conn, gaps)
        stmt = _GAP_UPSERTS[conn.dialect.name] = insert.on_conflict_do_update(
            index_elements=["normalised", "reason"],
            set_={"count": gaps.c.count + 1, "last_seen": insert.excluded.last_seen, "sample": insert.excluded.sample},
        )
    return stmt


async def write_deferred(conn: AsyncConnection, deferred: DeferredRows) -> None:
    if deferred.feedback:
        await conn.execute(_FEEDBACK, deferred.feedback)
    if deferred.gaps:
        await conn.execute(_gap_upsert(conn), deferred.gaps)
