"""Engine creation and its life on the app's cleanup_ctx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.settings import normalise_database_url


def make_engine(database_url: str) -> AsyncEngine:
    """An async engine; SQLite files get WAL, a busy timeout and foreign keys, and their folder is created."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # let SQLAlchemy emit BEGIN itself so that we can make it IMMEDIATE (one writer at a time, no upgrade deadlock)
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    dbapi_conn.isolation_level = None  # autocommit at driver level; BEGIN is issued on the begin event
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


async def engine_lifecycle(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Yield the engine for the app's lifetime, then dispose of its pool."""
    try:
        yield engine
    finally:
        await engine.dispose()
