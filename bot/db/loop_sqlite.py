"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread.

aiosqlite runs every call — cursor(), execute, fetchall, close — in a thread of its own and hands the result back
through the event loop: four trips per statement, each waiting behind whatever else the loop has ready. Under
load that waiting, not SQLite, was most of a dialogue transaction (a batch of 16 messages: 25 ms, of which the
turns 5.5 ms and SQLite itself about 1 ms). SQLite's statements here take microseconds, so this driver runs
them in place: the same `sqlite3` module, the same SQL, no thread.

What must not block the loop is waiting for a lock. Connections are opened with no busy timeout; a statement that
finds the database locked (another connection's write transaction, in this process or another) is retried after
an asyncio sleep, so that the holder — perhaps a coroutine on this very loop — can finish. The wait is bounded
(`busy_timeout`, 30 s as before), after which the error is raised as SQLite would.

What must not block the loop either is a statement that reads much: a staff search (a `LIKE` over every case), a
list page, an export, the figures. Those run as *reads* (`begin_read`, asked for by bot/db/engine.py's `reading`):
a deferred transaction — WAL lets it read its snapshot beside the writer, holding no lock — with `query_only` on,
whose statements run, each with its fetch, in a worker thread (one trip per statement; threads of their own, at a
lower scheduling priority than the loop's: `_read_threads`). SQLite releases the GIL while it steps, so the loop
runs meanwhile; a read cancelled half-way is interrupted. The next transaction on the
connection is back on the loop.

It is an aiosqlite look-alike for `create_async_engine(..., async_creator=...)`, implementing the part of
aiosqlite's Connection and Cursor that SQLAlchemy's aiosqlite dialect uses; the dialect, its exceptions and its
type handling are unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from bot.db.checkpoint import WriteGate

BUSY_TIMEOUT = 30.0
_FIRST_WAIT, _MAX_WAIT = 0.0005, 0.02


def _locked(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "database is locked" in str(exc)
    )


READ_NICENESS = 5  # a read's thread yields the CPU to the event loop's when both want it (see _read_threads)
_read_pool: ThreadPoolExecutor | None = None


def _lower_priority() -> None:
    """In a new read thread: its own scheduling priority, lower than the loop's (Linux sets it per thread)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + READ_NICENESS)


def _read_threads() -> ThreadPoolExecutor:
    """The threads reads run in: a staff search scans every case for up to seconds of CPU, which on a busy machine
    must not be taken from the loop's thread answering residents (a read still gets its share: ~1/3 of the loop's
    at niceness 5)."""
    global _read_pool
    if _read_pool is None:
        _read_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite-read", initializer=_lower_priority)
    return _read_pool


async def _in_thread(
    call: Callable[[], Any], on_cancel: Callable[[], None] | None = None, executor: Executor | None = None
) -> Any:
    """`call()` in a worker thread (of `executor`, else the loop's default one); if the caller is cancelled
    meanwhile, `on_cancel()` is called (to interrupt the statement) and the call is still waited for before the
    cancellation goes on — nobody may use the connection while the thread does."""
    running = asyncio.get_running_loop().run_in_executor(executor, call)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        if on_cancel is not None:
            on_cancel()
        await asyncio.wait([running])
        raise


async def _retry_while_locked_async(call: Callable[[], Awaitable[Any]], busy_timeout: float) -> Any:
    """As _retry_while_locked, for a call that is awaited (one run in a thread)."""
    deadline, wait = None, _FIRST_WAIT
    while True:
        try:
            return await call()
        except sqlite3.OperationalError as exc:
            if not _locked(exc):
                raise
            now = time.monotonic()
            deadline = deadline or now + busy_timeout
            if now >= deadline:
                raise
        await asyncio.sleep(wait)
        wait = min(wait * 2, _MAX_WAIT)


async def _retry_while_locked(call: Callable[[], Any], busy_timeout: float) -> Any:
    """`call()`, again after a short asyncio sleep each time SQLite reports the database locked."""

    async def once() -> Any:
        return call()

    return await _retry_while_locked_async(once, busy_timeout)


class Cursor:
    def __init__(
        self,
        cursor: sqlite3.Cursor,
        busy_timeout: float,
        gate: WriteGate | None = None,
        owner: Connection | None = None,
    ) -> None:
        self._cursor = cursor
        self._busy_timeout = busy_timeout
        self._gate = gate
        self._owner = owner
        self._fetched: list[Any] | None = None  # the rows of a read, fetched in its thread

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        if self._owner is not None and self._owner.read_asked and sql == "BEGIN":
            await self._owner.begin_read()
            return self
        if (owner := self._owner) is not None and owner.reading:
            await _retry_while_locked_async(
                lambda: _in_thread(lambda: self._read(sql, parameters), owner.interrupt, _read_threads()),
                self._busy_timeout,
            )
            return self
        if self._gate is not None and sql.startswith("BEGIN"):
            await self._gate.wait_open()  # a checkpoint is restarting the log (bot/db/checkpoint.py)
        await _retry_while_locked(lambda: self._cursor.execute(sql, parameters), self._busy_timeout)
        return self

    def _read(self, sql: str, parameters: Any) -> None:
        """In the worker thread: the statement and all its rows (SQLAlchemy's adapter fetches them all at once)."""
        self._cursor.execute(sql, parameters)
        self._fetched = self._cursor.fetchall() if self._cursor.description else None

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        rows = list(parameters)  # a retry needs them again
        await _retry_while_locked(lambda: self._cursor.executemany(sql, rows), self._busy_timeout)
        return self

    async def fetchone(self) -> Any:
        if self._fetched is not None:
            return self._fetched.pop(0) if self._fetched else None
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size if size is not None else self._cursor.arraysize
        if self._fetched is not None:
            rows, self._fetched = self._fetched[:size], self._fetched[size:]
            return rows
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        if self._fetched is not None:
            rows, self._fetched = self._fetched, []
            return rows
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _InPlace:
    """Stands in for aiosqlite's request queue, which the dialect uses to set isolation_level: runs at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as exc:  # noqa: BLE001 - handed to the waiting future, as aiosqlite does
            if future is not None:
                future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class Connection:
    _tx = _InPlace()

    def __init__(self, conn: sqlite3.Connection, busy_timeout: float, gate: WriteGate | None = None) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._busy_timeout = busy_timeout
        self._gate = gate
        self.reading = False  # in a read transaction (begin_read): statements run in a worker thread
        self.read_asked = False  # the next BEGIN starts a read (ask_read)

    @property
    def _connection(self) -> sqlite3.Connection | None:  # aiosqlite's name; the dialect tests it before commit
        return self._conn

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run without SQLAlchemy (bot/core/dialogue_rows.py)."""
        return self._live()

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._live().cursor(), self._busy_timeout, self._gate, self)

    def ask_read(self) -> None:
        """The next BEGIN (SQLAlchemy's, from bot/db/engine.py) starts a read (begin_read)."""
        self.read_asked = True

    async def begin_read(self) -> None:
        """A read transaction: deferred (no lock; WAL shows it the last committed state, whoever writes meanwhile),
        writes refused (`query_only`), its statements off the loop until it ends; counted at the gate, which a
        restart of the log waits at (bot/db/checkpoint.py)."""
        self.read_asked = False
        conn = self._live()
        if self._gate is not None:
            await self._gate.read_started()
        try:
            conn.execute("BEGIN")
            conn.execute("PRAGMA query_only=1")
        except BaseException:
            if self._gate is not None:
                self._gate.read_ended()
            raise
        self.reading = True

    def _end_read(self) -> None:
        if self.reading:
            self.reading = False
            if self._gate is not None:
                self._gate.read_ended()
            if self._conn is not None:
                self._conn.execute("PRAGMA query_only=0")

    def interrupt(self) -> None:
        """Stop the statement running in the worker thread (a read whose caller went away)."""
        if self._conn is not None:
            self._conn.interrupt()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """COMMIT in a worker thread: with synchronous=FULL it waits for the disk (fsync), which must not stop the
        loop; other connections meanwhile find the database locked and wait as usual."""
        conn = self._live()
        try:
            await _retry_while_locked_async(lambda: _in_thread(conn.commit), self._busy_timeout)
        finally:
            self._end_read()

    async def rollback(self) -> None:
        try:
            self._live().rollback()
        finally:
            self._end_read()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self.reading:
            self.reading = False
            if self._gate is not None:
                self._gate.read_ended()
        self.read_asked = False
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def connector(
    path: str, uri: bool = False, busy_timeout: float = BUSY_TIMEOUT, gate: WriteGate | None = None
) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: opens `path` with no busy timeout of SQLite's own; a `gate`
    holds back BEGIN while a checkpoint restarts the log."""

    async def connect() -> Connection:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False, uri=uri)
        return Connection(conn, busy_timeout, gate)

    return connect
