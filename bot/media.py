"""The media side's life on the app: the attachment fetcher (its store and its retry loop) and the speech-to-text
port, which every channel adapter takes from here (app[ATTACHMENTS], app[HEARING])."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import background, keys
from bot.attachments.fetcher import AttachmentFetcher
from bot.attachments.store import DirectoryStore
from bot.core.dialogue import Clock
from bot.core.messages import Inbound
from bot.speech.hearing import Hearing
from bot.speech.openai_api import OpenAiTranscriber
from bot.speech.port import NoSpeechToText, SpeechToText

ATTACHMENTS = keys.ATTACHMENTS
HEARING = keys.HEARING


def setup(app: web.Application, clock: Clock) -> None:
    app.cleanup_ctx.append(lambda a: _attachments(a, clock))
    app.cleanup_ctx.append(_hearing)


async def _attachments(app: web.Application, clock: Clock) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    fetcher = AttachmentFetcher(
        app[keys.ENGINE], DirectoryStore(s.attachments_dir), clock, s.attachment_max_bytes, s.attachment_max_pixels
    )
    app[ATTACHMENTS] = fetcher

    async def retries() -> None:
        await background.every(s.attachment_retry_interval, fetcher.retry_due, "attachments")

    task = asyncio.create_task(retries(), name="attachments") if s.attachment_retry_interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await fetcher.drain()


async def _hearing(app: web.Application) -> AsyncIterator[None]:
    s = app[keys.SETTINGS]
    async with aiohttp.ClientSession() as http:
        stt: SpeechToText = (
            OpenAiTranscriber(http, s.stt_url, s.stt_model, s.stt_key, s.stt_language, s.stt_timeout)
            if s.stt_url
            else NoSpeechToText()
        )
        fetcher = app[ATTACHMENTS]

        async def keep(inbound: Inbound, wav: bytes) -> str:
            return await fetcher.keep_recording(inbound.channel, inbound.user_key, inbound.dedupe_key, wav)

        app[HEARING] = Hearing(stt, s.max_text_chars, s.voice_max_bytes, s.voice_max_seconds, keep)
        yield
