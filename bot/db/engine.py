"""Engine creation."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.db import json_codec, loop_sqlite
from bot.settings import normalise_database_url


def sqlite_file(database_url: str) -> str | None:
    """The file of a SQLite URL (None for PostgreSQL and for in-memory databases)."""
    url = normalise_database_url(database_url)
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].partition("?")[0]
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def make_engine(database_url: str, checkpoint_elsewhere: bool = False) -> AsyncEngine:
    """An async engine. SQLite runs on the event loop's thread (bot/db/loop_sqlite.py) with WAL, foreign keys and
    lock waits that yield to the loop; its file's folder is created. `checkpoint_elsewhere`: its connections leave
    WAL checkpoints to bot/db/checkpoint.py (the server)."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        path, _, query = path.partition("?")
        if (file := sqlite_file(url)) is not None:
            Path(file).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=loop_sqlite.connector(path or ":memory:", "uri=true" in query),
                                     json_serializer=json_codec.dumps, json_deserializer=json_codec.loads)
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, auto_checkpoint=not checkpoint_elsewhere))
        # let SQLAlchemy emit BEGIN itself so that we can make it IMMEDIATE (one writer at a time, no upgrade deadlock)
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                               json_serializer=json_codec.dumps, json_deserializer=json_codec.loads)


def _sqlite_pragmas(dbapi_conn, _record, auto_checkpoint: bool = True) -> None:  # noqa: ANN001 - DB-API connection
    dbapi_conn.isolation_level = None  # autocommit at driver level; BEGIN is issued on the begin event
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=0")  # waiting for a lock is loop_sqlite's, without blocking the loop
    if not auto_checkpoint:
        cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()
