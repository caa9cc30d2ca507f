"""The app with its robot senders pointed at the fake WeCom and DingTalk servers; departments from routing.yaml,
comp_office on WeCom and wg_dongguan on DingTalk (signed mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.app import create_app
from bot.robots.config import Platform, parse_dingtalk, parse_wecom, set_robot
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.cases import load_test_routing
from tests.support.clock import FakeClock
from tests.support.fake_robots import FakeDingTalkRobots, FakeWeComRobots

BASE_URL = "https://anju.example.gov.cn"
WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "c0ffee00aa11bb22cc33dd44ee55ff66c0ffee00aa11bb22cc33dd44ee55ff66"
# a secret whose signatures contain '+' and '/' often enough that an unencoded one is caught
DINGTALK_SECRET = "SEC4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


@dataclass
class Robots:
    client: TestClient
    engine: AsyncEngine
    wecom: FakeWeComRobots
    dingtalk: FakeDingTalkRobots
    depts: dict[str, int]

    async def deliver(self, clock: FakeClock, rounds: int = 50) -> None:
        """Run the outbox until nothing is waiting, a second of fake time between rounds."""
        worker = self.client.app[keys.OUTBOX]
        for _ in range(rounds):
            report = await worker.tick()
            if report.total == 0 and not await self.waiting():
                return
            clock.advance(seconds=1)
        raise AssertionError("outbox did not drain")

    async def waiting(self) -> bool:
        from sqlalchemy import func, select

        from bot.outbox.enqueue import OutboxStatus, outbox

        async with self.engine.connect() as conn:
            return bool(
                await conn.scalar(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
                )
            )


@pytest.fixture
async def fake_wecom(clock: FakeClock) -> AsyncIterator[FakeWeComRobots]:
    server = await FakeWeComRobots(clock).start()
    yield server
    await server.close()


@pytest.fixture
async def fake_dingtalk(clock: FakeClock) -> AsyncIterator[FakeDingTalkRobots]:
    server = await FakeDingTalkRobots(clock).start()
    yield server
    await server.close()


@pytest.fixture
async def robots(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,  # noqa: ANN001
    fake_wecom: FakeWeComRobots,
    fake_dingtalk: FakeDingTalkRobots,
) -> Robots:
    configured = replace(
        settings, wecom_api_base=fake_wecom.url, dingtalk_api_base=fake_dingtalk.url, public_base_url=BASE_URL
    )
    client = await aiohttp_client(create_app(configured, clock=clock, knowledge=kb))
    engine = client.app[keys.ENGINE]
    depts = await load_test_routing(engine, clock())
    wecom_url = fake_wecom.add_robot(WECOM_KEY)
    dingtalk_url = fake_dingtalk.add_robot(DINGTALK_TOKEN, DINGTALK_SECRET)
    async with engine.begin() as conn:
        await set_robot(conn, depts["comp_office"], Platform.WECOM, parse_wecom(wecom_url), None, clock())
        token, secret = parse_dingtalk(dingtalk_url, DINGTALK_SECRET)
        await set_robot(conn, depts["wg_dongguan"], Platform.DINGTALK, token, secret, clock())
    return Robots(client, engine, fake_wecom, fake_dingtalk, depts)
