"""Two outbox workers on one PostgreSQL database — two apps, each with its own engine, senders and outbox worker,
as two `serve` processes have — send to the same WeCom and DingTalk robots: the robots' 20 messages a minute hold
for both together (the webhooks' leases in the database, bot/db/limits.py), the burst is folded, nothing is lost.
The fakes count every request that reaches them, refused or not, on the same fake clock the workers run on.

The load is what two `serve` processes see: a notice every 1.5 s, each worker's outbox loop every 2 s, a second
apart. Each worker alone keeps one message per 3.3 s; the two together, unshared, sent 21 in a minute and were
refused (45009 / 130101) — the shared leases keep them at 20 and make the next one wait for the minute."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from bot import keys
from bot.app import create_app
from bot.core.messages import Outbound
from bot.outbox.worker import DeliveryReport
from bot.robots.posts import case_link, post_to_robots
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channels.robots.conftest import BASE_URL, DINGTALK_TOKEN, WECOM_KEY, Robots
from tests.support.clock import FakeClock
from tests.support.fake_robots import FakeDingTalkRobots, FakeWeComRobots

pytestmark = pytest.mark.postgres


@pytest.fixture
async def second_worker(
    aiohttp_client,  # noqa: ANN001
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,
    fake_wecom: FakeWeComRobots,
    fake_dingtalk: FakeDingTalkRobots,
    robots: Robots,  # the first worker: it created the schema and the robots
) -> TestClient:
    configured = replace(
        settings, wecom_api_base=fake_wecom.url, dingtalk_api_base=fake_dingtalk.url, public_base_url=BASE_URL
    )
    return await aiohttp_client(create_app(configured, clock=clock, knowledge=kb))


@pytest.mark.parametrize("platform", ["wecom", "dingtalk"])
async def test_two_workers_send_forty_notices_in_a_minute_within_the_robots_twenty(
    robots: Robots, second_worker: TestClient, clock: FakeClock, platform: str
) -> None:
    department = robots.depts["comp_office" if platform == "wecom" else "wg_dongguan"]
    fake, robot_id = (robots.wecom, WECOM_KEY) if platform == "wecom" else (robots.dingtalk, DINGTALK_TOKEN)
    workers = [robots.client.app[keys.OUTBOX], second_worker.app[keys.OUTBOX]]
    assert robots.engine is not second_worker.app[keys.ENGINE]  # two connection pools, as two processes
    delivered = [0, 0]

    async def tick(*which: int) -> None:
        reports: list[DeliveryReport] = await asyncio.gather(*(workers[n].tick() for n in which))
        for n, report in zip(which, reports, strict=True):
            delivered[n] += report.delivered

    numbers = [f"AJ-2026-{910000 + n}" for n in range(40)]
    start = clock()
    for step in range(400):  # half-second steps: a notice every 1.5 s; each worker's loop every 2 s, a second apart
        n = step // 3
        if step % 3 == 0 and n < len(numbers):
            async with robots.engine.begin() as conn:
                message = Outbound(f"【新案件】{numbers[n]}\n类别：其他", links=(case_link(numbers[n]),))
                await post_to_robots(conn, department, f"two:{n}", message, clock())
        elif n >= len(numbers) and not await robots.waiting():
            break
        if step % 2 == 0:
            await tick(step // 2 % 2)
        clock.advance(seconds=0.5)
    assert (clock() - start).total_seconds() > 60
    assert not await robots.waiting()

    received = "\n".join(fake.texts(robot_id))
    assert all(number in received for number in numbers)  # nothing lost
    assert sum(delivered) == 40 and all(delivered), delivered  # both workers sent some of them
    assert fake.max_calls_per_minute(robot_id) <= 20, fake.max_calls_per_minute(robot_id)
    assert all(c.errcode == 0 for c in fake.calls)  # never refused for going too fast
    assert len(fake.messages) < 40 and any("条通知（合并发送）" in m.text for m in fake.messages)  # folded
