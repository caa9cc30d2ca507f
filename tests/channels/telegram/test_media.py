"""Telegram voice and photos: the voice file is fetched with getFile from the configurable file URL, transcoded,
transcribed by the speech server and answered; a timeout gets the polite fallback; a photo lands in the attachment
store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.attachments.models import Attachment
from bot.media import ATTACHMENTS
from tests.channels.telegram.conftest import TelegramBot, start_bot
from tests.support.fake_stt import FakeSpeechServer
from tests.support.media_files import photo, wav

attachments = Attachment.__table__


@pytest.fixture
async def speech() -> AsyncIterator[FakeSpeechServer]:
    server = await FakeSpeechServer().start()
    yield server
    await server.close()


@pytest.fixture
async def bot(fake_telegram, speech, aiohttp_server, settings, kb, clock, tmp_path: Path) -> TelegramBot:
    configured = replace(
        settings,
        stt_url=speech.url + "/v1",
        stt_timeout=0.5,
        attachments_dir=tmp_path / "attachments",
        attachment_retry_interval=0,
    )
    return await start_bot(aiohttp_server, configured, kb, clock, fake_telegram, "webhook")


async def test_voice_is_transcribed_and_answered(bot: TelegramBot, speech: FakeSpeechServer) -> None:
    resident = bot.resident()
    bot.fake.add_file("voice-1", wav(1.0))  # the recording behind the update's file_id
    speech.say("过渡费怎么发")
    await resident.send(resident.updates.voice())
    assert "我听到的是：过渡费怎么发" in resident.text
    assert "临时安置费" in resident.text and "依据：" in resident.text
    assert "不对，我重新说或打字" in resident.inline_labels
    assert [c.method for c in bot.fake.calls if c.method in ("getFile", "download")] == ["getFile", "download"]
    (received,) = speech.received
    assert (received.sample_rate, received.language) == (16_000, "zh")


async def test_silence_and_timeout_get_the_polite_fallback(bot: TelegramBot, speech: FakeSpeechServer) -> None:
    resident = bot.resident()
    bot.fake.add_file("voice-1", wav(1.0, silent=True))
    await resident.send(resident.updates.voice())
    assert "没有听清" in resident.text and "12345" in resident.text
    speech.hang()
    bot.fake.add_file("voice-1", wav(1.0))
    await resident.send(resident.updates.voice())
    assert "语音暂时无法识别" in resident.text and "12345" in resident.text


async def test_a_photo_is_kept_in_the_attachment_store(bot: TelegramBot) -> None:
    resident = bot.resident()
    bot.fake.add_file("photo-800", photo())
    await resident.send(resident.updates.photo("墙裂了"))
    assert "图片" in resident.text
    fetcher = bot.app[ATTACHMENTS]
    await fetcher.drain()
    async with fetcher.engine.connect() as conn:
        row = (await conn.execute(select(attachments))).one()
    assert (row.status, row.source, row.width) == ("stored", "photo-800", 800)


async def test_a_photo_telegram_no_longer_has_is_marked_failed(bot: TelegramBot) -> None:
    resident = bot.resident()
    await resident.send(resident.updates.photo())  # no file behind its file_id: getFile answers 400
    fetcher = bot.app[ATTACHMENTS]
    await fetcher.drain()
    async with fetcher.engine.connect() as conn:
        row = (await conn.execute(select(attachments))).one()
    assert row.status == "failed" and "Telegram" in row.error
