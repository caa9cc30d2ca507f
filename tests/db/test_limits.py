"""Limits shared by several worker processes, kept in PostgreSQL (bot/db/limits.py): two engines stand for two
workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import make_engine
from bot.db.limits import SharedQuota, SharedWindow

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


async def test_a_bots_leases_are_shared_and_held_until_a_period_after_the_response(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    workers = [SharedWindow(engine), SharedWindow(second_engine)]
    taken = [await workers[i % 2].take("telegram:1", 3) for i in range(4)]
    assert sorted(n for n, _ in taken[:3]) == [0, 1, 2]  # three places, whichever worker asks
    assert taken[3][0] is None and taken[3][1] > 20  # all three on their way: no time known when one frees
    await workers[1].give_back("telegram:1", taken[0][0], 0.5)  # its answer came now
    n, wait = await workers[0].take("telegram:1", 3)
    assert n is None and 0.3 < wait <= 0.5  # free half a second after the answer, not at once
    await workers[0].give_back("telegram:1", taken[1][0], 0.0)  # another's answer, with no period to wait
    assert (await workers[0].take("telegram:1", 3))[0] == taken[1][0]


async def test_a_chats_lease_waits_for_the_last_response_and_for_replies(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    first, second = SharedWindow(engine), SharedWindow(second_engine)
    assert await first.take("telegram:1:chat:42", 1) == (0, 0.0)
    n, wait = await second.take("telegram:1:chat:42", 1)
    assert n is None and wait > 20  # the first notification is still on its way
    await first.give_back("telegram:1:chat:42", 0, 1.05)  # its answer came now
    n, wait = await second.take("telegram:1:chat:42", 1)
    assert n is None and 0.95 <= wait <= 1.05
    await first.mark("telegram:1:chat:43", 1.05)  # a reply to chat 43 left now
    n, wait = await second.take("telegram:1:chat:43", 1)
    assert n is None and 0.95 <= wait <= 1.05
    assert await second.take("telegram:1:chat:44", 1) == (0, 0.0)


async def test_a_window_on_a_clock_passed_in_counts_by_that_clock(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    """The department robots' 20 a minute: leases timed by the app's clock (here moved by the test), not the
    database's."""
    now = [1_800_000_000.0]
    first, second = (SharedWindow(e, lease=76.0, clock=lambda: now[0]) for e in (engine, second_engine))
    taken = [await (first, second)[i % 2].take("robot:wecom:abc", 2) for i in range(3)]
    assert [n for n, _ in taken[:2]] == [0, 1] and taken[2] == (None, 76.0)
    await first.give_back("robot:wecom:abc", 0, 66.0)
    assert await second.take("robot:wecom:abc", 2) == (None, 66.0)  # exactly: the clock passed in has not moved
    now[0] += 65.5
    n, wait = await second.take("robot:wecom:abc", 2)
    assert n is None and wait == pytest.approx(0.5)
    now[0] += 0.5
    assert (await second.take("robot:wecom:abc", 2))[0] == 0
