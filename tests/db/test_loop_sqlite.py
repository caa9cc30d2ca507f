"""SQLite on the event loop's thread: waiting for another writer must not stop the loop, and gives up in time;
WAL checkpoints happen in the background when the server asks for them; key look-ups use the index."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.core.dialogue_rows import SQLITE_HANDLED, SQLITE_STATES
from bot.db import loop_sqlite
from bot.db.checkpoint import background_checkpoints
from bot.db.engine import make_engine, sqlite_file
from bot.db.migrate import upgrade


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}"


async def test_a_writer_waiting_for_the_lock_leaves_the_loop_running(tmp_path: Path) -> None:
    engine = make_engine(_url(tmp_path))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    holder = await engine.connect()
    await holder.begin()  # BEGIN IMMEDIATE: the write lock
    await holder.execute(text("INSERT INTO t VALUES (1)"))

    async def second_writer() -> float:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        return time.monotonic()

    waiting = asyncio.create_task(second_writer())
    await asyncio.sleep(0.2)
    assert not waiting.done()  # still waiting for the lock …
    ticks_while_waiting = ticks
    assert ticks_while_waiting >= 10  # … while the loop went on (a blocking wait would have frozen the ticker)
    released = time.monotonic()
    await holder.commit()
    await holder.close()
    finished = await asyncio.wait_for(waiting, 2)
    assert finished >= released
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 2]
    ticking.cancel()
    await engine.dispose()


async def test_a_lock_held_by_another_process_is_waited_for_then_reported(tmp_path: Path) -> None:
    path = str(tmp_path / "anju.db")
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.execute("BEGIN IMMEDIATE")  # another program holds the write lock and never lets go
    conn = await loop_sqlite.connector(path, busy_timeout=0.3)()
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await conn.execute("BEGIN IMMEDIATE")
    waited = time.monotonic() - started
    assert 0.3 <= waited < 2.0
    setup.execute("ROLLBACK")
    await conn.execute("BEGIN IMMEDIATE")  # free now: taken at once
    await conn.execute("INSERT INTO t VALUES (1)")
    await conn.commit()
    assert setup.execute("SELECT count(*) FROM t").fetchone() == (1,)
    await conn.close()
    setup.close()


async def test_a_lock_released_by_another_thread_is_taken(tmp_path: Path) -> None:
    path = str(tmp_path / "anju.db")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE t (n INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.2, lambda: other.execute("COMMIT")).start()
    engine = make_engine(_url(tmp_path))
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (7)"))
        assert (await conn.execute(text("SELECT n FROM t"))).scalar_one() == 7
    await engine.dispose()
    other.close()


async def test_errors_other_than_locking_are_raised_at_once(tmp_path: Path) -> None:
    engine = make_engine(_url(tmp_path))
    started = time.monotonic()
    with pytest.raises(OperationalError, match="no such table"):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM missing"))
    assert time.monotonic() - started < 0.5
    await engine.dispose()


def test_sqlite_file_of_urls(tmp_path: Path) -> None:
    assert sqlite_file(_url(tmp_path)) == str(tmp_path / "anju.db")
    assert sqlite_file("sqlite:///var/anju.db") == "var/anju.db"
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql://postgres@127.0.0.1/anju") is None


async def _fill(engine, rows: int) -> None:  # noqa: ANN001
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS blob (b TEXT)"))
        await conn.execute(text("INSERT INTO blob VALUES (:b)"), [{"b": "x" * 4000} for _ in range(rows)])


async def test_the_server_checkpoints_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "anju.db"
    engine = make_engine(_url(tmp_path), checkpoint_elsewhere=True)
    await _fill(engine, 1500)  # ~6 MB: past SQLite's automatic checkpoint (1,000 pages), which is off here
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 4_000_000
    size_before = path.stat().st_size
    assert size_before < 100_000  # the rows are only in the log so far
    async with background_checkpoints(str(path), interval=0.05):
        deadline = time.monotonic() + 5
        while path.stat().st_size < 4_000_000 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert path.stat().st_size > 4_000_000  # copied back while the loop carried on
    await engine.dispose()


async def test_without_the_server_sqlite_checkpoints_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "anju.db"
    engine = make_engine(_url(tmp_path))
    await _fill(engine, 1500)
    assert path.stat().st_size > 4_000_000
    await engine.dispose()


@pytest.mark.parametrize(("sql", "table"), [(SQLITE_HANDLED, "processed_inbound"), (SQLITE_STATES, "r")])
async def test_the_dialogue_look_ups_search_the_key_indexes(tmp_path: Path, sql: str, table: str) -> None:
    """Every message looks up its dedupe key and its resident: searches of the (channel, key) indexes, never a scan
    (SQLite scans the whole index for a row-value list `(a, b) IN (VALUES …)`)."""
    engine = make_engine(_url(tmp_path))
    await upgrade(engine)
    async with engine.connect() as conn:
        plan = (
            await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql.format(marks="?, ?, ?"), ("web", "a", "b", "c"))
        ).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert f"SEARCH {table}" in details
    assert "SCAN" not in details
    await engine.dispose()
