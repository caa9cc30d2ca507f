"""The pacing arithmetic, on a clock that moves only when the limiter sleeps; and the limiter against a server that
counts arrival times, with random delays on the way, in virtual time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.rate_limit import (
    IN_FLIGHT_POLL,
    MARGIN,
    MARGIN_STEP,
    NOTIFICATION,
    PacedRateLimiter,
    Pacing,
    ResponseWindow,
)
from tests.support.monotonic import FakeMonotonic


def test_a_request_occupies_the_window_from_its_start_until_a_period_after_its_response() -> None:
    clock = FakeMonotonic()
    window = ResponseWindow(3, 1.0, clock)
    for _ in range(3):
        assert window.wait() == 0.0
        window.started()
    assert window.wait() == IN_FLIGHT_POLL  # all three still on their way: only an answer can free a place
    clock.now += 0.3
    window.finished()  # answered at 1000.3: it may have arrived as late as that
    clock.now += 0.2
    assert window.wait() == pytest.approx(0.8)  # free at 1001.3, not at 1001.0 (a second after its start)
    clock.now += 0.8
    assert window.wait() == 0.0


def test_the_window_frees_when_enough_answers_have_left_it() -> None:
    clock = FakeMonotonic()
    window = ResponseWindow(2, 1.0, clock)
    for _ in range(3):  # one more than the limit (a request that did not wait: counted all the same)
        window.started()
    for step in (0.1, 0.1, 0.1):
        clock.now += step
        window.finished()  # answered at 1000.1, 1000.2, 1000.3
    assert window.wait() == pytest.approx(0.9)  # two must leave: the second oldest answer at 1001.2


def test_a_chats_next_slot_is_an_interval_after_the_response_not_the_start() -> None:
    clock = FakeMonotonic()
    pacing = Pacing(1.0, clock)
    pacing.started("a")
    clock.now += 0.25
    assert pacing.since_last("a") == IN_FLIGHT_POLL  # still on its way: keep looking
    assert pacing.delay("a") == pytest.approx(1.0)  # at least an interval from now
    pacing.finished("a")  # answered 0.25 s after it left
    assert pacing.delay("a") == pytest.approx(1.0) and pacing.since_last("a") == pytest.approx(1.0)
    assert pacing.reserve("a") == pytest.approx(1.0)


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


class VirtualTime:
    """A clock for many concurrent tasks: time jumps to the next wake-up once every task is waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, coros: list) -> None:  # noqa: ANN001
        tasks = [asyncio.ensure_future(c) for c in coros]
        while True:
            for _ in range(5):  # let every woken task run until it waits again
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            wake_at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake_at)
            future.set_result(None)
        for task in tasks:
            task.result()


class ArrivalCounter:
    """Telegram's side: a request is counted when it arrives, a random delay after it left; the answer takes
    another random delay back. Records the arrival times."""

    def __init__(self, clock: VirtualTime, seed: int, max_delay: float) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.max_delay = max_delay
        self.arrivals: list[tuple[int, float]] = []

    def callback(self, chat_id: int):  # noqa: ANN201
        async def request() -> bool:
            # mostly quick, sometimes slow: the pattern that bunches arrivals
            await self.clock.sleep(self.rng.choice((0.0, 0.001, self.rng.uniform(0, self.max_delay))))
            self.arrivals.append((chat_id, self.clock()))
            await self.clock.sleep(self.rng.uniform(0, self.max_delay / 4))
            return True

        return request


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_arrivals_never_exceed_telegrams_limits_whatever_the_delays(seed: int) -> None:
    clock = VirtualTime()
    limiter = PacedRateLimiter(overall_rate=30, chat_interval=1.0, clock=clock, sleep=clock.sleep)
    server = ArrivalCounter(clock, seed, max_delay=0.15)
    rng = random.Random(seed)
    chats = [1 + rng.randrange(150) for _ in range(600)]  # ~4 messages a chat: the per-chat limit matters too

    async def notify(chat_id: int) -> None:
        await limiter.process_request(
            server.callback(chat_id), (), {}, "sendMessage", {"chat_id": chat_id}, NOTIFICATION
        )

    by_chat: dict[int, list[int]] = {}
    for chat in chats:
        by_chat.setdefault(chat, []).append(chat)

    async def chat_in_order(rows: list[int]) -> None:  # as the outbox worker does: a chat's messages in turn
        for chat in rows:
            await notify(chat)

    await clock.run([chat_in_order(rows) for rows in by_chat.values()])
    times = sorted(t for _, t in server.arrivals)
    assert len(times) == 600
    # the server's sliding window: an arrival is refused when 30 others arrived in the second before it
    assert all(times[i + 30] - times[i] >= 1.0 for i in range(len(times) - 30))
    for chat in by_chat:
        mine = sorted(t for c, t in server.arrivals if c == chat)
        assert all(b - a >= 1.0 for a, b in zip(mine, mine[1:]))
    # and it keeps the pace: 30 per (1 s + margin + the round trip), the round trips here ~45 ms on average
    assert 450 / (times[500] - times[50]) > 27  # before the last chats' messages trickle out one a second


