"""Limits shared by several worker processes, kept in PostgreSQL (bot/db/limits.py): two engines stand for two
workers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import make_engine
from bot.db.limits import SharedQuota, SharedSlots

pytestmark = pytest.mark.postgres


@pytest.fixture
async def second_engine(engine: AsyncEngine, database_url: str) -> AsyncIterator[AsyncEngine]:
    other = make_engine(database_url)
    yield other
    await other.dispose()


async def test_two_workers_share_one_window_quota(engine: AsyncEngine, second_engine: AsyncEngine) -> None:
    opened = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    first, second = SharedQuota(engine, "wechat", 5), SharedQuota(second_engine, "wechat", 5)
    taken = [await (first if i % 2 else second).take("openid-1", opened) for i in range(7)]
    assert taken == [True] * 5 + [False] * 2
    assert await first.take("openid-2", opened)  # another resident has their own
    await second.give_back("openid-1", opened)  # one did not go out
    assert await first.take("openid-1", opened) and not await second.take("openid-1", opened)
    later = opened + timedelta(hours=3)  # the resident wrote again: a new window
    assert [await first.take("openid-1", later) for _ in range(6)] == [True] * 5 + [False]
    await second.exhaust("openid-2", opened)  # the platform said 45047
    assert not await first.take("openid-2", opened)


async def test_start_slots_are_spaced_whichever_worker_takes_them(engine: AsyncEngine,
                                                                   second_engine: AsyncEngine) -> None:
    interval = 1.05 / 30
    workers = [SharedSlots(engine), SharedSlots(second_engine)]
    starts = []
    for i in range(31):
        asked = time.monotonic()
        starts.append(asked + await workers[i % 2].reserve("telegram:1", interval))  # when it may start
    # 31 starts span 30 intervals, however the reservations were spread over the workers (a round trip's error)
    assert starts[30] - starts[0] >= 30 * interval - 0.02
    assert all(later - earlier >= interval - 0.02 for earlier, later in zip(starts, starts[1:], strict=False))


async def test_a_chats_next_message_waits_for_the_last_response(engine: AsyncEngine,
                                                                second_engine: AsyncEngine) -> None:
    first, second = SharedSlots(engine), SharedSlots(second_engine)
    assert await first.reserve("telegram:1:chat:42", 1.05) == 0.0
    await first.finished("telegram:1:chat:42", 1.05)  # its answer came now
    wait = await second.reserve("telegram:1:chat:42", 1.05)
    assert 0.95 <= wait <= 1.05
    await first.busy("telegram:1:chat:43", 1.05)  # a reply to chat 43 left now
    assert await second.reserve("telegram:1:chat:43", 1.05) >= 0.95
    assert await second.reserve("telegram:1:chat:44", 1.05) == 0.0
