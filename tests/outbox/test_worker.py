"""The outbox worker: delivery, retries with backoff, undeliverable messages, and exactly one delivery after a crash
between sending and marking (web chat), at most one where the channel cannot deduplicate."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import Button, Outbound
from bot.outbox.enqueue import enqueue
from bot.outbox.enqueue import outbox as outbox_table
from bot.outbox.models import WebInboxMessage
from bot.outbox.ports import Paced, PacedSender, RetryLater, Undeliverable
from bot.outbox.web import WebSender, updates
from bot.outbox.worker import OutboxPolicy, OutboxWorker
from tests.support.cases import outbox_rows
from tests.support.clock import FakeClock
from tests.support.senders import Crash, CrashingAfterSend, RecordingSender

inbox = WebInboxMessage.__table__
LEASE = timedelta(minutes=2)


async def put(
    engine: AsyncEngine, clock: FakeClock, key: str, channel: str = "web", user_key: str = "s1", text: str = "您好"
) -> None:
    async with engine.begin() as conn:
        await enqueue(conn, key=key, channel=channel, user_key=user_key, message=Outbound(text), now=clock())


async def inbox_rows(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(inbox).order_by(inbox.c.id))]


def worker(engine: AsyncEngine, clock: FakeClock, **senders) -> OutboxWorker:  # noqa: ANN003
    return OutboxWorker(engine, senders, clock, OutboxPolicy(lease=LEASE, max_attempts=4))


async def test_web_messages_are_delivered_to_the_session_inbox(engine: AsyncEngine, clock: FakeClock) -> None:
    async with engine.begin() as conn:
        message = Outbound("请评价", (Button("rate:AJ-2026-000001:3", "满意"),))
        assert await enqueue(conn, key="k1", channel="web", user_key="s1", message=message, now=clock())
        assert not await enqueue(conn, key="k1", channel="web", user_key="s1", message=message, now=clock())
    report = await worker(engine, clock, web=WebSender(engine, clock)).tick()
    assert report.delivered == 1
    [row] = await outbox_rows(engine)
    assert row["status"] == "delivered" and row["attempts"] == 1 and row["delivered_at"] == clock()
    [update] = await updates(engine, "s1", 0)
    assert update.message == message
    assert await updates(engine, "s1", update.id) == [] and await updates(engine, "other", 0) == []


async def test_retry_later_backs_off_exponentially_then_gives_up(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = RecordingSender(failures=deque(RetryLater(1, "flood") for _ in range(10)))
    w = worker(engine, clock, telegram=sender)
    await put(engine, clock, "k1", channel="telegram")
    waits = []
    for _ in range(3):
        assert (await w.tick()).retried == 1
        row = (await outbox_rows(engine))[0]
        waits.append(row["next_attempt_at"] - clock())
        assert (await w.tick()).total == 0  # not yet due
        clock.now = row["next_attempt_at"]
    assert waits == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert (await w.tick()).failed == 1
    row = (await outbox_rows(engine))[0]
    assert row["status"] == "failed" and row["attempts"] == 4 and "flood" in row["last_error"]


async def test_channel_hint_longer_than_backoff_wins(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = RecordingSender(failures=deque([RetryLater(600, "429")]))
    w = worker(engine, clock, telegram=sender)
    await put(engine, clock, "k1", channel="telegram")
    await w.tick()
    assert (await outbox_rows(engine))[0]["next_attempt_at"] == clock() + timedelta(seconds=600)


async def test_undeliverable_and_unexpected_errors(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = RecordingSender(failures=deque([Undeliverable("blocked"), RuntimeError("boom")]))
    w = worker(engine, clock, telegram=sender)
    await put(engine, clock, "k1", channel="telegram", user_key="a")
    await put(engine, clock, "k2", channel="telegram", user_key="b")
    report = await w.tick()
    assert (report.undeliverable, report.retried) == (1, 1)
    first, second = await outbox_rows(engine)
    assert first["status"] == "undeliverable" and second["status"] == "pending"
    clock.advance(seconds=5)
    assert (await w.tick()).delivered == 1 and sender.sent == [("b", "您好")]


async def test_exactly_one_web_delivery_after_a_crash_between_sending_and_marking(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    web = WebSender(engine, clock)
    await put(engine, clock, "k1", text="工作人员答复：已复核")
    with pytest.raises(Crash):
        await worker(engine, clock, web=CrashingAfterSend(web)).tick()
    [row] = await outbox_rows(engine)
    assert row["status"] == "sending" and len(await inbox_rows(engine)) == 1  # sent, not marked
    restarted = worker(engine, clock, web=web)
    clock.advance(seconds=30)
    assert (await restarted.tick()).total == 0  # the lease still runs: maybe the first worker is only slow
    clock.advance(minutes=2)
    assert (await restarted.tick()).delivered == 1
    [row] = await outbox_rows(engine)
    assert row["status"] == "delivered" and row["attempts"] == 2
    assert [r["payload"]["text"] for r in await inbox_rows(engine)] == ["工作人员答复：已复核"]  # once


async def test_at_most_one_delivery_where_the_channel_cannot_deduplicate(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = RecordingSender(crash_after_send=True)
    await put(engine, clock, "k1", channel="telegram")
    with pytest.raises(Crash):
        await worker(engine, clock, telegram=sender).tick()
    sender.crash_after_send = False
    clock.advance(minutes=5)
    report = await worker(engine, clock, telegram=sender).tick()
    assert report.abandoned == 1 and len(sender.sent) == 1
    [row] = await outbox_rows(engine)
    assert row["status"] == "failed" and "outcome unknown" in row["last_error"]


async def test_a_channel_without_a_sender_waits(engine: AsyncEngine, clock: FakeClock) -> None:
    await put(engine, clock, "k1", channel="wechat")
    senders: dict = {}
    w = OutboxWorker(engine, senders, clock)
    assert (await w.tick()).total == 0
    assert (await outbox_rows(engine))[0]["status"] == "pending"
    senders["wechat"] = RecordingSender(channel="wechat")  # configured later
    assert (await w.tick()).delivered == 1


async def test_concurrent_workers_deliver_each_message_once(engine: AsyncEngine, clock: FakeClock) -> None:
    for i in range(60):
        await put(engine, clock, f"k{i}", channel="telegram", user_key=str(i))
    sender = RecordingSender()
    workers = [worker(engine, clock, telegram=sender) for _ in range(4)]
    for _ in range(3):
        await asyncio.gather(*(w.tick() for w in workers))
    assert sorted(int(k) for k, _ in sender.sent) == list(range(60))
    assert {r["status"] for r in await outbox_rows(engine)} == {"delivered"}


async def test_pacing_hand_back_uses_up_no_attempt(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = RecordingSender(failures=deque(Paced(0.5, "one per second") for _ in range(6)))
    w = worker(engine, clock, telegram=sender)  # max_attempts=4: six failures would have failed it
    await put(engine, clock, "k1", channel="telegram")
    for _ in range(6):
        assert (await w.tick()).retried == 1
        row = (await outbox_rows(engine))[0]
        assert row["attempts"] == 0 and row["next_attempt_at"] == clock() + timedelta(seconds=0.5)
        clock.advance(seconds=0.5)
    assert (await w.tick()).delivered == 1
    assert sender.sent == [("s1", "您好")]


class SlowSender(RecordingSender):
    """Takes a moment per message and remembers how many chats it served at once."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = 0
        self.most_at_once = 0

    async def send(self, user_key: str, message: Outbound) -> None:
        self.busy += 1
        self.most_at_once = max(self.most_at_once, self.busy)
        await asyncio.sleep(0)  # yield to the other deliveries, as a network round trip would
        await asyncio.sleep(0)
        self.busy -= 1
        await super().send(user_key, message)


