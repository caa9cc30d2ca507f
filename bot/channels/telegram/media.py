"""Telegram files (`getFile`, then the download from the configurable file URL, settings.telegram_file_api_base):
the photo or voice message of a resident's update — and the channel's preparation of such an update for the
core: a photo goes into the attachment store (in the background), a voice message is transcribed."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.attachments.fetcher import AttachmentFetcher, Media, MediaUnavailable
from bot.core.messages import Inbound, InboundKind
from bot.speech.hearing import Hearing
from bot.speech.port import Failure, SpeechError

log = logging.getLogger(__name__)


class TelegramMedia:
    """The MediaSource (bot/attachments/fetcher.py) of Telegram; `bot` is set once the Application is built."""

    def __init__(self) -> None:
        self.bot: Bot | None = None

    async def download(self, source: str) -> Media:
        if self.bot is None:
            raise MediaUnavailable("telegram: not started yet")
        try:
            file = await self.bot.get_file(source)
            data = await file.download_as_bytearray()
        except BadRequest as exc:  # invalid file_id, file is too big: asking again will not help
            note = (
                "图片超过 Telegram 允许机器人下载的大小（20 MB），未能取回。请联系居民发送小一些的图片。"
                if "too big" in exc.message.lower()
                else ""
            )
            raise MediaUnavailable(f"telegram getFile: {exc.message}", retry=False, note=note) from None
        except (NetworkError, TelegramError) as exc:  # unreachable, timed out, flood control
            raise MediaUnavailable(f"telegram getFile: {exc!r}") from None
        return Media(bytes(data))

    async def recording(self, source: str) -> bytes:
        try:
            return (await self.download(source)).data
        except MediaUnavailable as exc:
            raise SpeechError(Failure.UNAVAILABLE, str(exc)) from None


class TelegramMediaIntake:
    def __init__(self, media: TelegramMedia, fetcher: AttachmentFetcher | None, hearing: Hearing | None) -> None:
        self._media = media
        self._fetcher = fetcher
        self._hearing = hearing
        if fetcher is not None:
            fetcher.sources["telegram"] = media

    async def prepare(self, inbound: Inbound) -> Inbound:
        file_id = str(inbound.payload.get("file_id") or "")
        if not file_id:
            return inbound
        if inbound.kind is InboundKind.IMAGE and self._fetcher is not None:
            attachment_id = await self._fetcher.receive(inbound.channel, inbound.user_key, inbound.dedupe_key, file_id)
            return replace(inbound, payload={**inbound.payload, "attachment_id": attachment_id})
        if inbound.kind is InboundKind.VOICE and self._hearing is not None:
            return await self._hearing.hear(inbound, lambda: self._media.recording(file_id))
        return inbound
