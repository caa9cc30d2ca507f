"""A notice to one district, end to end: residents write to the bot on Telegram, WeChat and the web chat; some are
bound to households of 东关片区, some to 西街片区; a work-group member writes the notice, previews it and sends it
(twice: a double submit); the real outbox worker delivers it through the fake Telegram Bot API, the fake WeChat API
and the web chat's inbox; the report counts what happened to each resident, and why."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.channels.telegram.channel import TELEGRAM
from bot.outbox.models import OutboxMessage
from bot.settings import Settings
from tests.channels.telegram.conftest import telegram_settings
from tests.channels.wechat.conftest import wechat_settings
from tests.staff.agent import StaffAgent
from tests.support.bindings import bind, import_households, resident_id
from tests.support.clock import FakeClock
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_wechat import APP_ID, FakeWeChatApi
from tests.support.telegram_resident import ProcessedUpdates, TelegramResident
from tests.support.transcript import ChatSession
from tests.support.wechat_client import WeChatResident

Login = Callable[[str], Awaitable[StaffAgent]]
outbox = OutboxMessage.__table__
TITLE = "东关片区选房顺序号公布"
BODY = "各位居民：东关片区选房顺序号已在片区工作组公示栏张贴，\n请于9月20日前到工作组核对。"
REPORT = re.compile(r"/staff/district-notices/(\d+)\?done=(\w+)")


@pytest.fixture
async def fake_telegram():  # noqa: ANN201
    fake = await FakeTelegram().start()
    yield fake
    await fake.close()


@pytest.fixture
async def wechat_api():  # noqa: ANN201
    api = await FakeWeChatApi().start()
    yield api
    await api.close()


@pytest.fixture
def settings(settings: Settings, fake_telegram: FakeTelegram, wechat_api: FakeWeChatApi) -> Settings:
    """The app with all three channels: Telegram (polling the fake), WeChat (plain mode), the web chat."""
    return replace(wechat_settings(telegram_settings(settings, fake_telegram, "polling", 0), wechat_api, False))


def count(page: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', page)
    assert found, name
    return int(found.group(1))


async def deliver_all(client: TestClient, clock: FakeClock) -> None:
    """Run the outbox worker until nothing is waiting (Telegram takes one message a second per chat: the worker
    defers a chat that just had a reply; the fake clock moves on and real time passes for the pacing)."""
    engine = client.app[keys.ENGINE]
    for _ in range(30):
        await client.app[keys.OUTBOX].tick()
        async with engine.connect() as conn:
            waiting = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.status.in_(["pending", "sending"]))
            )
        if not waiting:
            return
        clock.advance(seconds=5)
        await asyncio.sleep(0.3)
    raise AssertionError("the outbox did not finish")


def texts_with(messages: list[str], needle: str) -> list[str]:
    return [m for m in messages if needle in m]


async def web_updates(client: TestClient, session: str) -> list[str]:
    response = await client.get("/api/chat/updates", params={"session": session})
    assert response.status == 200
    return [r["text"] for r in (await response.json())["replies"]]


async def test_a_notice_reaches_exactly_the_districts_bound_residents_once(
    client: TestClient,
    login: Login,
    clock: FakeClock,
    fake_telegram: FakeTelegram,
    wechat_api: FakeWeChatApi,
) -> None:
    engine = client.app[keys.ENGINE]
    districts = await import_households(engine, clock())
    assert districts["T-000000"] == districts["T-000004"] == "dongguan" and districts["T-000001"] == "xijie"
    processed = ProcessedUpdates()
    processed.install(client.app[TELEGRAM].application)

    # a WeChat resident who last wrote more than 48 hours before the notice
    wx_old = WeChatResident(client, clock, openid="oWxOldResident000000001", app_id=APP_ID)
    assert (await wx_old.say("你好")).status == 200
    clock.advance(hours=49)

    async def telegram(chat_id: int) -> int:
        await TelegramResident(fake_telegram, processed, chat_id).say("你好")
        return await resident_id(engine, "telegram", str(chat_id))

    async def wechat(openid: str) -> int:
        assert (await WeChatResident(client, clock, openid=openid, app_id=APP_ID).say("你好")).status == 200
        return await resident_id(engine, "wechat", openid)

    async def web(session: str) -> tuple[ChatSession, int]:
        chat = ChatSession(client, session=session)
        await chat.say("你好")
        return chat, await resident_id(engine, "web", session)

    now = clock()
    await bind(engine, await telegram(7001), "T-000000", "Telegram 用户 甲", now)
    await bind(engine, await telegram(7002), "T-000000", "Telegram 用户 乙", now)  # same household: both get it
    await bind(engine, await telegram(7003), "T-000004", "Telegram 用户 丙", now)
    await bind(engine, await resident_id(engine, "wechat", wx_old.openid), "T-000004", "微信用户 旧", now)
    await bind(engine, await wechat("oWxNewResident000000001"), "T-000000", "微信用户 新", now)
    web_dg, web_dg_id = await web("web-dongguan-0001")
    await bind(engine, web_dg_id, "T-000004", "网页用户 东", now)
    web_off, web_off_id = await web("web-dongguan-off1")
    await bind(engine, web_off_id, "T-000000", "网页用户 关", now)
    await web_off.say("不要再发通知了")
    assert "已关闭片区通知" in web_off.text
    # 西街片区, and a resident bound to no household: not for this notice
    await bind(engine, await telegram(7009), "T-000001", "Telegram 用户 西", now)
    web_xj, web_xj_id = await web("web-xijie-000001")
    await bind(engine, web_xj_id, "T-000001", "网页用户 西", now)
    await telegram(7010)
    fake_telegram.blocked.add(7003)  # this resident blocked the bot since

    staff = await login("dongguan")
    compose = await staff.page("/staff/district-notices/new")
    assert "西街片区" not in compose  # a work group writes to its own district only
    fields = {"kind": "selection", "title": TITLE, "body": BODY, "district": "dongguan"}
    preview = await staff.post("/staff/district-notices/preview", fields)
    page = await preview.text()
    assert preview.status == 200, page
    assert "将发给 <strong>6</strong> 位居民（2 户）" in page
    assert "另有 1 位居民已关闭通知" in page
    assert "其中 1 位微信居民超过 48 小时" in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    async with engine.connect() as conn:
        assert (
            await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.idempotency_key.like("district-notice:%"))
            )
            == 0
        )

    first = await staff.post("/staff/district-notices", {**fields, "key": key})
    second = await staff.post("/staff/district-notices", {**fields, "key": key})  # the double submit
    assert first.status == second.status == 303
    notice_id, done = REPORT.search(first.headers["Location"]).groups()
    again_id, again = REPORT.search(second.headers["Location"]).groups()
    assert (again_id, done, again) == (notice_id, "sent", "again")

    page = await staff.page(f"/staff/district-notices/{notice_id}")
    assert count(page, "waiting") == 6 and "还有 6 位居民等待发送" in page  # nothing sent yet
    assert 'http-equiv="refresh"' not in page  # reloading on its own only when asked for
    page = await staff.page(f"/staff/district-notices/{notice_id}?auto=1")
    assert 'http-equiv="refresh" content="10"' in page and "停止自动刷新" in page

    await deliver_all(client, clock)

    def telegram_notices(chat_id: int) -> list[str]:
        return texts_with([m["text"] for m in fake_telegram.messages(chat_id)], TITLE)

    assert len(telegram_notices(7001)) == 1 and len(telegram_notices(7002)) == 1
    assert telegram_notices(7003) == [] and telegram_notices(7009) == [] and telegram_notices(7010) == []
    assert "【选房通知】" + TITLE in telegram_notices(7001)[0] and "东关片区征收工作组" in telegram_notices(7001)[0]
    assert len(texts_with(wechat_api.texts_to("oWxNewResident000000001"), TITLE)) == 1
    assert texts_with(wechat_api.texts_to(wx_old.openid), TITLE) == []
    assert len(texts_with(await web_updates(client, web_dg.session), TITLE)) == 1
    assert texts_with(await web_updates(client, web_off.session), TITLE) == []
    assert texts_with(await web_updates(client, web_xj.session), TITLE) == []

    page = await staff.page(f"/staff/district-notices/{notice_id}")
    assert count(page, "recipients") == 7
    assert (count(page, "sent"), count(page, "failed"), count(page, "undeliverable")) == (4, 1, 1)
    assert (count(page, "skipped"), count(page, "waiting")) == (1, 0)
    assert "居民已屏蔽机器人（Telegram 403）" in page
    assert "居民超过 48 小时没有给公众号发消息，微信不允许再发客服消息" in page
    page = await staff.page(f"/staff/district-notices/{notice_id}?auto=1")
    assert 'http-equiv="refresh"' not in page and "已全部处理完毕" in page  # all done: no more reloading
    listing = await staff.page("/staff/district-notices")
    assert TITLE in listing and listing.count(f'data-notice="{notice_id}"') == 1


async def test_the_button_under_a_notice_turns_them_off_and_打开通知_back_on(
    client: TestClient, login: Login, clock: FakeClock, fake_telegram: FakeTelegram
) -> None:
    engine = client.app[keys.ENGINE]
    await import_households(engine, clock(), n=4)
    processed = ProcessedUpdates()
    processed.install(client.app[TELEGRAM].application)
    resident = TelegramResident(fake_telegram, processed, 8001)
    await resident.say("你好")
    await bind(engine, await resident_id(engine, "telegram", "8001"), "T-000000", "Telegram 用户", clock())
    web = ChatSession(client, session="web-notice-button1")
    await web.say("你好")
    await bind(engine, await resident_id(engine, "web", web.session), "T-000001", "网页用户", clock())
    admin = await login("admin")

    async def send(title: str) -> str:
        fields = {"kind": "deadline", "title": title, "body": "签约期限为9月30日。", "district": "all"}
        page = await (await admin.post("/staff/district-notices/preview", fields)).text()
        key = re.search(r'name="key" value="([^"]+)"', page).group(1)
        response = await admin.post("/staff/district-notices", {**fields, "key": key})
        await deliver_all(client, clock)
        return await admin.page(REPORT.search(response.headers["Location"]).group(0).split("?")[0])

    page = await send("第一次提醒")
    assert (count(page, "sent"), count(page, "skipped")) == (2, 0)
    # the resident taps 不再接收此类通知 under the notice on Telegram; the web resident under theirs
    await resident.press("不再接收此类通知")
    assert "已关闭片区通知" in resident.text
    response = await client.get("/api/chat/updates", params={"session": web.session})
    (notice,) = (await response.json())["replies"]
    assert [b["label"] for b in notice["buttons"]] == ["不再接收此类通知"]
    await web.send(button=notice["buttons"][0]["id"])
    assert "已关闭片区通知" in web.text
    page = await send("第二次提醒")
    assert (count(page, "sent"), count(page, "skipped")) == (0, 2)
    assert "居民已回复“关闭通知”" in page
    assert not [m for m in fake_telegram.messages(8001) if "第二次提醒" in m["text"]]

    await web.say("打开通知")
    assert "已重新打开片区通知" in web.text
    page = await send("第三次提醒")
    assert (count(page, "sent"), count(page, "skipped")) == (1, 1)
