"""The outbox worker: claims due messages, delivers each through its channel's Sender, retries with exponential
backoff, and records the outcome.

Delivery guarantee, honestly:
- A message is marked `sending` with a lease (`next_attempt_at` = now + lease) and committed BEFORE the send, then
  marked `delivered` after it. A crash in between leaves the row `sending`; once the lease has run out it is stale.
- A stale row is retried only through a channel that deduplicates (IdempotentSender — the web chat, whose inbox is
  keyed by the outbox row id): exactly one delivery, however often the worker crashes.
- A channel that cannot deduplicate (Telegram, WeChat customer messages) cannot tell us whether the interrupted
  send arrived. Such a row is marked `failed` ("delivery outcome unknown") and NOT sent again: at most one
  delivery, never two. The window is the moment between the channel's answer and our commit; the message is never
  lost to the resident either way, because it is the case's public history, shown by 查进度.
- Rows of a channel with no configured sender stay `pending` (delayed, not dropped) until one is configured.
On PostgreSQL several workers claim with `FOR UPDATE SKIP LOCKED`; on SQLite the write transaction is serialised.
Order across workers: a claim takes a chat's rows only from the chat's earliest unfinished row on, and only as long
as it holds each of them (`_in_turn`): while another worker holds (or has leased) an earlier row of the chat, the
later ones wait, so a chat's messages leave in order whichever worker sends them.

Pacing (a PacedSender: Telegram takes one message a second per chat): the claim looks ahead of the batch and takes,
for each paced user, only the lowest-id due row, and only when the channel can take it now. A user who got a row
keeps the others as they are: due first, the next claim looks at them again (by then the channel knows when it
takes the next). The rows of a user the channel cannot take now are moved, all to one time, to when it can
(`deferred`: no attempt used, nothing sent), so that they keep their order and do not fill the next batches; a
row of that user queued meanwhile is held behind them (in this process). So a batch is one message each to up to
`batch` users, all sendable at once: the channel's overall pace is the only wait.

Folding (a FoldingSender: a WeCom or DingTalk group robot takes 20 messages a minute): as pacing, except that when
a robot's turn comes the claim takes up to `fold` of its due rows, in order, and they go out as one message; their
outcome is recorded for each of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.messages import Outbound
from bot.outbox.enqueue import OutboxStatus, outbox
from bot.outbox.ports import FoldingSender, IdempotentSender, Paced, PacedSender, RetryLater, Sender, Undeliverable

log = logging.getLogger(__name__)
UNKNOWN_OUTCOME = "delivery interrupted (lease expired); outcome unknown and the channel cannot deduplicate: not resent"


@dataclass(frozen=True)
class OutboxPolicy:
    batch: int = 50
    lookahead: int = 4  # due rows looked at per row claimed (a paced user's later rows are passed over)
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 8
    first_retry: timedelta = timedelta(seconds=5)
    max_retry: timedelta = timedelta(hours=1)

    def backoff(self, attempts: int) -> timedelta:
        """5 s, 10 s, 20 s … after the 1st, 2nd, 3rd failed attempt, at most `max_retry`."""
        return min(self.first_retry * (2 ** max(attempts - 1, 0)), self.max_retry)


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    user_key: str
    payload: dict[str, Any]
    attempts: int  # including this one: the fencing token for marking the outcome


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    undeliverable: int = 0
    abandoned: int = 0  # stale rows of channels that cannot deduplicate
    deferred: int = 0  # rows of a paced user moved to when the channel takes them (not claimed, no attempt)

    @property
    def total(self) -> int:
        """Rows this tick dealt with: more may be waiting when it is not 0."""
        return self.delivered + self.retried + self.failed + self.undeliverable + self.abandoned + self.deferred


class OutboxWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        policy: OutboxPolicy | None = None,
        observe: Callable[[str, str, BaseException | None], None] | None = None,
    ) -> None:
        self._engine = engine
        # told of every send: (channel, "delivered" | "paced" | "retry" | "failed" | "undeliverable", error)
        self._observe = observe or (lambda channel, outcome, error: None)
        self._senders = senders  # read on every tick: channels configured later are picked up
        self._clock = clock
        self.policy = policy or OutboxPolicy()
        # paced users whose rows were moved: (until when, highest id moved); a later row of theirs waits behind
        self._held: dict[tuple[str, str], tuple[datetime, int]] = {}

    async def tick(self) -> DeliveryReport:
        """Deliver one batch of due messages."""
        report = DeliveryReport()
        if not await self._anything_due(self._clock()):
            return report
        chats: dict[tuple[str, str], list[Claimed]] = {}
        for claimed in await self.claim(self._clock(), report):
            chats.setdefault((claimed.channel, claimed.user_key), []).append(claimed)
        # chats in parallel (the senders pace the channel as a whole), each chat's messages in order
        await asyncio.gather(*(self._deliver_in_order(rows, report) for rows in chats.values()))
        return report

    async def _deliver_in_order(self, rows: list[Claimed], report: DeliveryReport) -> None:
        if len(rows) > 1 and isinstance(self._senders.get(rows[0].channel), FoldingSender):
            await self._deliver_rows(sorted(rows, key=lambda c: c.id), report)  # one message for all of them
            return
        for claimed in rows:
            await self.deliver(claimed, report)

    async def _anything_due(self, now: datetime) -> bool:
        """A read-only look first, so that an idle worker does not take SQLite's write lock every few seconds."""
        async with self._engine.connect() as conn:
            return await conn.scalar(self._due(now).limit(1)) is not None

    def _due(self, now: datetime) -> Select[Any]:
        return select(
            outbox.c.id, outbox.c.status, outbox.c.channel, outbox.c.user_key, outbox.c.payload, outbox.c.attempts
        ).where(
            outbox.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            outbox.c.next_attempt_at <= now,
            outbox.c.channel.in_(list(self._senders)),
        )

    async def claim(self, now: datetime, report: DeliveryReport | None = None) -> list[Claimed]:
        """Lease up to `batch` due rows (pending, or sending with an expired lease) and commit the lease; a paced
        user's rows that cannot go now are moved to when they can (see the module's docstring)."""
        report = report if report is not None else DeliveryReport()
        claimed: list[Claimed] = []
        moved: list[dict[str, Any]] = []
        self._forget_held(now)
        async with self._engine.begin() as conn:
            query = (
                self._due(now)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(self.policy.batch * max(self.policy.lookahead, 1))
                .with_for_update(skip_locked=True)
            )
            rows = await self._in_turn(conn, (await conn.execute(query)).all())
            paced = self._paced_users(rows)
            turn: dict[tuple[str, str], datetime | None] = {}  # paced user → None: one row goes now; else moved to
            folded: dict[tuple[str, str], int] = {}  # rows claimed for a folding sender's user
            for row in rows:
                if len(claimed) == self.policy.batch:
                    break
                sender = self._senders.get(row.channel)
                if row.status == OutboxStatus.SENDING and not isinstance(sender, IdempotentSender):
                    await conn.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(status=OutboxStatus.FAILED, last_error=UNKNOWN_OUTCOME)
                    )
                    log.warning("outbox %s: %s", row.id, UNKNOWN_OUTCOME)
                    report.abandoned += 1
                    continue
                key = (row.channel, row.user_key)
                if key in paced:
                    wait, lowest = paced[key]
                    if key not in turn:
                        turn[key] = self._turn(key, wait, lowest, sender.pace, now)  # type: ignore[union-attr]
                    until = turn[key]
                    if until is not None:  # not now: all of the user's rows to one time, so they keep order
                        moved.append({"row_id": row.id, "until": until})
                        self._hold(key, until, row.id)
                        continue
                    if isinstance(sender, FoldingSender):
                        if folded.get(key, 0) >= max(sender.fold, 1):
                            continue  # the rest go in the robot's next message
                        folded[key] = folded.get(key, 0) + 1
                    elif row.id != lowest:
                        continue  # behind the one that goes now: looked at again, first, by the next claim
                    held = self._held.get(key)
                    if held is not None and row.id >= held[1]:
                        del self._held[key]  # the last row it held back goes now
                claimed.append(Claimed(row.id, row.channel, row.user_key, row.payload, row.attempts + 1))
            if claimed:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([c.id for c in claimed]))
                    .values(
                        status=OutboxStatus.SENDING,
                        attempts=outbox.c.attempts + 1,
                        next_attempt_at=now + self.policy.lease,
                    )
                )
            if moved:
                await conn.execute(
                    update(outbox).where(outbox.c.id == bindparam("row_id")).values(next_attempt_at=bindparam("until")),
                    moved,
                )
                report.deferred += len(moved)
        return claimed

    @staticmethod
    async def _in_turn(conn: AsyncConnection, rows: Sequence[Any]) -> list[Any]:
        """Of the rows this claim locked, those whose turn it is: for each chat, its unfinished (pending or
        sending) rows in id order up to the first one this claim did not get — not yet due, leased by another
        worker, or locked by another worker's claim (SKIP LOCKED passed it over). So a chat's later row never
        leaves before an earlier one, whichever worker holds which."""
        if not rows:
            return []
        ours = {row.id for row in rows}
        chats = {(row.channel, row.user_key) for row in rows}
        unfinished = await conn.execute(
            select(outbox.c.id, outbox.c.channel, outbox.c.user_key)
            .where(
                outbox.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                outbox.c.id <= max(ours),
                tuple_(outbox.c.channel, outbox.c.user_key).in_(list(chats)),
            )
            .order_by(outbox.c.id)
        )
        allowed: set[int] = set()
        stopped: set[tuple[str, str]] = set()
        for row in unfinished:
            chat = (row.channel, row.user_key)
            if chat in stopped:
                continue
            if row.id in ours:
                allowed.add(row.id)
            else:
                stopped.add(chat)
        return [row for row in rows if row.id in allowed]

    def _paced_users(self, rows: list[Any]) -> dict[tuple[str, str], tuple[float, int]]:
        """For each paced user among `rows`: seconds until the channel takes a message for them, and the lowest
        id of their rows (the one to go first)."""
        paced: dict[tuple[str, str], tuple[float, int]] = {}
        unpaced: set[tuple[str, str]] = set()
        for row in rows:
            key = (row.channel, row.user_key)
            sender = self._senders.get(row.channel)
            if key in unpaced or (row.status == OutboxStatus.SENDING and not isinstance(sender, IdempotentSender)):
                continue  # not paced, or to be abandoned rather than sent
            if key in paced:
                paced[key] = (paced[key][0], min(paced[key][1], row.id))
                continue
            wait = sender.ready_in(row.user_key) if isinstance(sender, PacedSender) else None
            if wait is None:
                unpaced.add(key)
            else:
                paced[key] = (wait, row.id)
        return paced

    def _turn(self, key: tuple[str, str], wait: float, lowest: int, pace: float, now: datetime) -> datetime | None:
        """None when the paced user's lowest due row may go now; else when their rows should be looked at again:
        when the channel takes the user's next message, or behind the rows of theirs already moved."""
        held = self._held.get(key)
        if wait == 0 and (held is None or lowest <= held[1]):
            return None
        later = now + timedelta(seconds=wait if wait > 0 else pace)
        return max(later, held[0]) if held is not None else later

    def _hold(self, key: tuple[str, str], until: datetime, row_id: int) -> None:
        """Row `row_id` of a paced user waits until `until`: the user's later rows wait behind it."""
        held = self._held.get(key)
        self._held[key] = (max(until, held[0]), max(row_id, held[1])) if held is not None else (until, row_id)

    def _forget_held(self, now: datetime) -> None:
        """Rows held back long ago went elsewhere (another worker, a failure): stop holding their users."""
        for key in [k for k, (until, _) in self._held.items() if until + self.policy.lease < now]:
            del self._held[key]

    async def deliver(self, claimed: Claimed, report: DeliveryReport | None = None) -> None:
        """Send one leased row and record the outcome (only if the lease is still ours)."""
        await self._deliver_rows([claimed], report if report is not None else DeliveryReport())

    async def _deliver_rows(self, rows: list[Claimed], report: DeliveryReport) -> None:
        """Send leased rows of one user — one row, or several folded into one message by a FoldingSender — and
        record the outcome for each of them."""
        first = rows[0]
        sender = self._senders.get(first.channel)
        try:
            if sender is None:
                raise RetryLater(self.policy.max_retry.total_seconds(), f"no sender for channel {first.channel}")
            if len(rows) > 1 and isinstance(sender, FoldingSender):
                await sender.send_folded(first.user_key, [Outbound.from_json(c.payload) for c in rows])
            elif isinstance(sender, IdempotentSender):
                await sender.send_once(first.id, first.user_key, Outbound.from_json(first.payload))
            else:
                await sender.send(first.user_key, Outbound.from_json(first.payload))
        except Undeliverable as exc:
            for claimed in rows:
                await self._mark(
                    claimed,
                    status=OutboxStatus.UNDELIVERABLE,
                    last_error=str(exc)[:1000],
                    resident_reason=exc.resident_reason[:200] or None,
                )
                report.undeliverable += 1
                self._observe(claimed.channel, "undeliverable", exc)
        except Exception as exc:  # noqa: BLE001 - any channel failure is retried later, never crashes the worker
            if not isinstance(exc, RetryLater):
                log.exception("outbox %s: sending on %s failed", first.id, first.channel)
            for claimed in rows:
                await self._retry(claimed, exc, report)
        else:
            for claimed in rows:
                await self._mark(claimed, status=OutboxStatus.DELIVERED, delivered_at=self._clock(), last_error=None)
                report.delivered += 1
                self._observe(claimed.channel, "delivered", None)

    async def _retry(self, claimed: Claimed, exc: Exception, report: DeliveryReport) -> None:
        """A send failed (or the channel's pace said wait): back to pending for later, or failed for good."""
        if isinstance(exc, Paced):  # the channel's pace, not a failure: no attempt used up
            until = self._clock() + timedelta(seconds=exc.seconds)
            self._hold((claimed.channel, claimed.user_key), until, claimed.id)
            await self._mark(claimed, status=OutboxStatus.PENDING, attempts=claimed.attempts - 1, next_attempt_at=until)
            report.retried += 1
            self._observe(claimed.channel, "paced", exc)
            return
        hint = timedelta(seconds=exc.seconds) if isinstance(exc, RetryLater) else timedelta(0)
        if claimed.attempts >= self.policy.max_attempts:
            await self._mark(claimed, status=OutboxStatus.FAILED, last_error=str(exc)[:1000])
            report.failed += 1
            self._observe(claimed.channel, "failed", exc)
        else:
            delay = max(hint, self.policy.backoff(claimed.attempts))
            await self._mark(
                claimed, status=OutboxStatus.PENDING, last_error=str(exc)[:1000], next_attempt_at=self._clock() + delay
            )
            report.retried += 1
            self._observe(claimed.channel, "retry", exc)

    async def _mark(self, claimed: Claimed, **values: Any) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == claimed.id,
                    outbox.c.status == OutboxStatus.SENDING,
                    outbox.c.attempts == claimed.attempts,
                )
                .values(**values)
            )
