"""A channel sender double for the outbox worker: records what it sends, and fails on demand like a real channel."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.core.messages import Outbound


class Crash(BaseException):
    """The process dies here (not an error the worker could catch)."""


@dataclass
class RecordingSender:
    """A channel that cannot deduplicate (like Telegram): every call to `send` shows the message once more."""

    channel: str = "telegram"
    sent: list[tuple[str, str]] = field(default_factory=list)
    failures: deque[BaseException] = field(default_factory=deque)  # raised, one per send, before anything is sent
    crash_after_send: bool = False

    async def send(self, user_key: str, message: Outbound) -> None:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append((user_key, message.text))
        if self.crash_after_send:
            raise Crash()


class CrashingAfterSend:
    """Wraps an idempotent sender: delivers, then the process dies before the outbox row is marked."""

    def __init__(self, inner) -> None:  # noqa: ANN001 - an IdempotentSender
        self.channel = inner.channel
        self._inner = inner

    async def send(self, user_key: str, message: Outbound) -> None:
        await self._inner.send(user_key, message)
        raise Crash()

    async def send_once(self, delivery_id: int, user_key: str, message: Outbound) -> None:
        await self._inner.send_once(delivery_id, user_key, message)
        raise Crash()
