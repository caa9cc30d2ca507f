"""SQLite reads that may be long — staff searches, lists, exports, figures — run off the event loop, hold no lock
and cannot write; the dialogue's short statements stay on the loop; SqliteDialogueRows runs DialogueRows' own
statements. Asserted structurally (which thread ran a statement, whether a writer got through while a read was in
progress), never by timing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.deadlines import DeadlinePolicy
from bot.cases.intake import NewCase, create_case
from bot.cases.queries import CaseFilter
from bot.cases.service import CaseService
from bot.cases.vocabulary import CaseType, Category
from bot.core.dialogue_rows import DialogueRows, SqliteDialogueRows
from bot.core.messages import Outbound
from bot.core.port import Conversation
from bot.db.checkpoint import WriteGate, truncate_log, wal_size
from bot.db.engine import make_engine, reading
from bot.db.loop_sqlite import READ_NICENESS
from bot.db.migrate import upgrade
from tests.cases.conftest import People, depts, people  # noqa: F401 - fixtures
from tests.support.clock import FakeClock


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        await conn.execute(text("INSERT INTO t VALUES (1)"))
    yield engine
    await engine.dispose()


def _on_each_connection(engine: AsyncEngine, setup: Callable[[sqlite3.Connection], None]) -> None:
    """`setup` on the sqlite3 connection of every connection opened from now on (the pool is emptied first)."""
    event.listen(engine.sync_engine, "connect", lambda dbapi, _record: setup(dbapi.driver_connection.sqlite))


def _threads_of_statements(engine: AsyncEngine) -> list[tuple[int, str]]:
    """(thread, SQL) of every statement SQLite runs on the engine's connections from now on."""
    seen: list[tuple[int, str]] = []
    _on_each_connection(engine, lambda db: db.set_trace_callback(lambda sql: seen.append((threading.get_ident(), sql))))
    return seen


async def test_a_read_runs_in_a_worker_thread_and_a_write_on_the_loop(sqlite_engine: AsyncEngine) -> None:
    await sqlite_engine.dispose()  # connections opened from here on are traced
    seen = _threads_of_statements(sqlite_engine)
    loop_thread = threading.get_ident()
    async with reading(sqlite_engine).connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t /* read */"))).scalar_one() == 1
    async with sqlite_engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (2) /* write */"))
    read = [thread for thread, sql in seen if "/* read */" in sql]
    write = [thread for thread, sql in seen if "/* write */" in sql]
    assert read and all(thread != loop_thread for thread in read)
    assert write == [loop_thread]


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own scheduling priority is Linux's")
async def test_a_read_yields_the_cpu_to_the_loop(sqlite_engine: AsyncEngine) -> None:
    """A read's thread runs at a lower priority (a higher niceness) than the loop's thread: a search scanning every
    case takes the CPU only when the loop does not want it; a write's COMMIT keeps the loop's priority."""
    await sqlite_engine.dispose()
    niceness: dict[str, int] = {}

    def note(sql: str) -> None:
        tag = next((t for t in ("read", "write") if f"/* {t} */" in sql), "commit" if sql == "COMMIT" else None)
        if tag is not None:
            niceness[tag] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    _on_each_connection(sqlite_engine, lambda db: db.set_trace_callback(note))
    async with reading(sqlite_engine).connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t /* read */"))).scalar_one() == 1
    async with sqlite_engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (2) /* write */"))
    loop = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert niceness == {"read": min(19, loop + READ_NICENESS), "write": loop, "commit": loop}


async def test_a_writer_is_not_held_up_by_a_read_in_progress(sqlite_engine: AsyncEngine) -> None:
    """A read is a deferred transaction: a writer commits while it is open (a BEGIN IMMEDIATE read would make the
    writer wait until the read ends: here, for ever), and the read goes on seeing its snapshot."""
    async with reading(sqlite_engine).connect() as reader:
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1

        async def write() -> None:
            async with sqlite_engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))

        await asyncio.wait_for(write(), 5)
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1  # its snapshot
    async with reading(sqlite_engine).connect() as reader:
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2


