"""Engine creation."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.db import json_codec, loop_sqlite
from bot.db.checkpoint import WalPolicy, WriteGate
from bot.settings import normalise_database_url


def sqlite_file(database_url: str) -> str | None:
    """The file of a SQLite URL (None for PostgreSQL and for in-memory databases)."""
    url = normalise_database_url(database_url)
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].partition("?")[0]
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def make_engine(
    database_url: str,
    checkpoint_elsewhere: bool = False,
    write_gate: WriteGate | None = None,
    wal_limit_bytes: int = WalPolicy.limit_bytes,
) -> AsyncEngine:
    """An async engine. SQLite runs on the event loop's thread (bot/db/loop_sqlite.py) with WAL, foreign keys,
    synchronous=FULL and lock waits that yield to the loop; its file's folder is created. `checkpoint_elsewhere`:
    its connections leave WAL checkpoints to bot/db/checkpoint.py (the server), whose `write_gate` they wait at
    before BEGIN while it cuts the log back; `wal_limit_bytes`: the size SQLite trims the -wal file to when it
    restarts the log (journal_size_limit)."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        path, _, query = path.partition("?")
        if (file := sqlite_file(url)) is not None:
            Path(file).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            async_creator=loop_sqlite.connector(path or ":memory:", "uri=true" in query, gate=write_gate),
            json_serializer=json_codec.dumps,
            json_deserializer=json_codec.loads,
        )
        event.listen(
            engine.sync_engine,
            "connect",
            partial(_sqlite_pragmas, auto_checkpoint=not checkpoint_elsewhere, wal_limit_bytes=wal_limit_bytes),
        )
        # let SQLAlchemy emit BEGIN itself so that we can make it IMMEDIATE (one writer at a time, no upgrade deadlock)
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        json_serializer=json_codec.dumps,
        json_deserializer=json_codec.loads,
    )


def _sqlite_pragmas(
    dbapi_conn: Any,
    _record: object,
    auto_checkpoint: bool = True,  # a DB-API connection
    wal_limit_bytes: int = WalPolicy.limit_bytes,
) -> None:
    dbapi_conn.isolation_level = None  # autocommit at driver level; BEGIN is issued on the begin event
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: every COMMIT waits until the log is on disk (NORMAL syncs only at checkpoints, and a power cut could take
    # back a case whose number was already shown — DESIGN.md principle 2). The COMMIT runs in a worker thread
    # (bot/db/loop_sqlite.py); the cost is in docs/benchmarks.md ("Durability")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute(f"PRAGMA journal_size_limit={int(wal_limit_bytes)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=0")  # waiting for a lock is loop_sqlite's, without blocking the loop
    if not auto_checkpoint:
        cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()
