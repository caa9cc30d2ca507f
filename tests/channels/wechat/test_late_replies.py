"""The 5-second rule: a slow core means "success" now and the replies through the customer-service API."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.core.dialogue import DialogueService
from tests.channels.wechat.conftest import wechat_settings
from tests.support.fake_wechat import APP_ID, FakeWeChatApi
from tests.support.wechat_client import WeChatResident


@pytest.fixture
async def slow_client(wechat_api, aiohttp_client, settings, kb, clock, safe, monkeypatch) -> TestClient:  # noqa: ANN001
    handle = DialogueService.handle

    async def slow(self, inbound):  # noqa: ANN001, ANN202
        await asyncio.sleep(0.3)
        return await handle(self, inbound)

    monkeypatch.setattr(DialogueService, "handle", slow)
    app = create_app(wechat_settings(settings, wechat_api, safe, wechat_reply_budget=0.05), clock=clock, knowledge=kb)
    return await aiohttp_client(app)


async def _until_sent(api: FakeWeChatApi, count: int) -> None:
    async with asyncio.timeout(5):
        while len(api.sent) < count:
            await asyncio.sleep(0.01)


async def test_slow_answer_goes_out_through_the_customer_service_api(
    slow_client: TestClient,
    clock,
    safe,  # noqa: ANN001
    wechat_api: FakeWeChatApi,
) -> None:
    resident = WeChatResident(slow_client, clock, safe=safe, app_id=APP_ID)
    xml = resident.text_xml("搬迁费怎么算")
    (first,) = await resident.deliver(xml)
    assert first.status == 200 and first.body == "success"
    (retry,) = await resident.deliver(xml)  # WeChat's retry while we are still working: no second answer
    assert retry.body == "success"
    await _until_sent(wechat_api, 1)
    (again,) = await resident.deliver(xml)  # and after the late reply went out
    assert again.body == "success"
    await asyncio.sleep(0.4)
    ((openid, text),) = wechat_api.sent
    assert openid == resident.openid and "依据：" in text and "回复数字选择" in text
    assert wechat_api.token_fetches() == 1
