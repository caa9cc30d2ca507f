"""The WeChat channel's state (wired onto the app by wiring.py): crypto for safe mode, the API client (access_token,
48-hour window, customer-service sender) and the late-reply budget."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.attachments.fetcher import AttachmentFetcher
from bot.channels.prepared import PreparedDialogue
from bot.channels.wechat.crypto import MessageCrypto
from bot.channels.wechat.late_replies import LateReplies
from bot.channels.wechat.media import WeChatMedia, WeChatMediaIntake
from bot.channels.wechat.render import merge
from bot.channels.wechat.replay import ReplayGuard
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.templates import NoticeKind, load_template
from bot.channels.wechat.tokens import AccessTokens
from bot.channels.wechat.window import ServiceWindow
from bot.core.dialogue import Clock, DialogueService
from bot.core.messages import Outbound
from bot.outbox.ports import RetryLater, Undeliverable
from bot.settings import Settings
from bot.speech.hearing import Hearing

log = logging.getLogger(__name__)


class WeChatChannel:
    def __init__(
        self,
        settings: Settings,
        dialogue: DialogueService,
        engine: AsyncEngine,
        clock: Clock,
        http: aiohttp.ClientSession,
        fetcher: AttachmentFetcher | None = None,
        hearing: Hearing | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.crypto = (
            MessageCrypto(settings.wechat_aes_key, settings.wechat_app_id) if settings.wechat_aes_key else None
        )
        # plain mode only: there the signature does not cover the body
        self.replay = ReplayGuard(engine, clock, settings.wechat_max_clock_skew) if self.crypto is None else None
        self.sender: WeChatSender | None = None
        self.template_warning = ""  # what the admins' banner says about template messages ("" : configured)
        media: WeChatMedia | None = None
        if settings.wechat_app_id and settings.wechat_app_secret:
            tokens = AccessTokens(http, settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret)
            window = ServiceWindow(engine, settings.wechat_window_hours, settings.wechat_window_quota, clock)
            kind = NoticeKind(settings.wechat_notice_kind)
            if kind == NoticeKind.SUBSCRIBE:
                ids = (settings.wechat_subscribe_template_id, settings.wechat_subscribe_template_fields)
            else:
                ids = (settings.wechat_notice_template_id, settings.wechat_notice_template_fields)
            template, self.template_warning = load_template(*ids, kind)
            if self.template_warning:
                log.warning("WeChat %s notices: %s", kind.value, self.template_warning)
            notice_url = settings.public_base_url.rstrip("/") + "/chat" if settings.public_base_url else ""
            self.sender = WeChatSender(http, settings.wechat_api_base, tokens, window, template, notice_url, clock)
            media = WeChatMedia(
                http, settings.wechat_api_base, tokens, max(settings.attachment_max_bytes, settings.voice_max_bytes)
            )
        # photos and voice are fetched (and voice transcribed) inside the 5-second budget's task
        intake = WeChatMediaIntake(media, fetcher, hearing)
        self.late = LateReplies(
            PreparedDialogue(dialogue, intake.prepare), self._deliver, settings.wechat_reply_budget, merge
        )
        self._extra: set[asyncio.Task[None]] = set()

    def now_seconds(self) -> int:
        return int(self.clock().timestamp())

    async def _deliver(self, openid: str, message: Outbound) -> None:
        if self.sender is None:
            raise Undeliverable("wechat: no AppID/AppSecret configured for the customer-service API")
        await self.sender.send(openid, message)

    def send_later(self, openid: str, texts: list[str]) -> None:
        """Parts of a reply too long for one passive message."""

        async def run() -> None:
            for text in texts:
                try:
                    await self._deliver(openid, Outbound(text))
                except (RetryLater, Undeliverable) as exc:
                    log.warning("WeChat continuation to %s not delivered: %s", openid, exc)
                    return

        task = asyncio.ensure_future(run())
        self._extra.add(task)
        task.add_done_callback(self._extra.discard)

    async def close(self) -> None:
        await self.late.close()
        if self._extra:
            await asyncio.wait(self._extra, timeout=10)


WECHAT = web.AppKey("wechat", WeChatChannel)
