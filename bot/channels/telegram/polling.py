"""Long polling for development (`python -m bot serve --telegram-polling`): PTB's Updater calls getUpdates,
confirming each batch with the next offset, and feeds the same callback as the webhook."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram.inbound import ALLOWED_UPDATES

log = logging.getLogger(__name__)
LONG_POLL = timedelta(seconds=10)


async def start_polling(application: Application) -> None:
    """Drop any webhook (getUpdates refuses to work while one is set) and start fetching updates."""
    assert application.updater is not None, "polling needs an Application built with an Updater"
    await application.updater.start_polling(
        timeout=LONG_POLL, allowed_updates=list(ALLOWED_UPDATES), error_callback=_log_polling_error
    )


async def stop_polling(application: Application) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()


def _log_polling_error(error: TelegramError) -> None:
    log.warning("getUpdates failed (retrying): %s", error)
