"""Notifications to Telegram residents (the outbox Sender port): rate limited by the bot's PacedRateLimiter
(30/s overall, 1/s per chat, 429 pauses), Telegram's errors mapped to RetryLater / Undeliverable.

The sender is a PacedSender: the outbox worker asks `ready_in` before it claims a notification, so that it
claims one per chat at a time and only for chats whose second has passed (or will within `max_wait`). A chat that
had a message since (a reply to the resident) is still handed back with `Paced` when the wait would be long: the
worker delivers a batch of chats at once and should not idle on one of them."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.telegram.callback_data import CallbackSigner
from bot.channels.telegram.rate_limit import NOTIFICATION, Pacing, retry_seconds
from bot.channels.telegram.render import render
from bot.core.messages import Channel, Outbound
from bot.outbox.ports import Paced, RetryLater, Undeliverable

log = logging.getLogger(__name__)
NETWORK_RETRY_SECONDS = 10.0
MAX_CHAT_WAIT = 0.2  # seconds a send may wait for its chat's next slot before it is handed back (RetryLater)


class TelegramSender:
    """Delivers one message to one resident's private chat (user_key = the chat id)."""

    channel = Channel.TELEGRAM.value

    def __init__(
        self, bot: Bot, signer: CallbackSigner, pacing: Pacing | None = None, max_wait: float = MAX_CHAT_WAIT
    ) -> None:
        self._bot = bot
        self._signer = signer
        self._pacing = pacing
        self._max_wait = max_wait

    @property
    def pace(self) -> float:
        """Seconds between two notifications to one chat."""
        return self._pacing.interval if self._pacing is not None else 0.0

    def ready_in(self, user_key: str) -> float | None:
        """Seconds until a notification to this private chat goes out without waiting more than `max_wait` (0:
        now); None where notifications are not paced per chat here (group chats, no pacing, not a chat id)."""
        chat_id = _chat_id(user_key)
        if self._pacing is None or chat_id is None or chat_id <= 0:
            return None
        wait = self._pacing.delay(chat_id)
        return 0.0 if wait <= self._max_wait else wait

    async def send(self, user_key: str, message: Outbound) -> None:
        chat_id = _chat_id(user_key)
        if chat_id is None:
            raise Undeliverable(f"not a Telegram chat id: {user_key!r}")
        if self._pacing is not None and (wait := self._pacing.delay(chat_id)) > self._max_wait:
            # this chat just had a message: hand it back rather than hold up the caller's other deliveries
            raise Paced(wait, "telegram: one message per second to a chat")
        for part in render(message, chat_id, self._signer):
            try:
                await self._bot.send_message(
                    chat_id,
                    part.text,
                    reply_markup=part.markup,
                    rate_limit_args=NOTIFICATION,  # type: ignore[call-arg]
                )
            except RetryAfter as exc:
                raise RetryLater(retry_seconds(exc), "telegram flood control") from exc
            except Forbidden as exc:  # blocked the bot, deactivated account
                raise Undeliverable(f"telegram: {exc.message}") from exc
            except ChatMigrated as exc:
                raise Undeliverable(f"telegram: chat moved to {exc.new_chat_id}") from exc
            except BadRequest as exc:  # chat not found, message rejected: sending it again cannot help
                raise Undeliverable(f"telegram: {exc.message}") from exc
            except InvalidToken as exc:  # our configuration, not the resident: try again once it is fixed
                raise RetryLater(300, "telegram: invalid bot token") from exc
            except (TimedOut, NetworkError) as exc:
                raise RetryLater(NETWORK_RETRY_SECONDS, f"telegram: {exc.message}") from exc
            except TelegramError as exc:  # anything else Telegram may invent: not the resident's fault, try later
                log.warning("telegram error sending to %s: %s", chat_id, exc)
                raise RetryLater(60, f"telegram: {exc.message}") from exc


def _chat_id(user_key: str) -> int | None:
    try:
        return int(user_key)
    except ValueError:
        return None
