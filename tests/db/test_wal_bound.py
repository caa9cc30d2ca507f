"""The SQLite write-ahead log stays bounded under a writer that never stops, and is cut back when the writes stop
(issue 9, point 1: PASSIVE checkpoints alone let it grow to 6.84 GB in 90 s)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from bot.db.checkpoint import WalPolicy, WriteGate, background_checkpoints, wal_size
from bot.db.engine import make_engine

LIMIT = 1024 * 1024


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}"


async def _write_continuously(engine, seconds: float, path: str) -> tuple[int, int]:  # noqa: ANN001
    """Commit one transaction after another, as the dialogue writer does under load: (commits, largest log)."""
    commits, largest = 0, 0
    deadline = time.monotonic() + seconds
    async with engine.connect() as conn:
        while time.monotonic() < deadline:
            async with conn.begin():
                await conn.execute(text("INSERT INTO blob (b) VALUES (:b)"), [{"b": "x" * 3000} for _ in range(8)])
                await conn.execute(text("DELETE FROM blob WHERE rowid < (SELECT max(rowid) - 400 FROM blob)"))
            commits += 1
            largest = max(largest, wal_size(path))
            await asyncio.sleep(0)  # the loop's other work between batches
    return commits, largest


async def test_the_log_stays_bounded_under_a_writer_that_never_stops(tmp_path: Path) -> None:
    path = str(tmp_path / "anju.db")
    gate = WriteGate()
    engine = make_engine(_url(tmp_path), checkpoint_elsewhere=True, write_gate=gate, wal_limit_bytes=LIMIT)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE blob (b TEXT)"))
    policy = WalPolicy(limit_bytes=LIMIT, interval=0.05, poll=0.02, idle_seconds=60)
    async with background_checkpoints(path, gate=gate, policy=policy):
        commits, largest = await _write_continuously(engine, 2.0, path)
    # ~25 KB a commit: ~100 MB of log without a restart (the old PASSIVE-only loop: 97 MB); bounded: the limit plus
    # what is written between two polls and during one checkpoint (slack for a busy disk)
    assert commits > 200
    written = commits * 8 * 3000
    assert written > 8 * LIMIT
    assert largest < 8 * LIMIT, f"log reached {largest} bytes for {written} written"
    assert wal_size(path) == 0  # cut back at the end
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM blob"))).scalar_one() > 0
    await engine.dispose()


async def test_a_log_left_idle_is_truncated(tmp_path: Path) -> None:
    path = str(tmp_path / "anju.db")
    gate = WriteGate()
    engine = make_engine(_url(tmp_path), checkpoint_elsewhere=True, write_gate=gate)
    policy = WalPolicy(interval=0.05, poll=0.02, idle_seconds=0.2)
    async with background_checkpoints(path, gate=gate, policy=policy):
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE blob (b TEXT)"))
            await conn.execute(text("INSERT INTO blob VALUES (:b)"), [{"b": "x" * 4000} for _ in range(300)])
        assert wal_size(path) > 1_000_000
        deadline = time.monotonic() + 5
        while wal_size(path) > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert wal_size(path) == 0
        async with engine.connect() as conn:  # the rows are in the database file
            assert (await conn.execute(text("SELECT count(*) FROM blob"))).scalar_one() == 300
    await engine.dispose()


async def test_transactions_wait_at_a_closed_gate_and_go_on_when_it_opens(tmp_path: Path) -> None:
    gate = WriteGate()
    engine = make_engine(_url(tmp_path), write_gate=gate)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))

    async with gate.closed():
        waiting = asyncio.create_task(write())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 2)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1
    await engine.dispose()


async def test_connections_cap_the_log_sqlite_restarts_and_sync_every_commit(tmp_path: Path) -> None:
    """journal_size_limit trims the file SQLite keeps when it restarts the log by itself; synchronous=FULL (2): a
    commit — and the case number shown after it — survives a power cut (issue 9, point 9)."""
    engine = make_engine(_url(tmp_path), wal_limit_bytes=LIMIT)
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_size_limit")).scalar_one() == LIMIT
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one() == 2
    await engine.dispose()


async def test_the_log_is_cut_at_the_end_even_when_the_first_try_finds_the_database_busy(tmp_path: Path) -> None:
    """At shutdown another connection may still write (or a checkpoint the cancelled loop started may still run
    in its thread): the last cut tries again rather than leave the log behind (a CI run once left 1.2 MB)."""
    path = str(tmp_path / "anju.db")
    gate = WriteGate()
    engine = make_engine(_url(tmp_path), checkpoint_elsewhere=True, write_gate=gate)
    policy = WalPolicy(interval=60, poll=0.02, idle_seconds=60, busy_seconds=0.1)
    released = threading.Event()

    def hold_a_write(ready: threading.Event) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO blob VALUES ('held')")
        ready.set()
        time.sleep(0.25)  # longer than one try's busy wait, shorter than all of them
        conn.execute("COMMIT")
        conn.close()
        released.set()

    async with background_checkpoints(path, gate=gate, policy=policy):
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE blob (b TEXT)"))
            await conn.execute(text("INSERT INTO blob VALUES (:b)"), [{"b": "x" * 4000} for _ in range(100)])
        ready = threading.Event()
        writer = threading.Thread(target=hold_a_write, args=(ready,))
        writer.start()
        await asyncio.to_thread(ready.wait, 5)
    writer.join()
    assert released.is_set()
    assert wal_size(path) == 0
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM blob"))).scalar_one() == 101
    await engine.dispose()