async def test_the_loop_and_the_writers_go_on_while_a_read_runs(sqlite_engine: AsyncEngine) -> None:
    """A read blocked inside SQLite (a function that waits to be released) while a transaction writes and commits on
    the loop: on the loop's thread the write could not even start."""
    entered, released = threading.Event(), threading.Event()

    def held() -> int:
        entered.set()
        return int(released.wait(10))

    _on_each_connection(sqlite_engine, lambda db: db.create_function("held", 0, held))
    await sqlite_engine.dispose()

    async def long_read() -> int:
        async with reading(sqlite_engine).connect() as conn:
            return (await conn.execute(text("SELECT held()"))).scalar_one()

    reading_task = asyncio.create_task(long_read())
    assert await asyncio.to_thread(entered.wait, 10)  # the read is inside SQLite now
    async with sqlite_engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (3)"))
    assert not reading_task.done()  # the write went through while the read was still in SQLite
    released.set()
    assert await asyncio.wait_for(reading_task, 5) == 1


async def test_a_read_cannot_write_and_leaves_its_connection_able_to(sqlite_engine: AsyncEngine) -> None:
    with pytest.raises(OperationalError, match="readonly"):
        async with reading(sqlite_engine).connect() as conn:
            await conn.execute(text("INSERT INTO t VALUES (9)"))
    for _ in range(3):  # the same pooled connection, back to writing on the loop
        async with sqlite_engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (4)"))
    async with sqlite_engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t WHERE n IN (4, 9)"))).scalar_one() == 3


async def test_a_cancelled_read_is_interrupted(sqlite_engine: AsyncEngine) -> None:
    """A staff page whose request is cancelled stops its statement instead of leaving it running in the thread."""
    entered = threading.Event()

    def started() -> int:
        entered.set()
        return 1

    _on_each_connection(sqlite_engine, lambda db: db.create_function("started", 0, started))
    await sqlite_engine.dispose()
    endless = text("WITH RECURSIVE c(x) AS (SELECT started() UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")

    async def read() -> None:
        async with reading(sqlite_engine).connect() as conn:
            await conn.execute(endless)

    task = asyncio.create_task(read())
    assert await asyncio.to_thread(entered.wait, 10)  # running in its thread, and never ending by itself
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    async with sqlite_engine.begin() as conn:  # the connection is usable again
        await conn.execute(text("INSERT INTO t VALUES (5)"))


async def test_postgresql_reads_through_the_engine_itself(engine: AsyncEngine) -> None:
    assert (reading(engine) is engine) == (engine.dialect.name != "sqlite")


