"""The Telegram channel on the aiohttp app: /telegram/webhook (webhook.py) and the channel (channel.py) run for the
app's lifetime, the outbox sender registered, limits shared between workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot import keys
from bot.channels.telegram import webhook
from bot.channels.telegram.callback_data import CallbackSigner, signing_key
from bot.channels.telegram.channel import TELEGRAM, TelegramChannel
from bot.channels.telegram.rate_limit import PacedRateLimiter
from bot.channels.telegram.staff_chat import StaffChat
from bot.db.limits import SharedWindow, shares_limits


def setup(app: web.Application, clock: Callable[[], datetime] | None = None) -> None:
    """Serve /telegram/webhook and run the channel for the app's lifetime, when a bot token is configured."""
    settings = app[keys.SETTINGS]
    if not settings.telegram_token:
        return
    if not settings.telegram_polling:
        webhook.setup(app)
    app.setdefault(keys.SENDERS, {})
    app.cleanup_ctx.append(lambda a: _telegram_channel(a, clock))


async def _telegram_channel(app: web.Application, clock: Callable[[], datetime] | None) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    signer = CallbackSigner(signing_key(settings.telegram_token))
    staff = (
        StaffChat(app[keys.ENGINE], app[keys.CASES], clock, signer) if clock is not None and keys.CASES in app else None
    )
    channel = TelegramChannel(settings, app[keys.DIALOGUE], staff, app.get(keys.ATTACHMENTS), app.get(keys.HEARING))
    limiter = channel.application.bot.rate_limiter
    if isinstance(limiter, PacedRateLimiter) and shares_limits(app[keys.ENGINE]):  # several workers may send
        limiter.share(SharedWindow(app[keys.ENGINE]), settings.telegram_token.partition(":")[0])
    app[TELEGRAM] = channel
    app[keys.SENDERS][channel.sender.channel] = channel.sender
    await channel.start()
    yield
    await channel.stop()
