"""Telegram's flood limits, kept on our side: ≤ 30 messages/s for the bot and ≤ 1 message/s per chat for
notifications, and a pause of the whole bot when Telegram answers 429 with retry_after.

`PacedRateLimiter` is PTB's AIORateLimiter (which keeps its group limits, 20/min per group chat) with:
- a window that holds whatever the delay on the way: Telegram counts a request when it ARRIVES, somewhere between
  the moment we start it and the moment its response comes back. So a request occupies the window from its start
  until one period after its response: before a send at time s there must be fewer than 30 requests still in
  flight or answered after s − 1 s. Any 30 requests that arrive within one second were then all seen by the last
  of them to start (each arrived after that start − 1 s, so was answered after it too), which let it go only with
  at most 29 others: jitter between our send times and Telegram's arrival times cannot make 31. Loopback or a
  nearby API answers in a few ms, so this costs ~30 × latency per second, not a fixed share;
- per-chat pacing for calls made with `SendPolicy(per_chat=True)` (the outbox sender) on the same principle: the
  next message to a chat starts one interval after the previous one's response (it arrived before that); replies
  to a resident who just wrote are not held back, but they count, so a notification right after them waits;
- strict spacing of starts — a slot every 1/30 s, a few late slots reclaimable — so that the window is filled
  evenly rather than in bursts of 30;
- a 429 stops every request for retry_after seconds and widens the margin a little; the call is then retried up
  to `max_retries` times.
Periods carry a small margin (1 %: clocks of two machines need not agree to the millisecond) that widens after
each 429. Clock and sleep are injectable: tests move time instead of waiting.

Several workers (`serve --workers N` on PostgreSQL): `share(SharedWindow)` applies the response window across
processes (bot/db/limits.py): every paced request also holds one of the bot's 30 leases kept in the database,
and every notification its chat's one lease, from before it starts until a period after its response, whichever
process sends — so a request slowed on its way (a busy machine) still counts until it has surely arrived. A reply
to a resident does not wait for its chat's lease but keeps it busy a period after it left and after its answer.
Only one request of a process at a time waits for a bot lease (the others queue behind it in order), looking
again every 10 ms while all 30 are on their way; a lease of a process that died frees itself after 30 s."""

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

from bot.db.limits import SharedWindow

log = logging.getLogger(__name__)
MARGIN = 0.01
MARGIN_STEP = 0.01  # added after each 429 …
MAX_MARGIN = 0.2  # … up to this
SHARED_MARGIN = 0.02  # margin of the leases shared between processes (their periods run on the database clock)
SHARED_POLL = 0.01  # seconds between looks at the database while every lease is held by a request on its way
IN_FLIGHT_POLL = 0.005  # seconds between looks while what we wait for is a response still on its way
# the methods that put a message into a chat (what Telegram's flood limits count)
MESSAGE_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendLocation",
        "sendVoice",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
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
    queue fairly), and the actual events — an instant (`happened`), or a request from its start to its response
    (`started` … `finished`), after which the next one waits a whole interval."""

    def __init__(self, interval: float, clock: Monotonic = time.monotonic, catch_up: int = 0) -> None:
        self.interval = interval
        self._clock = clock
        self._catch_up = catch_up  # slots a late caller may reclaim (the overall spacing; never per chat)
        self._next: dict[object, float] = {}
        self._last: dict[object, float] = {}  # when the key's last event ended (its response)
        self._flying: dict[object, int] = {}  # requests started and not yet answered

    def _free_at(self, key: object) -> float:
        """The earliest next event by actual events: an interval after the last response, and with one still on
        its way an interval from now at least."""
        if self._flying.get(key):
            return self._clock() + self.interval
        return self._last.get(key, -1e18) + self.interval

    def reserve(self, key: object) -> float:
        """Take the key's next free slot; the seconds to wait for it."""
        now = self._clock()
        earliest = now - self._catch_up * self.interval
        slot = max(earliest, self._next.get(key, 0.0), self._free_at(key))
        self._next[key] = slot + self.interval
        if len(self._next) > 10_000:
            self._forget(now)
        return max(slot - now, 0.0)

    def delay(self, key: object) -> float:
        """Seconds until the key's next free slot, without taking it (an estimate while a request is on its way)."""
        now = self._clock()
        return max(0.0, self._next.get(key, 0.0) - now, self._free_at(key) - now)

    def since_last(self, key: object) -> float:
        """Seconds still to wait since the key's last actual event (a short poll while its response is awaited)."""
        if self._flying.get(key):
            return IN_FLIGHT_POLL
        return max(0.0, self._last.get(key, -1e18) + self.interval - self._clock())

    def happened(self, key: object) -> None:
        """An instant event for `key` now (whether or not it waited for a slot)."""
        self.started(key)
        self.finished(key)

    def started(self, key: object) -> None:
        """A request for `key` leaves now; it counts until `finished`."""
        self._flying[key] = self._flying.get(key, 0) + 1
        self._next[key] = max(self._next.get(key, 0.0), self._clock() + self.interval)

    def finished(self, key: object) -> None:
        """Its response came (or it failed): the next event for `key` only an interval from now."""
        now = self._clock()
        left = self._flying.get(key, 0) - 1
        if left > 0:
            self._flying[key] = left
        else:
            self._flying.pop(key, None)
        self._last[key] = now
        self._next[key] = max(self._next.get(key, 0.0), now + self.interval)

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self._next.items() if t <= now and not self._flying.get(k)]:
            del self._next[key]
            self._last.pop(key, None)


