"""The transaction around inbound messages (DESIGN.md, "The way a message travels").

Dedupe key, resident, locked dialogue state, the step function's turn, its effects, the new state and the message
log are committed together: a retry after the commit replays the stored replies and changes nothing.

Group commit: messages that arrive while a transaction is running wait for the next one, and then share it — one
BEGIN, one look-up of dedupe keys and states, one write of each table, one COMMIT for the whole batch. Each
message still gets exactly the effects it would have had alone: they run one after another, in arrival order, a
resident's second message seeing the state the first one left. If anything in a batch fails, nothing of it is
committed and its messages are handled again one by one, so a bad message cannot take others down with it.
One writer task per process keeps a resident's messages in order; across processes (PostgreSQL) the state rows
are locked `FOR UPDATE` in resident-id order and the dedupe key's primary key settles races.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.binding_port import BindingDesk, NoBindings
from bot.core.dialogue_rows import rows_for
from bot.core.effects import DeferredRows, apply_effects
from bot.core.household_file import HouseholdDesk, NoHousehold
from bot.core.messages import Inbound, Outbound
from bot.core.port import CaseDesk, Conversation, Effect, Outcomes, Respond, Turn, TurnContext
from bot.db.pairs import by_first
from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# (inbound, state before, effects asked for, final turn, effects' outcomes) of a committed turn
TurnObserver = Callable[[Inbound, Conversation, tuple[Effect, ...], Turn, Outcomes], None]
MAX_BATCH = 64
LAST_SEEN_RESOLUTION = timedelta(hours=1)  # residents.last_seen_at; the exact time is dialogue_states.updated_at
_ATTEMPTS = 3
WRITER_LINGER = 0.2
_IDLE_TURNS = 3  # event-loop turns the writer waits for more messages before it lets its connection go
# a batch lets the event loop run other callbacks (requests read, replies sent) once it has held it this long: its
# turns are CPU work with no wait in between (SQLite's statements run in place), 64 of them up to ~40 ms
TURN_SLICE = 0.004
# a committed batch wakes this many of its requests per turn of the event loop: each woken request then lays out and
# sends its reply (~0.3 ms), and 64 of them woken at once held the loop ~20 ms (bench.loop_stall)
HAND_OUT_SLICE = 8


async def _first(*awaitables: Awaitable[object]) -> None:
    """Wait until the first of `awaitables` is done (coroutines among them that are not yet are cancelled)."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task, given in zip(tasks, awaitables, strict=True):
            if task is not given:
                task.cancel()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Pending:
    inbound: Inbound
    replay: bool
    future: asyncio.Future[list[Outbound] | None]


@dataclass
class _Batch:
    """What one transaction writes, gathered while its messages are handled in order."""

    states: dict[int, Conversation] = field(default_factory=dict)  # resident id → state after its last message
    touched: dict[int, datetime] = field(default_factory=dict)  # resident id → time of its last message
    last_seen: dict[int, datetime] = field(default_factory=dict)  # resident id → residents.last_seen_at as read
    log: list[dict] = field(default_factory=list)
    observed: list[tuple] = field(default_factory=list)  # TurnObserver arguments, told after the commit
    processed: list[dict] = field(default_factory=list)
    replies: dict[tuple[str, str], list[Outbound]] = field(default_factory=dict)  # handled in this batch
    effects: DeferredRows = field(default_factory=DeferredRows)


async def _hand_out(batch: list[_Pending], results: list[list[Outbound] | None]) -> None:
    """Wake the requests of a committed batch with their replies, HAND_OUT_SLICE per turn of the event loop."""
    try:
        for n, (pending, result) in enumerate(zip(batch, results)):
            if n and n % HAND_OUT_SLICE == 0:
                await asyncio.sleep(0)  # the woken requests send their replies, then the next ones are woken
            if not pending.future.done():
                pending.future.set_result(result)
    finally:  # cancelled meanwhile (shutdown): the rest are told at once, nobody waits for ever
        for pending, result in zip(batch, results):
            if not pending.future.done():
                pending.future.set_result(result)


