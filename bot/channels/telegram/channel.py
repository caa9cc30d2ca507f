"""The Telegram channel's state: build the PTB Application, start it (getMe; set_webhook or polling), expose the
outbox sender, stop it (wired onto the app by wiring.py). Telegram being unreachable at start-up does not stop the rest of
the application: the channel keeps trying in the background and the webhook answers 503 until it is ready."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import Application

from bot.attachments.fetcher import AttachmentFetcher
from bot.channels.prepared import PreparedDialogue
from bot.channels.telegram.application import build_application
from bot.channels.telegram.callback_data import CallbackSigner, signing_key
from bot.channels.telegram.inbound import ALLOWED_UPDATES
from bot.channels.telegram.media import TelegramMedia, TelegramMediaIntake
from bot.channels.telegram.polling import start_polling, stop_polling
from bot.channels.telegram.rate_limit import PacedRateLimiter
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.staff_chat import StaffChat
from bot.core.dialogue import DialogueService
from bot.settings import Settings
from bot.speech.hearing import Hearing

log = logging.getLogger(__name__)
MAX_START_BACKOFF = 60.0


class TelegramChannel:
    def __init__(
        self,
        settings: Settings,
        dialogue: DialogueService,
        staff: StaffChat | None = None,
        fetcher: AttachmentFetcher | None = None,
        hearing: Hearing | None = None,
    ) -> None:
        self.settings = settings
        self.polling = settings.telegram_polling
        self.signer = CallbackSigner(signing_key(settings.telegram_token))
        media = TelegramMedia()  # photos into the attachment store, voice transcribed, before the core reads them
        intake = TelegramMediaIntake(media, fetcher, hearing)
        self.application: Application = build_application(
            settings,
            PreparedDialogue(dialogue, intake.prepare),
            self.signer,
            polling=self.polling,
            staff_handlers=staff.handlers() if staff is not None else None,
        )
        media.bot = self.application.bot
        limiter = self.application.bot.rate_limiter
        pacing = limiter.chats if isinstance(limiter, PacedRateLimiter) else None
        self.sender = TelegramSender(self.application.bot, self.signer, pacing)
        self.ready = False
        self._retry: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start now, or — when Telegram cannot be reached — keep trying in the background."""
        try:
            await self._start_once()
        except (InvalidToken, BadRequest) as exc:
            log.error("Telegram channel disabled: %s", exc)
        except NetworkError as exc:
            log.warning("Telegram not reachable (%s); retrying in the background", exc)
            self._retry = asyncio.create_task(self._keep_trying())

    async def _start_once(self) -> None:
        await self.application.initialize()  # getMe: checks the token
        await self.application.start()
        if self.polling:
            await start_polling(self.application)
        elif self.settings.telegram_webhook_url:
            if not self.settings.telegram_secret_token:
                raise BadRequest("ANJU_TELEGRAM_SECRET_TOKEN is required with a webhook URL")
            await self.application.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_secret_token,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        self.ready = True
        log.info("Telegram channel ready (%s)", "polling" if self.polling else "webhook")

    async def _keep_trying(self) -> None:
        delay = 1.0
        while not self.ready:
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_START_BACKOFF)
            try:
                if self.application.running:
                    await self.application.stop()
                await self._start_once()
            except (InvalidToken, BadRequest) as exc:
                log.error("Telegram channel disabled: %s", exc)
                return
            except NetworkError as exc:
                log.warning("Telegram still not reachable: %s", exc)

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
        self.ready = False
        await stop_polling(self.application)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


TELEGRAM = web.AppKey("telegram", TelegramChannel)