class MemoryWindow:
    """SharedWindow on the test's clock: what the database does for several processes (bot/db/limits.py)."""

    def __init__(self, clock: FakeMonotonic | VirtualTime, fail_give_back: bool = False) -> None:
        self.clock = clock
        self.busy_until: dict[tuple[str, int], float] = {}
        self.fail_give_back = fail_give_back

    async def take(self, key: str, limit: int) -> tuple[int | None, float]:
        now, until = self.clock(), [self.busy_until.get((key, n), 0.0) for n in range(limit)]
        free = [n for n in range(limit) if until[n] <= now]
        if not free:
            return None, min(until) - now
        n = min(free, key=until.__getitem__)
        self.busy_until[(key, n)] = now + 30.0
        return n, 0.0

    async def give_back(self, key: str, n: int, period: float) -> None:
        if self.fail_give_back:
            raise ConnectionError("database gone")
        self.busy_until[(key, n)] = self.clock() + period

    async def mark(self, key: str, period: float) -> None:
        self.busy_until[(key, 0)] = max(self.busy_until.get((key, 0), 0.0), self.clock() + period)


async def test_two_processes_sharing_leases_keep_one_bots_limits_together() -> None:
    clock = FakeMonotonic()
    shared = MemoryWindow(clock)
    workers = [PacedRateLimiter(overall_rate=30, chat_interval=1.0, clock=clock, sleep=clock.sleep) for _ in range(2)]
    for limiter in workers:
        limiter.share(shared, "123")  # type: ignore[arg-type]
    calls: list = []
    for n, chat in enumerate([1, 1, *range(2, 70)]):  # the workers take turns, chat 1 twice in a row
        await _call(workers[n % 2], chat, calls)
    times = sorted(t for _, t in calls)
    assert all(times[i + 30] - times[i] >= 1.0 for i in range(len(times) - 30))  # 30 a second, not 2 × 30
    first, second = [t for c, t in calls if c == 1]
    assert second - first >= 1.0  # the second worker waited for the first one's message to chat 1


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_two_processes_keep_telegrams_limits_by_arrival_when_one_is_slow(seed: int) -> None:
    """One worker on a loaded machine: its requests reach Telegram up to 0.4 s after they start. Telegram counts
    arrivals; the shared places are held until the response, so the slow requests still count when the other
    worker's arrive (spacing the starts alone let 34–39 arrive within a second)."""
    clock = VirtualTime()
    shared = MemoryWindow(clock)
    workers = [PacedRateLimiter(overall_rate=30, chat_interval=1.0, clock=clock, sleep=clock.sleep) for _ in range(2)]
    for limiter in workers:
        limiter.share(shared, "123")  # type: ignore[arg-type]
    servers = [ArrivalCounter(clock, seed, max_delay=0.01), ArrivalCounter(clock, seed + 10, max_delay=0.4)]
    rng = random.Random(seed)
    by_chat: dict[int, list[int]] = {}
    for _ in range(400):
        chat = 1 + rng.randrange(100)
        by_chat.setdefault(chat, []).append(rng.randrange(2))  # which worker's outbox loop sends it

    async def chat_in_order(chat: int, senders: list[int]) -> None:
        for worker in senders:
            await workers[worker].process_request(
                servers[worker].callback(chat), (), {}, "sendMessage", {"chat_id": chat}, NOTIFICATION
            )

    await clock.run([chat_in_order(chat, senders) for chat, senders in by_chat.items()])
    arrivals = sorted((t, c) for server in servers for c, t in server.arrivals)
    times = [t for t, _ in arrivals]
    assert len(times) == 400
    assert all(times[i + 30] - times[i] >= 1.0 for i in range(len(times) - 30))
    for chat in by_chat:
        mine = [t for t, c in arrivals if c == chat]
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(mine))


async def test_a_failure_to_record_the_response_does_not_fail_a_message_that_went_out() -> None:
    clock = FakeMonotonic()
    limiter = PacedRateLimiter(clock=clock, sleep=clock.sleep)
    limiter.share(MemoryWindow(clock, fail_give_back=True), "123")  # type: ignore[arg-type]
    calls: list = []
    assert await _call(limiter, 7, calls) is True and len(calls) == 1
