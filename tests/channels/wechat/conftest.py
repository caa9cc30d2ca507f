"""The whole application with its WeChat channel, in plain or safe mode, its API pointed at the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock
from tests.support.fake_wechat import APP_ID, APP_SECRET, FakeWeChatApi
from tests.support.wechat_client import AES_KEY, TOKEN, WeChatResident


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    api = await FakeWeChatApi().start()
    yield api
    await api.close()


def wechat_settings(settings: Settings, api: FakeWeChatApi, safe: bool, **extra: object) -> Settings:
    return replace(
        settings,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY if safe else "",
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base=api.url,
        **extra,
    )


@pytest.fixture(params=["plain", "safe"])
def safe(request: pytest.FixtureRequest) -> bool:
    return request.param == "safe"


@pytest.fixture
async def wechat_client(
    wechat_api,
    aiohttp_client,
    settings,
    kb: KnowledgeBase,
    clock: FakeClock,  # noqa: ANN001
    safe: bool,
) -> TestClient:
    return await aiohttp_client(create_app(wechat_settings(settings, wechat_api, safe), clock=clock, knowledge=kb))


@pytest.fixture
def resident(wechat_client: TestClient, clock: FakeClock, safe: bool) -> WeChatResident:
    return WeChatResident(wechat_client, clock, safe=safe, app_id=APP_ID)


def numbered(text: str) -> dict[str, int]:
    """label → number, from the numbered list at the end of a reply."""
    choices = {}
    for line in text.splitlines():
        number, dot, label = line.partition(". ")
        if dot and number.isdigit():
            choices[label] = int(number)
    return choices
