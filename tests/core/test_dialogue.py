"""The transaction around one message: dedupe, replay, one resident at a time, state kept, everything logged."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.resident_desk import ResidentDesk
from bot.core.dialogue import DialogueService
from bot.core.messages import Inbound, InboundKind
from bot.core.port import Conversation, Turn, TurnContext
from bot.db.models import DialogueState, Feedback, MessageLog, ProcessedInbound, Resident, UnansweredQuestion
from bot.dialogue_wiring import dialogue_service
from handlers.router import respond


def text(user: str, key: str, body: str) -> Inbound:
    return Inbound("web", user, key, InboundKind.TEXT, body)


def button(user: str, key: str, button_id: str) -> Inbound:
    return Inbound("web", user, key, InboundKind.BUTTON, button_id)


async def count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(model.__table__))


async def test_a_retry_replays_the_same_replies_and_changes_nothing(dialogue: DialogueService, engine) -> None:  # noqa: ANN001
    first = await dialogue.handle(text("u1", "k1", "搬迁费怎么算"))
    logged = await count(engine, MessageLog)
    again = await dialogue.handle(text("u1", "k1", "搬迁费怎么算"))
    assert again == first
    assert await count(engine, MessageLog) == logged
    assert await count(engine, ProcessedInbound) == 1


async def test_concurrent_deliveries_of_one_message_are_handled_once(dialogue: DialogueService, engine) -> None:  # noqa: ANN001
    results = await asyncio.gather(*(dialogue.handle(text("u2", "same", "过渡费怎么发")) for _ in range(10)))
    assert all(r == results[0] for r in results)
    assert await count(engine, ProcessedInbound) == 1
    assert await count(engine, MessageLog) == 2  # one in, one out


async def test_many_residents_at_once_each_get_their_own_state(dialogue: DialogueService, engine) -> None:  # noqa: ANN001
    await asyncio.gather(*(dialogue.handle(text(f"r{i}", f"k{i}", "过渡费怎么发")) for i in range(20)))
    assert await count(engine, Resident) == 20
    assert await count(engine, DialogueState) == 20


async def test_feedback_is_stored_and_unhelpful_answers_reach_the_curators(dialogue: DialogueService, engine) -> None:  # noqa: ANN001
    await dialogue.handle(text("u3", "a", "搬迁费怎么算"))
    await dialogue.handle(button("u3", "b", "fb:1:comp.relocation_fee"))
    await dialogue.handle(button("u3", "c", "fb:0:comp.relocation_fee"))
    async with engine.connect() as conn:
        votes = (await conn.execute(select(Feedback.helpful, Feedback.question, Feedback.topic_id))).all()
        gaps = (await conn.execute(select(UnansweredQuestion.reason, UnansweredQuestion.sample))).all()
    assert sorted(v.helpful for v in votes) == [False, True]
    assert all(v.question == "搬迁费怎么算" and v.topic_id == "comp.relocation_fee" for v in votes)
    assert [(g.reason, g.sample) for g in gaps] == [("unhelpful", "搬迁费怎么算")]


async def test_unanswered_questions_are_normalised_and_counted(dialogue: DialogueService, engine, clock) -> None:  # noqa: ANN001
    await dialogue.handle(text("u4", "1", "明天会下雨吗？"))
    clock.advance(hours=1)
    await dialogue.handle(text("u5", "2", "明天会下雨吗"))
    await dialogue.handle(text("u5", "3", "明天 会下雨吗!!"))
    async with engine.connect() as conn:
        query = select(
            UnansweredQuestion.normalised,
            UnansweredQuestion.count,
            UnansweredQuestion.first_seen,
            UnansweredQuestion.last_seen,
        )
        rows = (await conn.execute(query)).all()
    assert len(rows) == 1
    assert rows[0].normalised == "明天会下雨吗" and rows[0].count == 3
    assert rows[0].last_seen > rows[0].first_seen


async def test_one_question_from_many_residents_at_once_is_one_row_counting_them_all(
    dialogue: DialogueService,
    engine,  # noqa: ANN001
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Messages that arrive together share a transaction (and on PostgreSQL one upsert of the questions): the same
    unanswered question in several of them is still one row, counted once for each — in the batch, not by handling
    its messages again one by one after it failed."""
    caplog.set_level(logging.INFO, logger="bot.core.dialogue")
    await dialogue.handle(text("early", "0", "明天会下雨吗"))
    await asyncio.gather(*(dialogue.handle(text(f"rain{i}", f"k{i}", "明天会下雨吗？" + "!" * i)) for i in range(12)))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(UnansweredQuestion.normalised, UnansweredQuestion.count))).all()
    assert [tuple(r) for r in rows] == [("明天会下雨吗", 13)]
    assert [r.getMessage() for r in caplog.records if "failed" in r.getMessage()] == []


async def test_state_survives_a_new_service_on_the_same_database(engine, kb, clock) -> None:  # noqa: ANN001
    first = dialogue_service(engine, kb, clock)
    await first.handle(text("u6", "1", "搬迁费怎么算"))
    await first.close()
    second = dialogue_service(engine, kb, clock)
    replies = await second.handle(button("u6", "2", "fb:0:comp.relocation_fee"))
    await second.close()
    assert "抱歉" in replies[0].text
    async with engine.connect() as conn:
        question = await conn.scalar(select(Feedback.question))
    assert question == "搬迁费怎么算"  # the last question came from the stored state


