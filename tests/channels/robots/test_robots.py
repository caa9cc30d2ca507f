"""Department notices through the outbox to WeCom and DingTalk group robots (the fakes enforce 20 messages a minute
and DingTalk's signature): a new case and its 督办 reach the department's robot with a dashboard link; a burst is
folded so that 40 notices in a minute arrive as at most 20 messages; refusals are retried and told on the page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import keys
from bot.cases.scheduler import Scheduler
from bot.cases.vocabulary import Category
from bot.core.messages import Outbound
from bot.outbox.enqueue import OutboxStatus, outbox
from bot.robots.config import Platform, robot
from bot.robots.models import DepartmentRobot
from bot.robots.posts import case_link, post_to_robots
from tests.channels.robots.conftest import BASE_URL, DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY, Robots
from tests.support.cases import file_case
from tests.support.clock import FakeClock

SIGN_FOR_DUE = datetime(2026, 9, 16, 16, 0, tzinfo=UTC)  # end of Wednesday 16 Sep, Beijing (clock: Tue 17:00)
robot_rows = DepartmentRobot.__table__


async def test_a_new_case_and_its_duban_reach_the_wecom_and_the_dingtalk_department(
    robots: Robots, clock: FakeClock, kb
) -> None:  # noqa: ANN001
    to_comp = await file_case(robots.engine, clock(), category=Category.COMPENSATION)  # → 补偿办 (WeCom)
    to_dongguan = await file_case(robots.engine, clock(), category=Category.OTHER)  # → 东关工作组 (DingTalk)
    await robots.deliver(clock)

    [wecom_new] = robots.wecom.texts(WECOM_KEY)
    assert "【新案件】" in wecom_new and to_comp.number in wecom_new and to_dongguan.number not in wecom_new
    assert f"({BASE_URL}/staff/cases/{to_comp.number})" in wecom_new
    assert "13800138000" not in wecom_new and "东关街18号" not in wecom_new  # never the resident's phone or address
    [dingtalk_new] = robots.dingtalk.texts(DINGTALK_TOKEN)
    assert "【新案件】" in dingtalk_new and to_dongguan.number in dingtalk_new and to_comp.number not in dingtalk_new
    assert f"({BASE_URL}/staff/cases/{to_dongguan.number})" in dingtalk_new

    scheduler = Scheduler(robots.engine, kb.params, clock, digest_hour=8)
    await scheduler.tick()
    clock.now = SIGN_FOR_DUE + timedelta(minutes=1)
    assert (await scheduler.tick()).escalations == 2
    await robots.deliver(clock)
    wecom_duban = robots.wecom.texts(WECOM_KEY)[1:]
    assert any("【超期督办】" in t and to_comp.number in t for t in wecom_duban), wecom_duban
    dingtalk_duban = robots.dingtalk.texts(DINGTALK_TOKEN)[1:]
    assert any("【超期督办】" in t and to_dongguan.number in t for t in dingtalk_duban), dingtalk_duban
    assert robots.wecom.refusals(45009) == 0 and robots.dingtalk.refusals(130101) == 0
    assert robots.dingtalk.refusals(310000) == 0  # every request signed as DingTalk checks it

    clock.now = datetime(2026, 9, 18, 0, 30, tzinfo=UTC)  # 08:30 in Beijing: the daily digest
    assert (await scheduler.tick()).digests == 1
    await robots.deliver(clock)
    assert "安居助手每日汇总（2026年9月18日）：本单位未办结 1 件，其中超期 1 件" in robots.wecom.texts(WECOM_KEY)[-1]
    assert "：本单位未办结 1 件" in robots.dingtalk.texts(DINGTALK_TOKEN)[-1]


async def test_a_staff_conduct_complaint_never_reaches_the_named_department_robot(
    robots: Robots, clock: FakeClock
) -> None:
    created = await file_case(robots.engine, clock(), category=Category.STAFF_CONDUCT, named_unit="comp_office")
    await robots.deliver(clock)
    assert all(created.number not in t for t in robots.wecom.texts(WECOM_KEY))


@pytest.mark.parametrize("platform", ["wecom", "dingtalk"])
@pytest.mark.parametrize("arrival", ["spread", "burst"])
async def test_forty_notices_in_a_minute_arrive_as_at_most_twenty_messages(
    robots: Robots, clock: FakeClock, platform: str, arrival: str
) -> None:
    department = robots.depts["comp_office" if platform == "wecom" else "wg_dongguan"]
    fake, robot_id = (robots.wecom, WECOM_KEY) if platform == "wecom" else (robots.dingtalk, DINGTALK_TOKEN)
    worker = robots.client.app[keys.OUTBOX]
    start = clock()
    numbers = [f"AJ-2026-{900000 + n}" for n in range(40)]
    for n, number in enumerate(numbers):
        async with robots.engine.begin() as conn:
            await post_to_robots(
                conn,
                department,
                f"test:{n}",
                Outbound(f"【新案件】{number}\n类别：其他", links=(case_link(number),)),
                clock(),
            )
        if arrival == "spread":  # one every 1.5 s, the worker ticking as it does in production (every 2 s)
            if n % 4 == 3:
                await worker.tick()
            clock.advance(seconds=1.5)
    assert clock() - start <= timedelta(minutes=1)
    await robots.deliver(clock, rounds=200)

    received = "\n".join(fake.texts(robot_id))
    assert all(number in received for number in numbers)  # nothing lost
    assert len(fake.messages) <= 20, len(fake.messages)
    assert fake.max_per_minute(robot_id) <= 20
    assert fake.calls and all(c.errcode == 0 for c in fake.calls)  # never refused for going too fast
    if arrival == "burst":
        assert len(fake.messages) <= 2 and "条通知（合并发送）" in fake.messages[0].text


async def test_the_fakes_enforce_twenty_a_minute_and_dingtalk_throttles_for_ten_minutes(
    robots: Robots, clock: FakeClock
) -> None:
    import aiohttp

    from bot.channels.robots.dingtalk import signature

    async with aiohttp.ClientSession() as http:

        async def wecom() -> int:
            async with http.post(
                f"{robots.wecom.url}/cgi-bin/webhook/send",
                params={"key": WECOM_KEY},
                json={"msgtype": "text", "text": {"content": "测试"}},
            ) as r:
                return (await r.json())["errcode"]

        async def dingtalk(sign: str | None = None, stamp: int | None = None) -> int:
            stamp = stamp if stamp is not None else int(clock().timestamp() * 1000)
            sign = sign if sign is not None else signature(str(stamp), DINGTALK_SECRET)
            from urllib.parse import quote_plus

            from yarl import URL

            url = URL(
                f"{robots.dingtalk.url}/robot/send?access_token={DINGTALK_TOKEN}&timestamp={stamp}"
                f"&sign={quote_plus(sign)}",
                encoded=True,
            )
            async with http.post(url, json={"msgtype": "text", "text": {"content": "测试"}}) as r:
                return (await r.json())["errcode"]

        assert [await wecom() for _ in range(21)] == [0] * 20 + [45009]
        clock.advance(seconds=61)
        assert await wecom() == 0

        assert await dingtalk(sign="not-the-signature") == 310000
        assert await dingtalk(stamp=int((clock() - timedelta(hours=2)).timestamp() * 1000)) == 310000
        assert [await dingtalk() for _ in range(21)] == [0] * 20 + [130101]
        clock.advance(seconds=61)
        assert await dingtalk() == 130101  # throttled for ten minutes after going over
        clock.advance(minutes=10)
        assert await dingtalk() == 0


async def test_a_wrong_dingtalk_secret_is_retried_and_told_on_the_page_without_the_secret(
    robots: Robots, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    robots.dingtalk.robots[DINGTALK_TOKEN].secret = "SEC" + "0" * 60  # the robot's secret was reset in DingTalk
    caplog.set_level(logging.DEBUG)
    created = await file_case(robots.engine, clock(), category=Category.OTHER)
    report = await robots.client.app[keys.OUTBOX].tick()
    assert report.retried == 1 and robots.dingtalk.refusals(310000) == 1
    async with robots.engine.connect() as conn:
        row = (await conn.execute(select(outbox).where(outbox.c.channel == "dingtalk"))).one()
        state = await robot(conn, robots.depts["wg_dongguan"], Platform.DINGTALK)
        error = await conn.scalar(select(robot_rows.c.last_error).where(robot_rows.c.platform == "dingtalk"))
    assert state is not None and row.status == OutboxStatus.PENDING and "310000" in row.last_error
    assert "加签密钥" in error
    for text in (row.last_error, error, caplog.text):
        assert DINGTALK_TOKEN not in text and DINGTALK_SECRET not in text and "sign=" not in text

    robots.dingtalk.robots[DINGTALK_TOKEN].secret = DINGTALK_SECRET  # fixed: the retry goes through
    clock.advance(minutes=11)
    await robots.deliver(clock)
    assert any(created.number in t for t in robots.dingtalk.texts(DINGTALK_TOKEN))
    async with robots.engine.connect() as conn:
        assert await conn.scalar(select(robot_rows.c.last_error).where(robot_rows.c.platform == "dingtalk")) is None


async def test_a_robot_removed_after_queuing_makes_the_notice_undeliverable(robots: Robots, clock: FakeClock) -> None:
    from bot.robots.config import clear_robot

    await file_case(robots.engine, clock(), category=Category.COMPENSATION)
    async with robots.engine.begin() as conn:
        assert await clear_robot(conn, robots.depts["comp_office"], Platform.WECOM)
    await robots.deliver(clock)
    assert robots.wecom.messages == []
    async with robots.engine.connect() as conn:
        statuses = {r.status for r in await conn.execute(select(outbox).where(outbox.c.channel == "wecom"))}
    assert statuses == {OutboxStatus.UNDELIVERABLE}


async def test_a_deadline_reminder_reaches_the_department_robot(robots: Robots, clock: FakeClock, kb) -> None:  # noqa: ANN001
    created = await file_case(robots.engine, clock(), category=Category.COMPENSATION)
    await robots.deliver(clock)
    scheduler = Scheduler(robots.engine, kb.params, clock, digest_hour=8)
    await scheduler.tick()
    clock.now = clock() + (SIGN_FOR_DUE - clock()) * 0.8 + timedelta(minutes=1)
    assert (await scheduler.tick()).reminders == 1
    await robots.deliver(clock)
    sent = "\n".join(robots.wecom.texts(WECOM_KEY)[1:])  # folded with the day's digest lines
    assert f"提醒：案件 {created.number} 的签收期限是" in sent
    assert f"({BASE_URL}/staff/cases/{created.number})" in sent


async def test_a_robot_already_at_its_limit_is_retried_after_the_minute(robots: Robots, clock: FakeClock) -> None:
    robots.wecom.robots[WECOM_KEY].sent.extend([clock()] * 20)  # another system used the robot's minute
    created = await file_case(robots.engine, clock(), category=Category.COMPENSATION)
    report = await robots.client.app[keys.OUTBOX].tick()
    assert report.retried == 1 and robots.wecom.refusals(45009) == 1
    async with robots.engine.connect() as conn:
        error = await conn.scalar(select(robot_rows.c.last_error).where(robot_rows.c.platform == "wecom"))
    assert "限流" in error
    await robots.deliver(clock, rounds=120)
    assert any(created.number in t for t in robots.wecom.texts(WECOM_KEY))
    assert robots.wecom.refusals(45009) == 1  # waited for the minute instead of trying again at once
