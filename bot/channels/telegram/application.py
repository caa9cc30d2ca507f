"""The PTB Application: our bot's HTTP client, rate limiter, the one update callback and the one error handler.

Webhook mode builds it without an Updater (updates arrive at /telegram/webhook); polling mode keeps PTB's
Updater for getUpdates."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, BaseHandler, TypeHandler

from bot.channels.telegram.callback_data import CallbackSigner
from bot.channels.telegram.handler import ResidentUpdates, on_error
from bot.channels.telegram.rate_limit import PacedRateLimiter
from bot.core.dialogue import DialogueService
from bot.settings import Settings

CONNECTION_POOL = 64  # concurrent requests to the Bot API (replies and outbox deliveries)


def build_application(
    settings: Settings,
    dialogue: DialogueService | None,
    signer: CallbackSigner,
    polling: bool,
    rate_limiter: PacedRateLimiter | None = None,
    staff_handlers: list[BaseHandler] | None = None,
) -> Application:
    """The Application; without a dialogue it only sends (benchmarks, the sender's tests). `staff_handlers`
    (bot/channels/telegram/staff_chat.py) come before the residents' catch-all."""
    limiter = rate_limiter or PacedRateLimiter(settings.telegram_overall_rate, settings.telegram_chat_interval)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base)
        .base_file_url(settings.telegram_file_api_base)
        .rate_limiter(limiter)
        .connection_pool_size(CONNECTION_POOL)
        .pool_timeout(30)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    for handler in staff_handlers or ():
        application.add_handler(handler)
    if dialogue is not None:
        application.add_handler(TypeHandler(Update, ResidentUpdates(dialogue, signer, settings.max_text_chars)))
    application.add_error_handler(on_error)
    return application
