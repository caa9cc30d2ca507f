"""What the outbox worker needs from a channel: a sender that delivers one message to one resident."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, runtime_checkable

from bot.core.messages import Outbound


class RetryLater(Exception):
    """The channel cannot take the message now (rate limit, network): try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds
        self.reason = reason


class Paced(RetryLater):
    """Not a failure: the channel's own pace (one message a second to a Telegram chat) says wait `seconds`."""


class Undeliverable(Exception):
    """The channel will never take this message (blocked the bot, WeChat 48-hour window closed …).
    `resident_reason`, when given, is why in the resident's words: 查进度 shows it (no credential, no code)."""

    def __init__(self, reason: str = "", resident_reason: str = "") -> None:
        super().__init__(reason)
        self.resident_reason = resident_reason


class Sender(Protocol):
    channel: str

    async def send(self, user_key: str, message: Outbound) -> None:
        """Deliver `message` to the resident known on this channel as `user_key`; raise RetryLater or Undeliverable."""


@runtime_checkable
class IdempotentSender(Protocol):
    """A sender whose channel deduplicates by delivery id: sending the same `delivery_id` again shows the message
    only once. The outbox worker retries an interrupted delivery (a row left `sending` by a crash) only through
    such a sender; for any other channel it cannot know whether the message arrived, and does not send it twice."""

    channel: str

    async def send_once(self, delivery_id: int, user_key: str, message: Outbound) -> None:
        """Deliver `message` unless `delivery_id` was delivered before; raise RetryLater or Undeliverable."""


@runtime_checkable
class PacedSender(Protocol):
    """A sender whose channel takes only so many messages a second for one user (Telegram: one a second to a
    chat). The worker asks it before claiming, so that it claims a user's message only when the channel can take
    it, one per user at a time, and leaves the user's later messages (in order) for when it can."""

    channel: str
    pace: float  # seconds between two messages to one user

    def send(self, user_key: str, message: Outbound) -> Awaitable[None]:
        """As `Sender.send`."""

    def ready_in(self, user_key: str) -> float | None:
        """None: this user is not paced (claim as many as wanted); else the seconds until the channel takes a
        message for the user without holding up the caller (0: now)."""


@runtime_checkable
class FoldingSender(Protocol):
    """A paced sender whose channel takes only so many messages a minute for one recipient (a WeCom or DingTalk
    group robot: 20), so that a burst is folded: when the recipient's turn comes, the worker claims up to `fold`
    of its due messages and hands them over together, to go out as one message."""

    channel: str
    pace: float  # seconds between two messages to one recipient
    fold: int  # at most this many messages folded into one

    def send(self, user_key: str, message: Outbound) -> Awaitable[None]:
        """As `Sender.send`."""

    def send_folded(self, user_key: str, messages: list[Outbound]) -> Awaitable[None]:
        """Deliver `messages` (in order) as one message; raise RetryLater or Undeliverable for all of them."""

    def ready_in(self, user_key: str) -> float | None:
        """As `PacedSender.ready_in`."""
