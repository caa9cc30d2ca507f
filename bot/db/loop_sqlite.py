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

It is an aiosqlite look-alike for `create_async_engine(..., async_creator=...)`, implementing the part of
aiosqlite's Connection and Cursor that SQLAlchemy's aiosqlite dialect uses; the dialect, its exceptions and its
type handling are unchanged. A statement that runs long (an export of every case) holds up the loop while it
runs; PostgreSQL, with its own driver, is the database for large deployments.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from bot.db.checkpoint import WriteGate

BUSY_TIMEOUT = 30.0
_FIRST_WAIT, _MAX_WAIT = 0.0005, 0.02


def _locked(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "database is locked" in str(exc)
    )


async def _in_thread(call: Callable[[], Any]) -> Any:
    """`call()` in a worker thread; if the caller is cancelled meanwhile, the call is still waited for before the
    cancellation goes on — nobody may use the connection while the thread does."""
    running = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
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
    def __init__(self, cursor: sqlite3.Cursor, busy_timeout: float, gate: WriteGate | None = None) -> None:
        self._cursor = cursor
        self._busy_timeout = busy_timeout
        self._gate = gate

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        if self._gate is not None and sql.startswith("BEGIN"):
            await self._gate.wait_open()  # a checkpoint is restarting the log (bot/db/checkpoint.py)
        await _retry_while_locked(lambda: self._cursor.execute(sql, parameters), self._busy_timeout)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        rows = list(parameters)  # a retry needs them again
        await _retry_while_locked(lambda: self._cursor.executemany(sql, rows), self._busy_timeout)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
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
        return Cursor(self._live().cursor(), self._busy_timeout, self._gate)

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """COMMIT in a worker thread: with synchronous=FULL it waits for the disk (fsync), which must not stop the
        loop; other connections meanwhile find the database locked and wait as usual."""
        conn = self._live()
        await _retry_while_locked_async(lambda: _in_thread(conn.commit), self._busy_timeout)

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
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
