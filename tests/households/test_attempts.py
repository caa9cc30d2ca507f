"""The lock on binding attempts holds across processes: counted in the database, by dialogue services on engines
of their own (as two workers), and attempts sent at once on PostgreSQL are counted one after another."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.binding_port import BindByIdTail
from bot.core.messages import Channel, Inbound, InboundKind
from bot.db.engine import make_engine
from bot.db.upsert import insert_for
from bot.dialogue_wiring import dialogue_service
from bot.households.attempts import AttemptRules
from bot.households.binding_desk import BindingRules, HouseholdBindingDesk
from bot.households.bindings import residents
from handlers.binding import FAILED, LOCKED
from knowledge.base import KnowledgeBase
from tests.households.binding_support import DG, binding_rows, import_sample
from tests.households.ledger_files import KEY
from tests.support.clock import FakeClock

RULES = BindingRules(KEY, AttemptRules(5, timedelta(hours=24)))


async def guess(service, session: str, n: int, tail: str) -> str:  # noqa: ANN001
    """户号 + name + digits, each step a message of its own, as a resident sends them."""
    steps = [
        (InboundKind.TEXT, "绑定我家"),
        (InboundKind.BUTTON, "bind:consent:yes"),
        (InboundKind.BUTTON, "bind:way:id"),
        (InboundKind.TEXT, DG[0]),
        (InboundKind.TEXT, DG[1]),
        (InboundKind.TEXT, tail),
    ]
    replies = []
    for i, (kind, text) in enumerate(steps):
        replies = await service.handle(Inbound(Channel.WEB, session, f"{session}:{n}:{i}", kind, text))
    return "\n".join(r.text for r in replies)


async def test_two_workers_share_the_count(engine: AsyncEngine, database_url: str, kb: KnowledgeBase) -> None:
    clock = FakeClock()
    await import_sample(engine, clock())
    other_engine = make_engine(database_url)
    workers = [
        dialogue_service(engine, kb, clock, binding=RULES),
        dialogue_service(other_engine, kb, clock, binding=RULES),
    ]
    try:
        answers = [await guess(workers[i % 2], f"t-worker-guess-{i}", i, f"{i:06d}") for i in range(5)]
        assert answers[:4] == [FAILED] * 4 and answers[4] == LOCKED  # the 户号's count, whichever worker took it
        assert await guess(workers[1], "t-owner", 9, DG[2]) == LOCKED
        assert not await binding_rows(engine)
    finally:
        for worker in workers:
            await worker.close()
        await other_engine.dispose()


@pytest.mark.postgres
async def test_attempts_sent_at_once_are_counted_one_after_another(engine: AsyncEngine, database_url: str) -> None:
    clock = FakeClock()
    await import_sample(engine, clock())
    async with engine.begin() as conn:
        ids = []
        for i in range(12):
            new = insert_for(conn, residents).values(
                channel="web", user_key=f"t-at-once-{i}", created_at=clock(), last_seen_at=clock()
            )
            ids.append(await conn.scalar(new.returning(residents.c.id)))
    engines = [make_engine(database_url) for _ in range(4)]
    desk = HouseholdBindingDesk(RULES)

    async def attempt(i: int) -> str:
        async with engines[i % 4].begin() as conn:
            effect = BindByIdTail("bound", DG[0], DG[1], f"{i:06d}")
            return (await desk.bind_by_id_tail(conn, ids[i], effect, clock())).outcome

    try:
        outcomes = await asyncio.gather(*(attempt(i) for i in range(12)))
    finally:
        for e in engines:
            await e.dispose()
    # five were compared (four failed, the fifth failed and locked); the other seven were refused unread
    assert outcomes.count("failed") == 4 and outcomes.count("locked") == 8
