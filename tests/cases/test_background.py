"""The case workers on the app's cleanup_ctx: started with the app, seeded routing, cancelled cleanly on shutdown;
a failing tick is logged and the loop goes on."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot import keys
from bot.app import create_app
from bot.background import every
from bot.cases.actors import StaffUser
from bot.cases.queries import CaseFilter
from bot.cases.vocabulary import Role
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock


async def test_workers_live_with_the_app(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    clock: FakeClock,
) -> None:
    app = create_app(replace(settings, outbox_interval=3600, scheduler_interval=3600), clock=clock, knowledge=kb)
    client = await aiohttp_client(app)
    assert set(app[keys.SENDERS]) >= {"web"}
    assert [d.code for d in await app[keys.CASES].departments() if d.kind == "dispatch"] == ["dispatch"]
    loops = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "every"]
    assert len(loops) == 2
    await client.close()
    assert all(t.done() for t in loops)


async def test_workers_can_be_turned_off(client) -> None:  # noqa: ANN001
    assert not [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "every"]
    admin = StaffUser(1, "admin", "admin", Role.ADMIN, None)
    assert await client.app[keys.CASES].list_cases(admin, CaseFilter()) == []


async def test_a_failing_tick_does_not_stop_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    calls = 0
    third = asyncio.Event()

    async def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            third.set()
        if calls == 1:
            raise RuntimeError("database restarting")

    task = asyncio.create_task(every(0, tick, "test"))
    await third.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "test tick failed" in caplog.text