class ResponseWindow:
    """At most `limit` requests in any `period` seconds as the other end counts them, by arrival — which lies
    between a request's start and its response. A request counts from its start (`started`) until `period` after
    its response (`finished`)."""

    def __init__(self, limit: int, period: float, clock: Monotonic = time.monotonic) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self.in_flight = 0
        self._answered: deque[float] = deque()  # response times, oldest first

    def wait(self) -> float:
        """0 if one more request may start now, else seconds until it may (a short poll when only responses still
        on their way can free the window)."""
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()
        excess = self.in_flight + len(self._answered) - self.limit
        if excess < 0:
            return 0.0
        if excess < len(self._answered):  # the window frees when the (excess + 1) oldest answers have left it
            return self._answered[excess] + self.period - now
        return IN_FLIGHT_POLL

    def started(self) -> None:
        self.in_flight += 1

    def finished(self) -> None:
        self.in_flight -= 1
        self._answered.append(self._clock())


class PacedRateLimiter(AIORateLimiter):
    def __init__(
        self,
        overall_rate: float = 30.0,
        chat_interval: float = 1.0,
        margin: float = MARGIN,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # the parent's overall bucket is replaced by spacing and the response window; its retries by ours (with a
        # global pause). Its group limits (20/min per group chat) stay, and are waited for before ours.
        super().__init__(overall_max_rate=0, max_retries=0)
        _drop_parent_retry_log()
        self._rate, self._chat_interval = overall_rate, chat_interval
        self.spacing = Pacing((1 + margin) / overall_rate, clock, catch_up=3)
        self.window = ResponseWindow(max(int(overall_rate), 1), 1.0 + margin, clock)
        self.chats = Pacing(chat_interval * (1 + margin), clock)
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self.shared: SharedWindow | None = None
        self._shared_key = "telegram"
        self._shared_turn = asyncio.Lock()  # one request of this process at a time waits for a bot lease

    def share(self, shared: SharedWindow, bot_key: str) -> None:
        """Hold every request's place also in `shared` (the database), under keys of this bot (its numeric id)."""
        self.shared = shared
        self._shared_key = f"telegram:{bot_key}"

    def _chat_key(self, chat_id: int) -> str:
        return f"{self._shared_key}:chat:{chat_id}"

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

        async def send(*call_args: Any, **call_kwargs: Any) -> Any:
            """Runs inside the parent's group limit: our checks, then the request, counted until its answer."""
            leases: list[tuple[str, int, float]] = []  # held in the database: (key, lease, period)
            try:
                await self._acquire(paced, chat_id, policy.per_chat, leases)
            except BaseException:  # given up while waiting (cancelled): the leases it holds go back
                await self._shared_finished(None, leases)
                raise
            try:
                return await callback(*call_args, **call_kwargs)
            finally:
                if paced:
                    self.window.finished()
                if chat_id is not None:
                    self.chats.finished(chat_id)
                if self.shared is not None:
                    await self._shared_finished(None if policy.per_chat else chat_id, leases)

        for attempt in range(policy.max_retries + 1):
            try:
                return await super().process_request(send, args, kwargs, endpoint, data, None)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self._paused_until = max(self._paused_until, self._clock() + seconds + 0.1)
                self._slow_down()
                log.warning(
                    "Telegram flood control on %s: pausing all requests for %.1f s; margin now %.0f %%",
                    endpoint,
                    seconds,
                    self.margin * 100,
                )
                if attempt == policy.max_retries:
                    raise
        raise AssertionError("unreachable")

    def _slow_down(self) -> None:
        """Telegram counted more than we did (another client on the token, or its clock and ours differ): widen
        the margin."""
        self.margin = min(self.margin + MARGIN_STEP, MAX_MARGIN)
        self.spacing.interval = (1 + self.margin) / self._rate
        self.window.period = 1.0 + self.margin
        self.chats.interval = self._chat_interval * (1 + self.margin)

    async def _acquire(
        self, paced: bool, chat_id: int | None, per_chat: bool, leases: list[tuple[str, int, float]]
    ) -> None:
        """Wait for the chat's turn (notifications), a flood-control pause to end, the next overall slot, and
        until the window and the chat's last response allow one more; then count this request as started. With
        several processes, the leases taken in the database are added to `leases`. Nothing awaits between the
        last check and the request (but the database's answer, while the lease is already held), so the checks
        hold when it leaves."""
        pace_chat = per_chat and chat_id is not None
        if pace_chat:
            await self._wait(self.chats.reserve(chat_id))
        await self._wait(self._paused_until - self._clock())
        if self.shared is not None and chat_id is not None:  # the other processes' messages to this chat
            if pace_chat:
                leases.append(await self._lease(self._chat_key(chat_id), 1, self._shared_chat_interval))
            else:  # a reply: not held back, but the chat's next notification keeps its distance
                await self.shared.mark(self._chat_key(chat_id), self._shared_chat_interval)
        if paced:  # one slot per request: a re-check below must not take (and waste) another
            await self._wait(self.spacing.reserve(None))
        while True:
            wait = max(
                self._paused_until - self._clock(),
                self.window.wait() if paced else 0.0,
                self.chats.since_last(chat_id) if pace_chat else 0.0,
            )
            if wait <= 0:
                break
            await self._sleep(wait)
        if paced and self.shared is not None:  # one of the bot's places among all processes
            async with self._shared_turn:
                leases.append(await self._lease(self._shared_key, max(int(self._rate), 1), self._shared_period))
        if paced:
            self.window.started()
        if chat_id is not None:
            self.chats.started(chat_id)

    async def _lease(self, key: str, limit: int, period: float) -> tuple[str, int, float]:
        """Wait for one of `key`'s `limit` leases in the database; (key, lease, period) to give it back with."""
        assert self.shared is not None
        while True:
            n, wait = await self.shared.take(key, limit)
            if n is not None:
                return key, n, period
            # all held: the first frees at a known time once answered, else keep looking while on their way
            await self._sleep(wait if wait <= period else SHARED_POLL)

    async def _shared_finished(self, reply_chat: int | None, leases: list[tuple[str, int, float]]) -> None:
        """Give the leases back (free a period from now) and mark a reply's chat busy; a failure there must not
        turn a message that went out into an error (the outbox would send it again): its lease frees itself."""
        try:
            for key, n, period in leases:
                await self.shared.give_back(key, n, period)  # type: ignore[union-attr]
            if reply_chat is not None:
                await self.shared.mark(self._chat_key(reply_chat), self._shared_chat_interval)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - logged; the in-process pacing still holds for this worker
            log.exception("could not record a Telegram response in the shared rate leases")

    @property
    def _shared_chat_interval(self) -> float:
        return self._chat_interval * (1 + max(self.margin, SHARED_MARGIN))

    @property
    def _shared_period(self) -> float:
        return 1.0 + max(self.margin, SHARED_MARGIN)

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


def _drop_parent_retry_log() -> None:
    """Once, when the first limiter is made (never at import: no module changes logging when imported)."""
    parent = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, _DropParentRetryLog) for f in parent.filters):
        parent.addFilter(_DropParentRetryLog())
