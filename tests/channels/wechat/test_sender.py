"""WeChatSender (the outbox's port, and the late replies) against the fake WeChat API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot import keys
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.tokens import AccessTokens
from bot.channels.wechat.window import ServiceWindow
from bot.core.dialogue import DialogueService
from bot.core.messages import Button, Channel, Inbound, InboundKind, Outbound
from bot.outbox.ports import RetryLater, Undeliverable
from tests.support.clock import FakeClock
from tests.support.fake_wechat import APP_ID, APP_SECRET, FakeWeChatApi
from tests.support.monotonic import FakeMonotonic

OPENID = "oResidentWithOpenWindow01"
NOTICE = Outbound("您的诉求 TS-0001 已有答复。", (Button("intent:status", "查进度"),))


@pytest.fixture
def ticks() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def api(ticks: FakeMonotonic) -> AsyncIterator[FakeWeChatApi]:
    api = await FakeWeChatApi(clock=ticks, window_quota=None).start()
    yield api
    await api.close()


@pytest.fixture
async def sender(
    api: FakeWeChatApi,
    engine,
    clock: FakeClock,
    ticks: FakeMonotonic,  # noqa: ANN001
    dialogue: DialogueService,
) -> AsyncIterator[WeChatSender]:
    await dialogue.handle(Inbound(Channel.WECHAT, OPENID, "msg:1", InboundKind.TEXT, "你好"))
    async with aiohttp.ClientSession() as http:
        tokens = AccessTokens(http, api.url, APP_ID, APP_SECRET, clock=ticks)
        yield WeChatSender(http, api.url, tokens, ServiceWindow(engine, 48, 3, clock))


async def test_sends_text_with_numbered_buttons_and_caches_the_token(sender: WeChatSender, api: FakeWeChatApi) -> None:
    await sender.send(OPENID, NOTICE)
    await sender.send(OPENID, Outbound("第二条"))
    assert api.texts_to(OPENID) == ["您的诉求 TS-0001 已有答复。\n\n回复数字选择：\n1. 查进度", "第二条"]
    assert api.token_fetches() == 1


async def test_token_is_fetched_again_before_it_expires(
    sender: WeChatSender, api: FakeWeChatApi, ticks: FakeMonotonic
) -> None:
    await sender.send(OPENID, NOTICE)
    ticks.now += 7200 - 299  # within five minutes of expiry
    await sender.send(OPENID, NOTICE)
    assert api.token_fetches() == 2


@pytest.mark.parametrize("trouble", ["revoked", "expired"])
async def test_40001_and_42001_refresh_the_token_and_send(
    sender: WeChatSender, api: FakeWeChatApi, trouble: str
) -> None:
    await sender.send(OPENID, NOTICE)
    api.revoke_tokens() if trouble == "revoked" else api.expire_tokens()
    await sender.send(OPENID, NOTICE)
    assert [c.errcode for c in api.calls if c.path.endswith("/send")] == [
        0,
        40001 if trouble == "revoked" else 42001,
        0,
    ]
    assert api.token_fetches() == 2 and len(api.sent) == 2


async def test_45015_is_undeliverable(sender: WeChatSender, api: FakeWeChatApi) -> None:
    api.silent.add(OPENID)
    with pytest.raises(Undeliverable, match="45015"):
        await sender.send(OPENID, NOTICE)


async def test_closed_window_is_undeliverable_without_calling_wechat(
    sender: WeChatSender, api: FakeWeChatApi, clock: FakeClock
) -> None:
    clock.advance(hours=48, minutes=1)
    with pytest.raises(Undeliverable, match="48"):
        await sender.send(OPENID, NOTICE)
    with pytest.raises(Undeliverable, match="never wrote"):
        await sender.send("oSomeoneWhoNeverWrote", NOTICE)
    assert api.calls == []


async def test_window_quota_is_counted_and_45047_respected(
    sender: WeChatSender, api: FakeWeChatApi, dialogue: DialogueService, clock: FakeClock
) -> None:
    for _ in range(3):  # this sender's quota: 3 per window
        await sender.send(OPENID, NOTICE)
    with pytest.raises(Undeliverable, match="quota"):
        await sender.send(OPENID, NOTICE)
    assert len(api.sent) == 3
    clock.advance(minutes=5)
    await dialogue.handle(Inbound(Channel.WECHAT, OPENID, "msg:2", InboundKind.TEXT, "还在吗"))  # a new window
    await sender.send(OPENID, NOTICE)
    api.fail_next(45047, "out of response count limit")
    with pytest.raises(Undeliverable, match="45047"):
        await sender.send(OPENID, NOTICE)
    with pytest.raises(Undeliverable, match="quota"):
        await sender.send(OPENID, NOTICE)  # known used up: WeChat is not asked again


async def test_system_busy_and_network_errors_are_retry_later(sender: WeChatSender, api: FakeWeChatApi) -> None:
    api.fail_next(-1, "system error")
    with pytest.raises(RetryLater):
        await sender.send(OPENID, NOTICE)
    await api.close()
    with pytest.raises(RetryLater):
        await sender.send(OPENID, NOTICE)


async def test_wrong_app_secret_is_retry_later(
    api: FakeWeChatApi,
    engine,
    clock: FakeClock,  # noqa: ANN001
    dialogue: DialogueService,
) -> None:
    await dialogue.handle(Inbound(Channel.WECHAT, OPENID, "msg:1", InboundKind.TEXT, "你好"))
    async with aiohttp.ClientSession() as http:
        sender = WeChatSender(
            http, api.url, AccessTokens(http, api.url, APP_ID, "wrong"), ServiceWindow(engine, 48, 20, clock)
        )
        with pytest.raises(RetryLater, match="40125"):
            await sender.send(OPENID, NOTICE)


async def test_by_default_five_messages_per_window_as_wechat_allows(
    wechat_client,
    wechat_api: FakeWeChatApi,  # noqa: ANN001
    resident,
) -> None:  # noqa: ANN001
    # regression (issue 9, point 13): the default quota was 20 per 48 h; since 2023 WeChat allows 5 after a
    # resident's message (微信公众平台运营中心, 2023-05-30: 由 20 条回收至 5 条)
    await resident.say("你好")  # opens the resident's 48-hour window
    sender = wechat_client.app[keys.SENDERS]["wechat"]
    for n in range(1, 6):
        await sender.send(resident.openid, Outbound(f"您的诉求有第 {n} 条进展。"))
    with pytest.raises(Undeliverable, match="quota"):
        await sender.send(resident.openid, Outbound("第 6 条：WeChat 会拒收，不再去试"))
    assert len(wechat_api.texts_to(resident.openid)) == 5
