"""The pacing arithmetic, on a clock that moves only when the limiter sleeps."""

from __future__ import annotations

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.rate_limit import (
    MARGIN, MARGIN_STEP, NOTIFICATION, Pacing, PacedRateLimiter, SlidingWindow,
)
from tests.support.monotonic import FakeMonotonic


def test_sliding_window_counts_actual_times() -> None:
    clock = FakeMonotonic()
    window = SlidingWindow(3, 1.0, clock)
    for _ in range(3):
        assert window.wait() == 0.0
        window.happened()
    assert window.wait() == 1.0
    clock.now += 0.4
    assert window.wait() == pytest.approx(0.6)


def test_pacing_reserves_one_slot_per_interval_per_key() -> None:
    clock = FakeMonotonic()
    pacing = Pacing(1.0, clock)
    assert [pacing.reserve("a") for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacing.reserve("b") == 0.0
    pacing.happened("c")  # a reply went out without waiting: the next notification keeps its distance
    assert pacing.reserve("c") == 1.0
    clock.now += 5
    pacing.happened("a")  # late: the slot reserved for 1002 was used at 1005
    assert pacing.reserve("a") == 1.0


async def _call(limiter: PacedRateLimiter, chat_id: int, calls: list, policy=NOTIFICATION, results=None):  # noqa: ANN001, ANN202
    async def callback() -> bool:
        calls.append((chat_id, limiter.spacing._clock()))
        if results:
            outcome = results.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
        return True

    return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, policy)


async def test_notifications_keep_one_second_per_chat_and_30_in_any_second() -> None:
    clock = FakeMonotonic()
    limiter = PacedRateLimiter(overall_rate=30, chat_interval=1.0, margin=0.0, clock=clock, sleep=clock.sleep)
    calls: list = []
    for chat in [1, 1, 1, *range(2, 80)]:  # one after the other: the fake clock moves with each sleep
        await _call(limiter, chat, calls)
    per_chat = [t for c, t in calls if c == 1]
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(per_chat, per_chat[1:]))
    times = sorted(t for _, t in calls)
    assert all(times[i + 30] - times[i] >= 1.0 - 1e-9 for i in range(len(times) - 30))
    spread = times[3:]  # after the third message to chat 1: distinct chats only
    assert (len(spread) - 1) / (spread[-1] - spread[0]) > 29  # and it keeps up the pace


async def test_a_429_widens_the_margin() -> None:
    clock = FakeMonotonic()
    limiter = PacedRateLimiter(clock=clock, sleep=clock.sleep)
    before = limiter.spacing.interval
    await _call(limiter, 7, [], results=[RetryAfter(1), True])
    assert limiter.spacing.interval > before and limiter.margin == pytest.approx(MARGIN + MARGIN_STEP)


async def test_a_429_pauses_everything_for_retry_after_then_retries() -> None:
    clock = FakeMonotonic()
    limiter = PacedRateLimiter(clock=clock, sleep=clock.sleep)
    calls: list = []
    assert await _call(limiter, 7, calls, results=[RetryAfter(5), True]) is True
    assert len(calls) == 2 and calls[1][1] - calls[0][1] >= 5.0


async def test_a_429_after_the_last_retry_is_raised() -> None:
    clock = FakeMonotonic()
    limiter = PacedRateLimiter(clock=clock, sleep=clock.sleep)
    with pytest.raises(RetryAfter):
        await _call(limiter, 7, [], results=[RetryAfter(3), RetryAfter(3)])
