"""Growth is bounded (issue 9, point 4): old chat messages and processed ids are pruned after their retention,
unanswered questions are capped — repeats counted on one row, the rarest and oldest dropped first."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.core.dialogue import DialogueService
from bot.core.messages import Inbound, InboundKind
from bot.db.models import MessageLog, ProcessedInbound, UnansweredQuestion
from bot.db.retention import RetentionPolicy, prune
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock

messages = MessageLog.__table__
processed = ProcessedInbound.__table__
gaps = UnansweredQuestion.__table__


def _text(user: str, n: int, text: str) -> Inbound:
    return Inbound(channel="web", user_key=user, dedupe_key=f"{user}-{n}", kind=InboundKind.TEXT, text=text)


async def _count(engine: AsyncEngine, table) -> int:  # noqa: ANN001
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def test_old_messages_and_processed_ids_are_pruned_recent_ones_kept(
    engine: AsyncEngine, dialogue: DialogueService, clock: FakeClock
) -> None:
    for n in range(7):
        await dialogue.handle(_text("old", n, "搬迁费怎么算"))
    clock.advance(days=40)
    for n in range(3):
        await dialogue.handle(_text("new", n, "过渡费怎么算"))
    old_log, all_log = 7 * 2, await _count(engine, messages)
    assert all_log >= 20
    policy = RetentionPolicy(message_log_days=30, processed_days=30, chunk=3)  # slices smaller than the rows
    report = await prune(engine, clock(), policy)
    assert report.processed == 7
    assert report.messages >= old_log
    async with engine.connect() as conn:
        keys = (await conn.execute(select(processed.c.dedupe_key))).scalars().all()
        times = (await conn.execute(select(messages.c.created_at))).scalars().all()
    assert sorted(keys) == ["new-0", "new-1", "new-2"]
    assert times and all(t >= clock() - timedelta(days=30) for t in times)
    assert await _count(engine, messages) == all_log - report.messages
    # a retry of a pruned message is handled afresh; a recent one is still recognised
    assert await prune(engine, clock(), policy) == type(report)()
    replies = await dialogue.handle_once(_text("new", 1, "过渡费怎么算"))
    assert replies is None


async def test_unanswered_questions_are_capped_keeping_the_most_asked(
    engine: AsyncEngine, dialogue: DialogueService, clock: FakeClock
) -> None:
    junk = [f"qzx{n}vbn{n * 7}wq" for n in range(12)]
    for n, text in enumerate(junk):  # every question unique junk the bot cannot answer
        await dialogue.handle(_text("spammer", n, text))
        clock.advance(seconds=1)
    for n in range(3):  # a real gap, asked three times: one row, counted
        await dialogue.handle(_text(f"resident{n}", 0, "请问二号楼电梯什么时候修好"))
    async with engine.connect() as conn:
        rows = {r.sample: r.count for r in await conn.execute(select(gaps.c.sample, gaps.c.count))}
    assert rows["请问二号楼电梯什么时候修好"] == 3
    assert len(rows) == 13
    report = await prune(engine, clock(), RetentionPolicy(gaps_max=5, chunk=2))
    assert report.gaps == 8
    async with engine.connect() as conn:
        kept = (await conn.execute(select(gaps.c.sample).order_by(gaps.c.id))).scalars().all()
    assert "请问二号楼电梯什么时候修好" in kept  # the most asked stays
    assert set(kept) - {"请问二号楼电梯什么时候修好"} == set(junk[-4:])  # the newest junk; the oldest went


async def test_the_server_prunes_by_itself(
    engine: AsyncEngine, settings: Settings, kb: KnowledgeBase, clock: FakeClock, aiohttp_client
) -> None:  # noqa: ANN001
    """The app's periodic task runs at start, then every ANJU_RETENTION_INTERVAL seconds."""
    async with engine.begin() as conn:
        await conn.execute(
            gaps.insert(),
            [
                {
                    "normalised": f"q{n}",
                    "reason": "abstain",
                    "sample": f"q{n}",
                    "count": 1,
                    "first_seen": clock(),
                    "last_seen": clock(),
                }
                for n in range(6)
            ],
        )
    settings = dataclasses.replace(settings, gaps_max=2, retention_interval=3600)
    await aiohttp_client(create_app(settings, clock=clock, knowledge=kb))
    for _ in range(500):  # the first pruning runs as the server starts; wait for it, not for a time
        if await _count(engine, gaps) == 2:
            break
        await asyncio.sleep(0.005)
    assert await _count(engine, gaps) == 2