async def test_different_chats_are_served_at_once_each_chat_in_order(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = SlowSender()
    for i in range(6):
        await put(engine, clock, f"k{i}", channel="telegram", user_key=f"chat{i % 3}")
    assert (await worker(engine, clock, telegram=sender).tick()).delivered == 6
    assert sender.most_at_once == 3
    for chat in ("chat0", "chat1", "chat2"):
        assert [k for k, _ in sender.sent if k == chat] == [chat, chat]


@dataclass
class PacedRecordingSender(RecordingSender):
    """Paced like Telegram: one message per `pace` seconds to a user (by the test's clock), a wait of up to
    `max_wait` taken in stride; group chats ("-…") not paced."""

    clock: FakeClock | None = None
    pace: float = 1.0
    max_wait: float = 0.2
    last: dict[str, datetime] = field(default_factory=dict)

    def ready_in(self, user_key: str) -> float | None:
        if user_key.startswith("-"):
            return None
        last = self.last.get(user_key)
        wait = 0.0 if last is None else (last + timedelta(seconds=self.pace) - self.clock()).total_seconds()
        return 0.0 if wait <= self.max_wait else wait

    async def send(self, user_key: str, message: Outbound) -> None:
        await super().send(user_key, message)
        self.last[user_key] = self.clock()


def paced_worker(
    engine: AsyncEngine, clock: FakeClock, sender: PacedRecordingSender, batch: int = 50, lookahead: int = 4
) -> OutboxWorker:
    return OutboxWorker(
        engine, {"telegram": sender}, clock, OutboxPolicy(batch=batch, lookahead=lookahead, lease=LEASE, max_attempts=4)
    )


async def test_one_message_per_paced_user_per_batch_the_others_moved_in_order(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    sender = PacedRecordingSender(clock=clock)
    assert isinstance(sender, PacedSender) and not isinstance(RecordingSender(), PacedSender)
    for i, user in enumerate(["a", "a", "a", "b", "c"]):
        await put(engine, clock, f"k{i}", channel="telegram", user_key=user, text=f"{user}{i}")
    w = paced_worker(engine, clock, sender)
    report = await w.tick()
    assert (report.delivered, report.deferred, report.retried) == (3, 0, 0)
    later = [r for r in await outbox_rows(engine) if r["status"] == "pending"]
    assert [(r["user_key"], r["attempts"], r["next_attempt_at"]) for r in later] == [("a", 0, clock())] * 2
    report = await w.tick()  # a's next second is known now: both moved there, in their order, not attempted
    assert (report.delivered, report.deferred, report.retried) == (0, 2, 0)
    later = [r for r in await outbox_rows(engine) if r["status"] == "pending"]
    assert [(r["user_key"], r["attempts"], r["next_attempt_at"]) for r in later] == [
        ("a", 0, clock() + timedelta(seconds=1)),
        ("a", 0, clock() + timedelta(seconds=1)),
    ]
    assert (await w.tick()).total == 0  # nothing due before then
    for _ in range(2):
        clock.advance(seconds=1)
        assert (await w.tick()).delivered == 1
    assert [text for user, text in sender.sent if user == "a"] == ["a0", "a1", "a2"]
    assert {r["status"] for r in await outbox_rows(engine)} == {"delivered"}


async def test_a_user_the_channel_cannot_take_now_is_moved_to_when_it_can(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    sender = PacedRecordingSender(clock=clock)
    sender.last["a"] = clock() - timedelta(seconds=0.3)  # a reply went out 0.3 s ago
    await put(engine, clock, "k1", channel="telegram", user_key="a")
    report = await paced_worker(engine, clock, sender).tick()
    assert (report.delivered, report.deferred) == (0, 1) and sender.sent == []
    [row] = await outbox_rows(engine)
    assert row["status"] == "pending" and row["attempts"] == 0
    assert row["next_attempt_at"] == clock() + timedelta(seconds=0.7)


async def test_a_row_queued_meanwhile_waits_behind_the_users_moved_rows(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = PacedRecordingSender(clock=clock)
    w = paced_worker(engine, clock, sender)
    await put(engine, clock, "k1", channel="telegram", user_key="a", text="first")
    await put(engine, clock, "k2", channel="telegram", user_key="a", text="second")
    assert (await w.tick()).delivered == 1
    assert (await w.tick()).deferred == 1  # "second" waits a second
    clock.advance(seconds=0.85)
    await put(engine, clock, "k3", channel="telegram", user_key="a", text="third")  # due now; the chat nearly is
    report = await w.tick()
    assert report.delivered == 0  # not ahead of "second": an earlier row of the chat is unfinished
    for _ in range(10):
        clock.advance(seconds=0.5)
        await w.tick()
    assert [text for _, text in sender.sent] == ["first", "second", "third"]


async def test_the_claim_looks_past_a_users_waiting_rows(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = PacedRecordingSender(clock=clock)
    for i, user in enumerate(["a", "a", "a", "b"]):
        await put(engine, clock, f"k{i}", channel="telegram", user_key=user)
    report = await paced_worker(engine, clock, sender, batch=2).tick()
    assert (report.delivered, report.deferred) == (2, 0)
    assert [user for user, _ in sender.sent] == ["a", "b"]


async def test_users_the_channel_does_not_pace_get_several_rows_a_batch(engine: AsyncEngine, clock: FakeClock) -> None:
    sender = PacedRecordingSender(clock=clock)
    for i in range(3):
        await put(engine, clock, f"k{i}", channel="telegram", user_key="-100", text=f"group{i}")
    report = await paced_worker(engine, clock, sender).tick()
    assert (report.delivered, report.deferred) == (3, 0)
    assert [text for _, text in sender.sent] == ["group0", "group1", "group2"]


async def test_a_chats_later_row_waits_while_another_worker_holds_an_earlier_one(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    for i in range(3):
        await put(engine, clock, f"k{i}", channel="telegram", user_key="a", text=f"a{i}")
    await put(engine, clock, "k9", channel="telegram", user_key="b", text="b0")
    first, second = RecordingSender(), RecordingSender()
    leased = await worker(engine, clock, telegram=first).claim(clock())  # worker 1 leased a's rows and b's
    assert [c.payload["text"] for c in leased] == ["a0", "a1", "a2", "b0"]
    await put(engine, clock, "k3", channel="telegram", user_key="a", text="a3")
    await put(engine, clock, "k10", channel="telegram", user_key="c", text="c0")
    report = await worker(engine, clock, telegram=second).tick()  # worker 2: a3 must wait for a0..a2
    assert report.delivered == 1 and second.sent == [("c", "c0")]
    other = worker(engine, clock, telegram=first)
    for claimed in leased:
        await other.deliver(claimed)
    await worker(engine, clock, telegram=second).tick()
    assert second.sent == [("c", "c0"), ("a", "a3")]


@pytest.mark.postgres
async def test_a_row_locked_by_another_claim_holds_back_the_chats_later_rows(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    for i in range(2):
        await put(engine, clock, f"k{i}", channel="telegram", user_key="a", text=f"a{i}")
    [first_id, _] = [r["id"] for r in await outbox_rows(engine)]
    sender = RecordingSender()
    async with engine.connect() as other_claim:  # another worker's claim, in the middle of its transaction
        await other_claim.execute(select(outbox_table.c.id).where(outbox_table.c.id == first_id).with_for_update())
        report = await worker(engine, clock, telegram=sender).tick()
        assert report.total == 0 and sender.sent == []  # SKIP LOCKED passed a0 over; a1 must not overtake it
        await other_claim.rollback()
    await worker(engine, clock, telegram=sender).tick()
    assert [text for _, text in sender.sent] == ["a0", "a1"]
