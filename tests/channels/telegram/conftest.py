"""The whole application with its Telegram channel pointed at the fake Bot API, on the webhook or on polling."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.channels.telegram.channel import TELEGRAM, TelegramChannel
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.telegram_resident import ProcessedUpdates, TelegramResident

SECRET = "test-secret_token-42"


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def telegram_settings(settings: Settings, fake: FakeTelegram, mode: str, port: int) -> Settings:
    return replace(
        settings,
        telegram_token=TOKEN,
        telegram_secret_token=SECRET,
        telegram_api_base=fake.api_base,
        telegram_file_api_base=f"{fake.url}/file/bot",
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook" if mode == "webhook" else "",
        telegram_polling=mode == "polling",
    )


@dataclass
class TelegramBot:
    server: TestServer
    app: web.Application
    fake: FakeTelegram
    processed: ProcessedUpdates

    @property
    def channel(self) -> TelegramChannel:
        return self.app[TELEGRAM]

    def resident(self, chat_id: int = 5001) -> TelegramResident:
        return TelegramResident(self.fake, self.processed, chat_id)


async def start_bot(
    aiohttp_server,
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,  # noqa: ANN001
    fake: FakeTelegram,
    mode: str,
) -> TelegramBot:
    port = free_port()
    app = create_app(telegram_settings(settings, fake, mode, port), clock=clock, knowledge=kb)
    server = await aiohttp_server(app, port=port)
    processed = ProcessedUpdates()
    processed.install(app[TELEGRAM].application)
    return TelegramBot(server, app, fake, processed)


@pytest.fixture(params=["webhook", "polling"])
async def telegram_bot(request, fake_telegram, aiohttp_server, settings, kb, clock) -> TelegramBot:  # noqa: ANN001
    # the fake is set up first so that it is torn down last, after the bot has stopped polling it
    return await start_bot(aiohttp_server, settings, kb, clock, fake_telegram, request.param)


@pytest.fixture
async def webhook_bot(fake_telegram, aiohttp_server, settings, kb, clock) -> TelegramBot:  # noqa: ANN001
    return await start_bot(aiohttp_server, settings, kb, clock, fake_telegram, "webhook")