async def test_staff_searches_run_off_the_loop_and_the_dialogue_on_it(
    engine: AsyncEngine,
    people: People,  # noqa: F811 - fixture
    clock: FakeClock,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the event loop's thread matters on SQLite only")
    now = clock()
    async with engine.begin() as conn:
        for i in range(3):
            await create_case(
                conn,
                NewCase(
                    type=CaseType.COMPLAINT,
                    category=Category.COMPENSATION,
                    district="dongguan",
                    channel="web",
                    address=f"东关街{i}号",
                    description="屋顶漏水，补偿款没有到账",
                    wish="尽快处理",
                    phone="13800138000",
                ),
                now,
                DeadlinePolicy(),
            )
    await engine.dispose()
    seen = _threads_of_statements(engine)
    loop_thread = threading.get_ident()
    service = CaseService(engine, {}, clock)
    items = await service.list_cases(people.supervisor, CaseFilter(search="漏水"), limit=200)
    count = await service.count_cases(people.supervisor, CaseFilter(search="补偿款"))
    assert len(items) == 3 and count.n == 3
    searches = [thread for thread, sql in seen if "FROM cases" in sql and "LIKE" in sql]
    assert len(searches) >= 2 and loop_thread not in searches
    # the dialogue's own statements: on the loop (no thread hop on every message)
    rows = SqliteDialogueRows()
    async with engine.begin() as conn:
        await rows.handled(conn, [("web", ["m1", "m2"])])
    dialogue = [thread for thread, sql in seen if "FROM processed_inbound" in sql]
    assert dialogue == [loop_thread]


async def _resident(engine: AsyncEngine, key: str, clock: FakeClock) -> int:
    async with engine.begin() as conn:
        rid = (
            await conn.execute(
                text(
                    "INSERT INTO residents (channel, user_key, created_at, last_seen_at) VALUES ('web', :k, :t, :t) "
                    "RETURNING id"
                ),
                {"k": key, "t": clock().strftime("%Y-%m-%d %H:%M:%S.%f")},
            )
        ).scalar_one()
        await conn.execute(
            text("INSERT INTO dialogue_states (resident_id, state, updated_at) VALUES (:r, '{}', :t)"),
            {"r": rid, "t": clock().strftime("%Y-%m-%d %H:%M:%S.%f")},
        )
    return rid


@pytest.mark.parametrize(("writer", "reader"), [(SqliteDialogueRows, DialogueRows), (DialogueRows, SqliteDialogueRows)])
async def test_both_dialogue_paths_read_what_the_other_wrote(
    tmp_path: Path, clock: FakeClock, writer: Any, reader: Any
) -> None:
    """One definition of the three tables' statements: rows written through the sqlite3 connection read back through
    SQLAlchemy exactly, and the other way round."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}")
    await upgrade(engine)
    rid = await _resident(engine, "s-1", clock)
    later = clock() + timedelta(minutes=3)
    state = Conversation().to_json()
    replies = [Outbound(text="您好，请问有什么可以帮您？").to_json()]
    async with engine.begin() as conn:
        await writer().write(
            conn,
            [{"rid": rid, "new_state": state, "at": later}],
            [{"resident_id": rid, "direction": "in", "text": "搬迁费怎么算", "payload": {"n": 1}, "created_at": later}],
            [
                {
                    "channel": "web",
                    "dedupe_key": "m1",
                    "resident_id": rid,
                    "replies": {"replies": replies},
                    "processed_at": later,
                }
            ],
        )
    async with engine.begin() as conn:
        handled = await reader().handled(conn, [("web", ["m1", "m2"])])
        locked = await reader().locked_states(conn, [("web", ["s-1", "s-2"])])
        log = (await conn.execute(text("SELECT text, payload, created_at FROM message_log"))).one()
    assert handled == {("web", "m1"): [Outbound.from_json(r) for r in replies]}
    assert list(locked) == [("web", "s-1")]
    assert locked[("web", "s-1")][0] == rid and locked[("web", "s-1")][1] == Conversation.from_json(state)
    assert tuple(log) == ("搬迁费怎么算", '{"n":1}', later.strftime("%Y-%m-%d %H:%M:%S.%f"))
    await engine.dispose()


async def test_restarting_the_log_waits_for_reads_without_holding_writers_back(tmp_path: Path) -> None:
    """A restart of the log (TRUNCATE checkpoint) needs every reader on the last snapshot: it holds new reads back
    and waits for the read in progress while writers go on — with the writers held back for it instead, every
    resident's message would wait as long as a staff search."""
    path = str(tmp_path / "anju.db")
    gate = WriteGate()
    engine = make_engine(f"sqlite+aiosqlite:///{path}", checkpoint_elsewhere=True, write_gate=gate)
    entered, released = threading.Event(), threading.Event()

    def held() -> int:
        entered.set()
        return int(released.wait(10))

    _on_each_connection(engine, lambda db: db.create_function("held", 0, held))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        await conn.execute(text("INSERT INTO t VALUES (0)"))

    async def long_read() -> int:
        async with reading(engine).connect() as conn:  # reading t: a snapshot of the database
            return (await conn.execute(text("SELECT held() FROM t LIMIT 1"))).scalar_one()

    async def write(n: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    reader = asyncio.create_task(long_read())
    assert await asyncio.to_thread(entered.wait, 10)
    await write(1)  # the reader's snapshot is now an old one
    restart = asyncio.create_task(truncate_log(path, gate, busy_seconds=30))
    async with asyncio.timeout(10):
        while not gate.holding:  # past its first (PASSIVE) checkpoint, waiting now
            await asyncio.sleep(0.01)
    await asyncio.wait_for(write(2), 5)  # not held back while the restart waits for the read
    late_reader = asyncio.create_task(long_read())
    await asyncio.sleep(0)
    assert not restart.done() and not late_reader.done()
    released.set()
    assert await asyncio.wait_for(reader, 10) == 1
    assert not (await asyncio.wait_for(restart, 10)).busy
    assert wal_size(path) == 0
    assert await asyncio.wait_for(late_reader, 10) == 1  # let in once the log had restarted
    await engine.dispose()
