"""Telegram's flood limits, kept on our side: ≤ 30 messages/s for the bot and ≤ 1 message/s per chat for
notifications, and a pause of the whole bot when Telegram answers 429 with retry_after.

`PacedRateLimiter` is PTB's AIORateLimiter (which keeps its group limits, 20/min per group chat) with:
- the overall limit as strict spacing — a slot every 1/30 s — not a bucket of 30 that may put 60 into one second;
- a sliding window on the times requests actually leave (≤ 30 in any second plus the margin), so that a task the
  event loop wakes late cannot join a burst;
- per-chat pacing for calls made with `SendPolicy(per_chat=True)` (the outbox sender), also by actual send
  times; replies to a resident who just wrote are not held back, but they count, so a notification right after
  them waits;
- a 429 stops every request for retry_after seconds and widens the margin a little; the call is then retried up
  to `max_retries` times.
Intervals carry a margin (8 %) so that the server, which measures arrival times, does not see a faster pace
when requests are delayed on the way by up to ~80 ms (27.8 messages/s at most).
Clock and sleep are injectable: tests move time instead of waiting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
MARGIN = 0.08
MARGIN_STEP = 0.01  # added after each 429 …
MAX_MARGIN = 0.2  # … up to this
# the methods that put a message into a chat (what Telegram's flood limits count)
MESSAGE_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVoice", "sendMediaGroup", "copyMessage",
    "forwardMessage",
})
PACED_ENDPOINTS = MESSAGE_ENDPOINTS | {"editMessageText", "editMessageReplyMarkup"}
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class SendPolicy:
    """How one API call is limited: per-chat pacing, and retries after a 429."""

    per_chat: bool = False
    max_retries: int = 2


INTERACTIVE = SendPolicy(per_chat=False, max_retries=2)
NOTIFICATION = SendPolicy(per_chat=True, max_retries=1)


def retry_seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Pacing:
    """At most one event per `interval` seconds for each key: slots reserved in order (so that waiting callers
    queue fairly), and the time of each actual event (so that a late event pushes the next one back)."""

    def __init__(self, interval: float, clock: Monotonic = time.monotonic, catch_up: int = 0) -> None:
        self.interval = interval
        self._clock = clock
        self._catch_up = catch_up  # slots a late caller may reclaim (the overall spacing; never per chat)
        self._next: dict[object, float] = {}
        self._last: dict[object, float] = {}

    def reserve(self, key: object) -> float:
        """Take the key's next free slot; the seconds to wait for it."""
        now = self._clock()
        earliest = now - self._catch_up * self.interval
        slot = max(earliest, self._next.get(key, 0.0), self._last.get(key, -1e18) + self.interval)
        self._next[key] = slot + self.interval
        if len(self._next) > 10_000:
            self._forget(now)
        return max(slot - now, 0.0)

    def delay(self, key: object) -> float:
        """Seconds until the key's next free slot, without taking it."""
        now = self._clock()
        return max(0.0, self._next.get(key, 0.0) - now, self._last.get(key, -1e18) + self.interval - now)

    def since_last(self, key: object) -> float:
        """Seconds still to wait since the key's last actual event."""
        return max(0.0, self._last.get(key, -1e18) + self.interval - self._clock())

    def happened(self, key: object) -> None:
        """An event for `key` happens now (whether or not it waited for a slot)."""
        now = self._clock()
        self._last[key] = now
        self._next[key] = max(self._next.get(key, 0.0), now + self.interval)

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self._next.items() if t <= now]:
            del self._next[key]
            self._last.pop(key, None)


class SlidingWindow:
    """At most `limit` events in any `period` seconds, by the times they actually happened."""

    def __init__(self, limit: int, period: float, clock: Monotonic = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._times: deque[float] = deque()

    def wait(self) -> float:
        now = self._clock()
        while self._times and self._times[0] <= now - self.period:
            self._times.popleft()
        return 0.0 if len(self._times) < self.limit else self._times[0] + self.period - now

    def happened(self) -> None:
        self._times.append(self._clock())


class PacedRateLimiter(AIORateLimiter):
    def __init__(
        self,
        overall_rate: float = 30.0,
        chat_interval: float = 1.0,
        margin: float = MARGIN,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # the parent's overall bucket is replaced by spacing and a sliding window on actual send times; its
        # retries by ours (with a global pause). Its group limits (20/min per group chat) stay.
        super().__init__(overall_max_rate=0, max_retries=0)
        self._rate, self._chat_interval = overall_rate, chat_interval
        # spacing may catch up a few slots lost to late wake-ups; the window on actual times still bounds any second
        self.spacing = Pacing((1 + margin) / overall_rate, clock, catch_up=3)
        self.window = SlidingWindow(max(int(overall_rate), 1), 1.0 + margin, clock)
        self.chats = Pacing(chat_interval * (1 + margin), clock)
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        policy = rate_limit_args if isinstance(rate_limit_args, SendPolicy) else INTERACTIVE
        paced = endpoint in PACED_ENDPOINTS and data.get("chat_id") is not None
        chat_id = _private_chat(data) if endpoint in MESSAGE_ENDPOINTS else None
        for attempt in range(policy.max_retries + 1):
            await self._acquire(paced, chat_id, policy.per_chat)
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, None)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self._paused_until = max(self._paused_until, self._clock() + seconds + 0.1)
                self._slow_down()
                log.warning("Telegram flood control on %s: pausing all requests for %.1f s; margin now %.0f %%",
                            endpoint, seconds, self.margin * 100)
                if attempt == policy.max_retries:
                    raise
        raise AssertionError("unreachable")

    def _slow_down(self) -> None:
        """Telegram saw us faster than we counted (our clock and its arrival times differ): widen the margin."""
        self.margin = min(self.margin + MARGIN_STEP, MAX_MARGIN)
        self.spacing.interval = (1 + self.margin) / self._rate
        self.window.period = 1.0 + self.margin
        self.chats.interval = self._chat_interval * (1 + self.margin)

    async def _acquire(self, paced: bool, chat_id: int | None, per_chat: bool) -> None:
        """Wait for the chat's turn (notifications), a flood-control pause to end, the next overall slot, and
        until the actual send times allow one more; then record this send. Nothing awaits between the last
        check and the request, so the checks hold when it leaves."""
        pace_chat = per_chat and chat_id is not None
        if pace_chat:
            await self._wait(self.chats.reserve(chat_id))
        await self._wait(self._paused_until - self._clock())
        if paced:  # one slot per request: a re-check below must not take (and waste) another
            await self._wait(self.spacing.reserve(None))
        while True:
            wait = max(self._paused_until - self._clock(), self.window.wait() if paced else 0.0,
                       self.chats.since_last(chat_id) if pace_chat else 0.0)
            if wait <= 0:
                break
            await self._sleep(wait)
        if paced:
            self.window.happened()
        if chat_id is not None:
            self.chats.happened(chat_id)

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)


def _private_chat(data: dict[str, Any]) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
        return chat_id if chat_id > 0 else None
    return None


class _DropParentRetryLog(logging.Filter):
    """AIORateLimiter logs each RetryAfter with a traceback when it does not retry itself; we log it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Rate limit hit after maximum of")


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_DropParentRetryLog())
