"""WAL checkpoints of the SQLite database, in a thread, off the event loop — and a log that stays bounded.

In WAL mode every commit appends pages to the -wal file; a checkpoint copies them back into the database file and
syncs it to disk. Left to SQLite, the checkpoint runs inside whichever commit pushes the log past 1,000 pages —
on the event loop, since statements run there (bot/db/loop_sqlite.py): a pause of several milliseconds, longer on
a busy disk, for every request waiting at that moment. The server therefore turns automatic checkpoints off on
its connections and runs them here, from a connection of a worker thread.

PASSIVE checkpoints, once a second, neither wait for nor block anyone and do the bulk of the copying. But they
alone never let the log start again under a continuous writer: SQLite reuses the -wal file from its start only
when a checkpoint has copied *every* frame, and a writer that commits while the checkpoint runs always leaves a
few behind (64 clients for 90 s left a 6.84 GB log, issue 9). So when the -wal file passes `limit_bytes`, or when
it has stopped changing for `idle_seconds`, a TRUNCATE checkpoint runs: this process's connections briefly hold
back new transactions at a `WriteGate` (the event loop goes on; only BEGIN waits), the checkpoint waits for the
transaction in progress to commit, copies the last frames and truncates the log to zero bytes, and the gate
opens again — a pause of a few milliseconds for the writers, once per `limit_bytes` of log. Connections of other
processes are waited for by SQLite's busy handler (`busy_seconds`); if they keep the database busy longer, the
checkpoint gives up for this round and the next one tries again. `journal_size_limit` (bot/db/engine.py) caps
the file SQLite leaves behind when it restarts the log by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

log = logging.getLogger(__name__)
INTERVAL = 1.0


class WriteGate:
    """Closed while a checkpoint restarts the log: this process's SQLite connections wait before BEGIN.

    It also counts this process's reads in progress (bot/db/loop_sqlite.py `begin_read`): the log can restart only
    once no reader holds an older snapshot, so before it closes to writers a restart holds new reads back and lets
    those in progress finish (`reads_held`) — the writers meanwhile go on; waiting for a long read with the writers
    held back would stop every resident's message for as long as the read took."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._reads_open = asyncio.Event()
        self._reads_open.set()
        self._no_reads = asyncio.Event()
        self._no_reads.set()
        self._reads = 0

    @property
    def holding(self) -> bool:
        """Whether a restart of the log holds anyone back at the moment (readers or writers)."""
        return not (self._open.is_set() and self._reads_open.is_set())

    async def wait_open(self) -> None:
        if not self._open.is_set():
            await self._open.wait()

    async def read_started(self) -> None:
        """Before a read's BEGIN: waits while a restart of the log holds reads back."""
        while not self._reads_open.is_set():
            await self._reads_open.wait()
        self._reads += 1
        self._no_reads.clear()

    def read_ended(self) -> None:
        self._reads = max(0, self._reads - 1)
        if self._reads == 0:
            self._no_reads.set()

    @contextlib.asynccontextmanager
    async def reads_held(self) -> AsyncIterator[None]:
        """No new read starts in the block, which begins once the reads in progress have ended."""
        self._reads_open.clear()
        try:
            await self._no_reads.wait()
            yield
        finally:
            self._reads_open.set()

    @contextlib.asynccontextmanager
    async def closed(self) -> AsyncIterator[None]:
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()


@dataclass(frozen=True)
class WalPolicy:
    """When the -wal file is checkpointed and cut back (settings: ANJU_SQLITE_WAL_LIMIT_MB)."""

    limit_bytes: int = 64 * 1024 * 1024  # a TRUNCATE checkpoint once the -wal file is larger than this
    interval: float = INTERVAL  # seconds between PASSIVE checkpoints
    poll: float = 0.1  # seconds between looks at the -wal file's size (a stat)
    idle_seconds: float = 5.0  # a log that has not changed for this long is truncated
    busy_seconds: float = 2.0  # how long a TRUNCATE checkpoint waits for other connections


@dataclass(frozen=True)
class CheckpointResult:
    busy: bool  # True: others kept the database busy; not every frame was copied (the log was not restarted)
    logged: int  # frames in the log
    copied: int  # frames copied back


def checkpoint(path: str, mode: str = "PASSIVE", busy_seconds: float = 0.0) -> CheckpointResult:
    """One checkpoint of `path` (PASSIVE, FULL, RESTART or TRUNCATE), from a connection of the calling thread."""
    if mode not in {"PASSIVE", "FULL", "RESTART", "TRUNCATE"}:
        raise ValueError(mode)
    conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None)
    try:
        busy, logged, copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return CheckpointResult(bool(busy), logged, copied)
    finally:
        conn.close()


def wal_size(path: str) -> int:
    try:
        return os.stat(f"{path}-wal").st_size
    except FileNotFoundError:
        return 0


async def truncate_log(path: str, gate: WriteGate | None, busy_seconds: float) -> CheckpointResult:
    """Copy every frame back and cut the -wal file to zero bytes, this process's writers held at `gate` meanwhile."""
    await asyncio.to_thread(checkpoint, path, "PASSIVE")  # the bulk, without holding anyone back
    if gate is None:
        return await asyncio.to_thread(checkpoint, path, "TRUNCATE", busy_seconds)
    async with gate.reads_held(), gate.closed():  # readers first (writers go on meanwhile), then writers
        return await asyncio.to_thread(checkpoint, path, "TRUNCATE", busy_seconds)


@contextlib.asynccontextmanager
async def background_checkpoints(
    path: str, interval: float = INTERVAL, gate: WriteGate | None = None, policy: WalPolicy | None = None
) -> AsyncIterator[None]:
    """Checkpoint `path` while the block runs (see the module's docstring), and truncate its log at the end."""
    policy = policy or WalPolicy(interval=interval)

    async def loop() -> None:
        last_passive = changed_at = time.monotonic()
        last_size = -1
        while True:
            await asyncio.sleep(policy.poll)
            try:
                now, size = time.monotonic(), wal_size(path)
                if size != last_size:
                    last_size, changed_at = size, now
                if size > policy.limit_bytes or (size > 0 and now - changed_at >= policy.idle_seconds):
                    result = await truncate_log(path, gate, policy.busy_seconds)
                    last_passive = time.monotonic()
                    if result.busy:
                        log.info("WAL of %s not truncated: the database stayed busy; trying again", path)
                elif now - last_passive >= policy.interval:
                    await asyncio.to_thread(checkpoint, path, "PASSIVE")
                    last_passive = time.monotonic()
            except sqlite3.Error:  # locked for a moment, or the file is gone (tests): the next round tries again
                log.debug("WAL checkpoint of %s skipped", path, exc_info=True)

    task = asyncio.create_task(loop(), name="sqlite-checkpoints")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await _truncate_at_end(path, gate, policy)


async def _truncate_at_end(path: str, gate: WriteGate | None, policy: WalPolicy, attempts: int = 5) -> None:
    """The last cut: a checkpoint the cancelled loop had started may still run in its thread (SQLite then answers
    busy at once), so try again a few times before leaving the log for the next start."""
    for _ in range(attempts):
        with contextlib.suppress(sqlite3.Error):
            if not (await truncate_log(path, gate, policy.busy_seconds)).busy:
                return
        await asyncio.sleep(policy.poll)
    log.info("WAL of %s not truncated at the end: the database stayed busy", path)