async def test_two_workers_deliveries_of_one_message_are_handled_once(engine, kb, clock) -> None:  # noqa: ANN001
    """Two services stand for two processes: no shared asyncio lock, only the database keeps them apart."""
    workers = [dialogue_service(engine, kb, clock), dialogue_service(engine, kb, clock)]
    results = await asyncio.gather(*(workers[i % 2].handle(text("u7", "dup", "过渡费怎么发")) for i in range(8)))
    await asyncio.gather(*(w.close() for w in workers))
    assert all(r == results[0] for r in results)
    assert await count(engine, ProcessedInbound) == 1
    assert await count(engine, Resident) == 1
    assert await count(engine, MessageLog) == 2


async def _seen(engine: AsyncEngine, user: str) -> tuple:  # noqa: ANN001
    residents, states = Resident.__table__, DialogueState.__table__
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(residents.c.last_seen_at, states.c.updated_at)
                .join_from(residents, states, states.c.resident_id == residents.c.id)
                .where(residents.c.user_key == user)
            )
        ).one()
    return tuple(t.replace(tzinfo=None) for t in row)


async def test_the_state_keeps_the_last_message_time_and_the_resident_row_the_hour(
    dialogue: DialogueService,
    engine,
    clock,  # noqa: ANN001
) -> None:
    first = clock().replace(tzinfo=None)
    await dialogue.handle(text("u9", "m1", "搬迁费怎么算"))
    assert await _seen(engine, "u9") == (first, first)
    clock.advance(minutes=20)
    await dialogue.handle(text("u9", "m2", "过渡费呢"))
    # the exact time of the last message is the state's (the WeChat window reads it); last_seen_at is kept to the hour
    assert await _seen(engine, "u9") == (first, first + timedelta(minutes=20))
    clock.advance(minutes=41)
    await dialogue.handle(text("u9", "m3", "谢谢"))
    later = first + timedelta(minutes=61)
    assert await _seen(engine, "u9") == (later, later)


async def test_a_race_between_two_workers_is_logged_in_one_line(
    engine,
    kb,
    clock,  # noqa: ANN001
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same messages reach two workers at once (batches of several): the loser of the race on the dedupe key
    hands them over one by one and says so in one line — no traceback in the log for an expected conflict."""
    caplog.set_level(logging.INFO, logger="bot.core.dialogue")
    workers = [dialogue_service(engine, kb, clock), dialogue_service(engine, kb, clock)]
    for round_ in range(3):
        await asyncio.gather(
            *(workers[w].handle(text(f"race{i}", f"dup{round_}-{i}", "过渡费怎么发")) for i in range(6) for w in (0, 1))
        )
    await asyncio.gather(*(w.close() for w in workers))
    assert await count(engine, ProcessedInbound) == 18
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_a_batch_of_slow_turns_lets_the_loop_run_between_them(engine, kb, clock) -> None:  # noqa: ANN001
    """Messages that arrive together share a transaction, but the event loop is not held for all their turns at
    once: other requests are read and answered between two turns (each turn here takes 6 ms of CPU)."""
    loop_turns = 0

    async def ticker() -> None:
        nonlocal loop_turns
        while True:
            loop_turns += 1
            await asyncio.sleep(0)

    seen: list[int] = []  # the ticker's count when each turn started

    async def slow(state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        seen.append(loop_turns)
        until = time.perf_counter() + 0.006
        while time.perf_counter() < until:
            pass
        return await respond(state, inbound, ctx)

    service = DialogueService(engine, kb, slow, ResidentDesk(kb.params), clock)
    ticking = asyncio.create_task(ticker())
    try:
        replies = await asyncio.gather(*(service.handle(text(f"s{i}", f"k{i}", "过渡费怎么发")) for i in range(6)))
    finally:
        ticking.cancel()
        await service.close()
    assert all(r == replies[0] and r for r in replies)
    assert len(seen) == 6 and await count(engine, ProcessedInbound) == 6
    assert len(set(seen)) == 6  # the loop ran other callbacks before every turn after the first


async def test_a_committed_batch_wakes_its_requests_a_few_at_a_time(dialogue: DialogueService, engine) -> None:  # noqa: ANN001
    """The replies of a batch of 40 messages are handed out in slices: the event loop turns between them, so the
    requests woken first send their answers before the last ones are woken (40 at once held the loop ~20 ms)."""
    woken: list[int] = []  # how many of the 40 had their replies, at each turn of the loop while any waited
    calls = [asyncio.ensure_future(dialogue.handle(text(f"h{i}", f"k{i}", "过渡费怎么发"))) for i in range(40)]
    while not all(c.done() for c in calls):
        woken.append(sum(c.done() for c in calls))
        await asyncio.sleep(0)
    replies = [c.result() for c in calls]
    assert all(r == replies[0] and r for r in replies)
    assert await count(engine, ProcessedInbound) == 40
    steps = [b - a for a, b in zip(woken, [*woken[1:], 40]) if b > a]
    assert max(steps) <= 16 and len(steps) >= 3  # woken a few at a time, never all 40 at once
    assert sum(steps) == 40