class DialogueService:
    """Handles inbound messages from any channel; the only writer of dialogue state."""

    def __init__(
        self,
        engine: AsyncEngine,
        kb: KnowledgeBase,
        respond: Respond,
        desk: CaseDesk,
        clock: Clock = utc_now,
        observe: TurnObserver | None = None,
        bindings: BindingDesk | None = None,
        households: HouseholdDesk | None = None,
    ) -> None:
        """`respond` is the conversation, `desk` the case domain, `bindings` the household ledger's binding desk and
        `households` its read side
        (bot/dialogue_wiring.py gives them)."""
        self._engine = engine
        self._kb = kb
        self._respond = respond
        self._clock = clock
        self._observe = observe  # told of every turn once it is committed (bot/metrics.py)
        # cases filed, read and rated on the resident's behalf, inside the turn's transaction
        self._desk = desk
        self._bindings = bindings or NoBindings()
        self._households = households  # the resident's own household file (None: no ledger, nobody is bound)
        self._rows = rows_for(engine.dialect.name)
        self._waiting: list[_Pending] = []
        self._arrived = asyncio.Event()  # a message was queued (the writer waits for one while a batch commits)
        postgres = engine.dialect.name == "postgresql"
        # batches in flight at once; /api/chat on PostgreSQL at 32 clients, quiet machine: 2 → 1415 req/s, 4 → 2065, 8 → 2073
        self._pipeline = 4 if postgres else 1
        # seconds the idle writer keeps its connections for the next message: on PostgreSQL taking one back from
        # the pool costs round trips (its ping, the writer's session settings, the reset when it goes back)
        self._linger = WRITER_LINGER if postgres else 0.0
        self._writer: asyncio.Task[None] | None = None
        self._handing: set[asyncio.Task[None]] = set()  # committed batches whose replies are being handed out

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """The replies for `inbound`; the same replies again if it was handled before."""
        replies = await self._submit(inbound, replay=True)
        assert replies is not None
        return replies

    async def handle_once(self, inbound: Inbound) -> list[Outbound] | None:
        """The replies for `inbound`, or None if it was handled before: for channels that push replies themselves
        (Telegram), where sending the stored replies again would show the resident the same answer twice."""
        return await self._submit(inbound, replay=False)

    async def close(self) -> None:
        """Let the writer finish what is queued and return its connection (before the engine is disposed)."""
        if self._writer is not None:
            await self._writer
        await asyncio.gather(*self._handing)

    async def _submit(self, inbound: Inbound, replay: bool) -> list[Outbound] | None:
        pending = _Pending(inbound, replay, asyncio.get_running_loop().create_future())
        self._waiting.append(pending)
        self._arrived.set()
        if self._writer is None or self._writer.done():
            # a context of its own: the writer serves many requests, its log lines carry none of their ids
            self._writer = asyncio.create_task(self._write_all(), context=contextvars.Context())
        return await asyncio.shield(pending.future)  # a caller that gives up does not cancel the batch

    async def _write_all(self) -> None:
        """Commit waiting messages batch by batch until none wait or arrive within a few turns of the event loop
        (under load the next ones are usually being read already: the writer and its connections carry on instead
        of starting afresh for every batch).

        On PostgreSQL the next batch is handled on a second connection while the previous one writes its rows and
        commits (the event loop runs the next batch's turns instead of waiting for those round trips). A batch whose
        turns are done takes no more locks but on rows no other batch of this process touches (its residents' states,
        which it holds already, and resident rows; its log, dedupe and feedback rows) and on the unanswered
        questions it counts, taken in key order like every batch's: so the next can only wait for it, never the
        reverse. A resident whose message is in a batch not yet settled waits for the batch after it (their
        messages stay in order even when a batch fails and is handled again message by message)."""
        while self._waiting:  # checked last with no await before the task ends: a message queued meanwhile is seen
            running: dict[asyncio.Task[None], tuple[AsyncConnection, set[tuple[str, str]]]] = {}  # not settled
            try:
                async with contextlib.AsyncExitStack() as stack:
                    idle: list[AsyncConnection] = []
                    try:
                        while True:
                            for task in [t for t in running if t.done()]:
                                idle.append(running.pop(task)[0])
                            busy = set().union(*(senders for _, senders in running.values()))
                            if len(running) < self._pipeline and (batch := self._take(busy)):
                                if idle:
                                    conn = idle.pop()
                                else:
                                    conn = await stack.enter_async_context(self._engine.connect())
                                    await self._rows.writer_session(conn, starting=True)
                                    stack.push_async_callback(self._rows.writer_session, conn, False)
                                committing = asyncio.Event()
                                task = asyncio.create_task(self._settle(conn, batch, committing))
                                running[task] = (conn, {(p.inbound.channel, p.inbound.user_key) for p in batch})
                                # the next batch starts once this one has only its rows and COMMIT left
                                await _first(committing.wait(), task)
                            elif len(running) == self._pipeline:
                                await _first(*running)
                            elif running:  # a batch commits: wait for it, or for a message it does not hold back
                                self._arrived.clear()
                                await _first(self._arrived.wait(), *running)
                            elif not await self._more_waiting():
                                break
                    finally:
                        await asyncio.gather(*running)  # settled before their connections go back to the pool
            except Exception as exc:  # noqa: BLE001 - no connection (database unreachable): the waiting are told
                log.exception("dialogue writer: no database connection")
                waiting, self._waiting = self._waiting, []
                for pending in waiting:
                    if not pending.future.done():
                        pending.future.set_exception(exc)

    def _take(self, busy: set[tuple[str, str]]) -> list[_Pending]:
        """The next batch from the waiting messages, leaving those of residents in `busy` (and their later ones)."""
        if not busy:
            head, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            return head
        batch: list[_Pending] = []
        rest: list[_Pending] = []
        for pending in self._waiting:
            sender = (pending.inbound.channel, pending.inbound.user_key)
            (batch if sender not in busy and len(batch) < MAX_BATCH else rest).append(pending)
        self._waiting = rest
        return batch

    async def _more_waiting(self) -> bool:
        for _ in range(_IDLE_TURNS):
            if self._waiting:
                return True
            await asyncio.sleep(0)
        if not self._waiting and self._linger:  # keep the connections a moment for the next message
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), self._linger)
        return bool(self._waiting)

    async def _settle(self, conn: AsyncConnection, batch: list[_Pending], committing: asyncio.Event) -> None:
        """Commit a batch and hand out its replies; if it fails, its messages one by one. `committing` is set when
        the batch has only its rows and its COMMIT left to send (or has failed)."""
        try:
            results = await self._commit(conn, batch, committing)
        except Exception as exc:
            if len(batch) > 1:  # a lost race on a unique key (another process took the same message) is expected
                raced = isinstance(exc, IntegrityError | sqlite3.IntegrityError)
                log.info(
                    "batch of %d failed (%s); handling its messages one by one",
                    len(batch),
                    type(exc).__name__,
                    exc_info=not raced,
                )
            committing.set()
            for pending in batch:
                await self._settle_alone(conn, pending)
        else:  # the connection is free for the next batch while the replies are handed out
            handing = asyncio.create_task(_hand_out(batch, results))
            self._handing.add(handing)
            handing.add_done_callback(self._handing.discard)

    async def _settle_alone(self, conn: AsyncConnection, pending: _Pending) -> None:
        """Handle one message in its own transaction; a lost race on a unique key is retried (and then replays)."""
        for attempt in range(_ATTEMPTS):
            try:
                result = (await self._commit(conn, [pending]))[0]
            except (IntegrityError, sqlite3.IntegrityError) as exc:  # the second: bot/core/dialogue_rows.py
                if attempt < _ATTEMPTS - 1:
                    continue
                error: BaseException = exc
            except Exception as exc:  # noqa: BLE001 - handed to the waiting caller, who answers with a 5xx
                error = exc
            else:
                if not pending.future.done():
                    pending.future.set_result(result)
                return
            break
        if not pending.future.done():
            pending.future.set_exception(error)

    async def _commit(
        self, conn: AsyncConnection, batch: list[_Pending], committing: asyncio.Event | None = None
    ) -> list[list[Outbound] | None]:
        async with conn.begin():
            inbounds = [p.inbound for p in batch]
            done, known = await self._rows.read(  # on PostgreSQL new senders are added by this statement too
                conn,
                by_first((i.channel, i.dedupe_key) for i in inbounds),
                by_first((i.channel, i.user_key) for i in inbounds),
                add_at=self._clock(),
            )
            fresh = [p.inbound for p in batch if (p.inbound.channel, p.inbound.dedupe_key) not in done]
            await self._add_residents(conn, fresh, known)
            writes = _Batch()
            writes.last_seen = {rid: seen for rid, _, seen in known.values()}
            results: list[list[Outbound] | None] = []
            held_since = time.perf_counter()
            for pending in batch:
                if time.perf_counter() - held_since >= TURN_SLICE:
                    await asyncio.sleep(0)  # the loop's other callbacks, then the next turn (same transaction)
                    held_since = time.perf_counter()
                key = (pending.inbound.channel, pending.inbound.dedupe_key)
                if key in done or key in writes.replies:
                    replies = done.get(key) or writes.replies[key]
                    results.append(list(replies) if pending.replay else None)
                    continue
                resident_id, state, _ = known[(pending.inbound.channel, pending.inbound.user_key)]
                state = writes.states.get(resident_id, state)
                results.append(await self._turn(conn, pending.inbound, resident_id, state, writes))
            if committing is not None:
                committing.set()
            await self._write(conn, writes)
        for observed in writes.observed:
            try:
                self._observe(*observed)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - counting must never cost a resident the committed reply
                log.exception("turn observer failed")
        return results

    async def _turn(
        self, conn: AsyncConnection, inbound: Inbound, resident_id: int, state: Conversation, writes: _Batch
    ) -> list[Outbound]:
        """One message's turn: the step function, its effects (written now), and its share of the batch's writes."""
        now = self._clock()
        ctx = TurnContext(
            kb=self._kb,
            now=now,
            cases=self._desk.reader(conn, resident_id),
            households=NoHousehold() if self._households is None else self._households.reader(conn, resident_id),
            message_key=f"{inbound.channel}:{inbound.dedupe_key}",
            client=client if isinstance(client := inbound.payload.get("client"), str) else None,
        )
        turn = await self._respond(state, inbound, ctx)
        effects = turn.effects
        outcomes = await apply_effects(conn, resident_id, effects, now, self._desk, writes.effects, self._bindings)
        log_text = turn.log_text
        if turn.then is not None:  # replies that show what the effects produced (a case number), same transaction
            turn = turn.then(outcomes)
        if self._observe is not None:
            writes.observed.append((inbound, state, tuple(effects), turn, outcomes))
        writes.states[resident_id] = turn.state
        writes.touched[resident_id] = now
        writes.log.append(
            {
                "resident_id": resident_id,
                "direction": "in",
                "text": log_text or turn.log_text or inbound.text,  # a binding code or ID digits: not kept
                "payload": {"kind": inbound.kind.value, **inbound.payload},
                "created_at": now,
            }
        )
        writes.log += [
            {
                "resident_id": resident_id,
                "direction": "out",
                "text": r.text,
                "payload": {"buttons": [b.id for b in r.buttons]},
                "created_at": now,
            }
            for r in turn.replies
        ]
        writes.processed.append(
            {
                "channel": inbound.channel,
                "dedupe_key": inbound.dedupe_key,
                "resident_id": resident_id,
                "replies": {"replies": [r.to_json() for r in turn.replies]},
                "processed_at": now,
            }
        )
        writes.replies[(inbound.channel, inbound.dedupe_key)] = list(turn.replies)
        return list(turn.replies)

    async def _add_residents(
        self,
        conn: AsyncConnection,
        inbounds: list[Inbound],
        found: dict[tuple[str, str], tuple[int, Conversation, datetime]],
    ) -> None:
        """Residents writing for the first time among the senders of `inbounds`, added to `found` (the senders
        already known, their states locked) with a new state row."""
        missing = sorted({(str(i.channel), i.user_key) for i in inbounds} - found.keys())
        if missing:
            now = self._clock()
            new = await self._rows.add_residents(conn, missing, now)
            found.update({user: (rid, Conversation(), now) for user, rid in new.items()})

    async def _write(self, conn: AsyncConnection, writes: _Batch) -> None:
        """The batch's rows, one statement per table (on PostgreSQL one for all)."""
        new_states = [
            {"rid": rid, "new_state": s.to_json(), "at": writes.touched[rid]} for rid, s in writes.states.items()
        ]
        stale = [  # residents.last_seen_at to the hour: no row in nearly every batch
            {"rid": rid, "at": at}
            for rid, at in writes.touched.items()
            if at - writes.last_seen.get(rid, at - LAST_SEEN_RESOLUTION) >= LAST_SEEN_RESOLUTION
        ]
        await self._rows.write(conn, new_states, writes.log, writes.processed, stale, writes.effects)
