"""The dialogue core tells its observer (the metrics) of each turn once it is committed — once, not for a replay —
and a failing observer never costs a resident the reply."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import Inbound, InboundKind
from bot.dialogue_wiring import dialogue_service
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock


async def test_each_committed_turn_is_told_once(engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock) -> None:
    seen: list[tuple[str, str | None]] = []
    service = dialogue_service(
        engine,
        kb,
        clock,
        observe=lambda inbound, before, effects, turn, outcomes: seen.append(
            (inbound.dedupe_key, turn.state.last_topic)
        ),
    )
    question = kb.topics[0].questions[0]
    message = Inbound("web", "u1", "d1", InboundKind.TEXT, question)
    first = await service.handle(message)
    again = await service.handle(message)  # a channel retry: replayed, not a new turn
    await service.close()
    assert first == again and seen == [("d1", kb.topics[0].id)]


async def test_a_failing_observer_does_not_lose_the_reply(
    engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("metrics broke")

    service = dialogue_service(engine, kb, clock, observe=broken)
    with caplog.at_level(logging.ERROR, logger="bot.core.dialogue"):
        replies = await service.handle(Inbound("web", "u1", "d1", InboundKind.TEXT, "你好"))
    await service.close()
    assert replies and "您好" in replies[0].text
    assert any("turn observer failed" in r.getMessage() for r in caplog.records)
