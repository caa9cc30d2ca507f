"""The transaction around one inbound message (DESIGN.md, "The way a message travels").

dedupe key, resident, locked dialogue state, the step function's turn, its effects, the new state and the
message log are committed together: a retry after the commit replays the stored replies and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases.resident_desk import ResidentDesk
from bot.core.effects import apply_effects
from bot.core.locks import KeyedLocks
from bot.core.messages import Inbound, Outbound
from bot.db.models import DialogueState, MessageLog, ProcessedInbound, Resident
from bot.db.upsert import insert_ignore
from handlers.router import respond
from handlers.turn import Conversation, TurnContext
from knowledge.base import KnowledgeBase

Clock = Callable[[], datetime]
residents = Resident.__table__
states = DialogueState.__table__
processed = ProcessedInbound.__table__
message_log = MessageLog.__table__
_ATTEMPTS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


class DialogueService:
    """Handles inbound messages from any channel; the only writer of dialogue state."""

    def __init__(self, engine: AsyncEngine, kb: KnowledgeBase, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._kb = kb
        self._clock = clock
        # cases filed, read and rated on the resident's behalf, inside the turn's transaction
        self._desk = ResidentDesk(kb.params)
        self._resident_locks = KeyedLocks()
        # SQLite has one writer: queue writers here instead of spinning on SQLITE_BUSY
        self._sqlite_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """The replies for `inbound`; the same replies again if it was handled before."""
        replies = await self._handle(inbound, replay=True)
        assert replies is not None
        return replies

    async def handle_once(self, inbound: Inbound) -> list[Outbound] | None:
        """The replies for `inbound`, or None if it was handled before: for channels that push replies themselves
        (Telegram), where sending the stored replies again would show the resident the same answer twice."""
        return await self._handle(inbound, replay=False)

    async def _handle(self, inbound: Inbound, replay: bool) -> list[Outbound] | None:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self._resident_locks.hold((inbound.channel, inbound.user_key)))
            if self._sqlite_writer is not None:
                await stack.enter_async_context(self._sqlite_writer)
            for attempt in range(_ATTEMPTS):
                try:
                    async with self._engine.begin() as conn:
                        return await self._handle_in(conn, inbound, replay)
                except IntegrityError:
                    # another process created the same resident or handled the same message first: look again
                    if attempt == _ATTEMPTS - 1:
                        raise
        raise AssertionError("unreachable")

    async def _handle_in(self, conn: AsyncConnection, inbound: Inbound, replay: bool) -> list[Outbound] | None:
        done = await conn.scalar(
            select(processed.c.replies).where(
                processed.c.channel == inbound.channel, processed.c.dedupe_key == inbound.dedupe_key
            )
        )
        if done is not None:
            return [Outbound.from_json(r) for r in done["replies"]] if replay else None
        now = self._clock()
        resident_id, state = await self._lock_resident(conn, inbound, now)
        ctx = TurnContext(kb=self._kb, now=now, cases=self._desk.reader(conn, resident_id),
                          message_key=f"{inbound.channel}:{inbound.dedupe_key}")
        turn = await respond(state, inbound, ctx)
        outcomes = await apply_effects(conn, resident_id, turn.effects, now, self._desk)
        if turn.then is not None:  # replies that show what the effects produced (a case number), same transaction
            turn = turn.then(outcomes)
        await conn.execute(
            update(states).where(states.c.resident_id == resident_id).values(state=turn.state.to_json(), updated_at=now)
        )
        log = [{"resident_id": resident_id, "direction": "in", "text": inbound.text,
                "payload": {"kind": inbound.kind.value, **inbound.payload}, "created_at": now}]
        log += [{"resident_id": resident_id, "direction": "out", "text": r.text,
                 "payload": {"buttons": [b.id for b in r.buttons]}, "created_at": now} for r in turn.replies]
        await conn.execute(message_log.insert(), log)
        replies = [r.to_json() for r in turn.replies]
        await conn.execute(
            processed.insert().values(
                channel=inbound.channel, dedupe_key=inbound.dedupe_key, resident_id=resident_id,
                replies={"replies": replies}, processed_at=now,
            )
        )
        return list(turn.replies)

    async def _lock_resident(self, conn: AsyncConnection, inbound: Inbound, now: datetime) -> tuple[int, Conversation]:
        """The resident's id and dialogue state, row-locked until commit (created on first contact)."""
        query = (
            select(residents.c.id, states.c.state)
            .join(states, states.c.resident_id == residents.c.id)
            .where(residents.c.channel == inbound.channel, residents.c.user_key == inbound.user_key)
            .with_for_update(of=states)
        )
        row = (await conn.execute(query)).first()
        if row is not None:
            await conn.execute(update(residents).where(residents.c.id == row.id).values(last_seen_at=now))
            return row.id, Conversation.from_json(row.state)
        inserted = await insert_ignore(
            conn, residents,
            {"channel": inbound.channel, "user_key": inbound.user_key, "created_at": now, "last_seen_at": now},
            ("channel", "user_key"),
        )
        resident_id = await conn.scalar(
            select(residents.c.id).where(residents.c.channel == inbound.channel, residents.c.user_key == inbound.user_key)
        )
        if inserted:
            await conn.execute(states.insert().values(resident_id=resident_id, state={}, updated_at=now))
            return resident_id, Conversation()
        # created by a concurrent transaction in another process: take its state row lock
        row = (await conn.execute(query)).first()
        if row is None:
            raise IntegrityError("resident without dialogue state", None, Exception("retry"))
        return row.id, Conversation.from_json(row.state)
