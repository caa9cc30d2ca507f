"""Several workers on one PostgreSQL database, as real processes on loopback: two `serve` processes started at
once, and `serve --workers 2`. Residents file complaints through both (each form step to the other worker, the
confirmation to both at once), and 180 Telegram notifications queued at once leave through both workers' outbox
loops to the fake Bot API. Checked: one migration run, no duplicate case, every notification once and in its
chat's order, never more than 30 arrivals in a second nor two to one chat within a second."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from bot.core.messages import Outbound
from bot.db.engine import make_engine
from bot.outbox.enqueue import enqueue
from tests.cases.test_crash import NUMBER, chat, free_port
from tests.conftest import CACHE_DIR
from tests.support import databases
from tests.support.fake_telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.skipif(
    databases.postgres_server_url() is None, reason="set ANJU_TEST_POSTGRES_URL: several workers need PostgreSQL"
)
ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120  # two or three processes loading the knowledge base on a shared machine
RESIDENTS = 12
CHATS, PER_CHAT = 90, 2  # 180 notifications: ≥ 6 s at 30/s, which two unshared limiters would double
FIRST_CHAT = 7_000_000
UPGRADED = "schema upgraded"


@pytest.fixture
async def database() -> AsyncIterator[str]:
    server = databases.postgres_server_url()
    assert server is not None
    url = await databases.create_run_database(server)
    yield url
    await databases.drop_run_database(server, url)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram(accept_any_chat=True).start()  # no flood answers: the test counts arrivals itself
    yield fake
    await fake.close()


def serve(database: str, telegram: FakeTelegram, port: int, log: Path, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "ANJU_HOST": "127.0.0.1",
        "ANJU_PORT": str(port),
        "ANJU_CACHE_DIR": str(CACHE_DIR),
        "ANJU_LOG_LEVEL": "INFO",
        "ANJU_OUTBOX_INTERVAL": "0.2",
        "ANJU_SESSION_SECRET": "s" * 40,
        "ANJU_TELEGRAM_TOKEN": TOKEN,
        "ANJU_TELEGRAM_API_BASE": telegram.api_base,
        "ANJU_TELEGRAM_SECRET_TOKEN": "test-secret",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def healthy(http: aiohttp.ClientSession, base: str, server: subprocess.Popen) -> dict:
    """The only real waiting here: separate processes starting up."""
    async with asyncio.timeout(STARTUP_SECONDS):
        while True:
            assert server.poll() is None, "the server exited during start-up"
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return await response.json()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)


def stop(*servers: subprocess.Popen) -> None:
    for server in servers:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


async def file_complaints(http: aiohttp.ClientSession, bases: list[str]) -> list[str]:
    """Each resident's form steps alternate between the workers (the dialogue state is in the database); the
    confirmation goes to every worker at once, as a client retrying on another machine would. The case numbers
    shown; each resident must have been shown one number only."""

    async def one(i: int) -> str:
        session = f"w-{i}"
        first, second = bases[i % len(bases)], bases[(i + 1) % len(bases)]
        await chat(http, first, session, button="intent:complaint")
        await chat(http, second, session, button="complaint:category:compensation")
        await fill_form_rest(http, [first, second], session)
        replies = await asyncio.gather(
            *(chat(http, base, session, button="complaint:confirm:yes", id="confirm-1") for base in bases)
        )
        numbers = {NUMBER.search(r["replies"][0]["text"]).group(0) for r in replies}
        assert len(numbers) == 1, numbers
        return numbers.pop()

    return await asyncio.gather(*(one(i) for i in range(RESIDENTS)))


async def fill_form_rest(http: aiohttp.ClientSession, bases: list[str], session: str) -> None:
    from tests.support.cases import COMPLAINT_ANSWERS

    steps = [
        {"button": "complaint:district:dongguan"},
        *({"text": a} for a in COMPLAINT_ANSWERS),
        {"text": "13800138000"},
    ]
    for n, step in enumerate(steps):
        reply = await chat(http, bases[n % 2], session, **step)
    assert "complaint:confirm:yes" in [b["id"] for r in reply["replies"] for b in r["buttons"]]


async def queue_notifications(database: str) -> None:
    engine = make_engine(database)
    try:
        async with engine.begin() as conn:
            for n in range(PER_CHAT):  # row ids: every chat's first message before any second one
                for c in range(CHATS):
                    chat_id = FIRST_CHAT + c
                    await enqueue(
                        conn,
                        key=f"note-{chat_id}-{n}",
                        channel="telegram",
                        user_key=str(chat_id),
                        message=Outbound(f"通知 {chat_id} 第{n}条"),
                        now=datetime.now(UTC),
                    )
    finally:
        await engine.dispose()


async def check_notifications(telegram: FakeTelegram) -> None:
    expected = CHATS * PER_CHAT

    def sent() -> list:
        return [c for c in telegram.calls_of("sendMessage") if int(c.params["chat_id"]) >= FIRST_CHAT]

    async with asyncio.timeout(60):
        while len(sent()) < expected:
            await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # a duplicate would arrive meanwhile
    calls = sent()
    texts = [c.params["text"] for c in calls]
    assert len(texts) == expected and len(set(texts)) == expected  # each once
    by_chat: dict[int, list] = defaultdict(list)
    for call in calls:
        by_chat[int(call.params["chat_id"])].append(call)
    for chat_id, chat_calls in by_chat.items():
        assert [c.params["text"] for c in chat_calls] == [f"通知 {chat_id} 第{n}条" for n in range(PER_CHAT)]
        gaps = [b.at - a.at for a, b in zip(chat_calls, chat_calls[1:], strict=False)]
        assert min(gaps) >= 1.0, (chat_id, gaps)  # never two to one chat within a second
    arrivals = sorted(c.at for c in telegram.calls_of("sendMessage"))
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 30
    assert arrivals[-1] - arrivals[0] >= (expected - 30) / 30  # the pace of one bot, not of two


async def cases_in(database: str) -> list[str]:
    conn = await asyncpg.connect(database)
    try:
        return [r["number"] for r in await conn.fetch("SELECT number FROM cases")]
    finally:
        await conn.close()


def migration_runs(*logs: Path) -> int:
    return sum(log.read_text(errors="replace").count(UPGRADED) for log in logs)


async def test_two_serve_processes_on_one_database(database: str, telegram: FakeTelegram, tmp_path: Path) -> None:
    ports, logs = [free_port(), free_port()], [tmp_path / "a.log", tmp_path / "b.log"]
    servers = [serve(database, telegram, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        async with aiohttp.ClientSession() as http:
            health = await asyncio.gather(*(healthy(http, b, s) for b, s in zip(bases, servers, strict=True)))
            assert health[0]["pid"] != health[1]["pid"]
            assert migration_runs(*logs) == 1  # both started at once; one migrated, the other found it done
            numbers = await file_complaints(http, bases)
            await queue_notifications(database)
            await check_notifications(telegram)
        assert sorted(await cases_in(database)) == sorted(numbers) and len(set(numbers)) == RESIDENTS
    finally:
        stop(*servers)


async def test_serve_workers_2_shares_one_port(database: str, telegram: FakeTelegram, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    supervisor = serve(database, telegram, port, log, "--workers", "2")
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            await healthy(http, base, supervisor)
            pids = await answering_pids(http, base, 2)
            assert migration_runs(log) == 1
            numbers = await file_complaints(http, [base, base])
            await queue_notifications(database)
            await check_notifications(telegram)
            assert sorted(await cases_in(database)) == sorted(numbers) and len(set(numbers)) == RESIDENTS
            os.kill(min(pids), signal.SIGKILL)  # a worker dies: the supervisor starts another
            replaced = await answering_pids(http, base, 2, without=min(pids))
            assert min(pids) not in replaced and max(pids) in replaced
        assert re.search(rf"worker \d \(pid {min(pids)}\) exited", log.read_text())
    finally:
        stop(supervisor)


async def answering_pids(http: aiohttp.ClientSession, base: str, count: int, without: int | None = None) -> set[int]:
    """The pids answering /healthz on new connections until `count` different ones (other than `without`) have
    answered."""
    seen: set[int] = set()
    async with (
        asyncio.timeout(STARTUP_SECONDS),
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http,
    ):
        while len(seen - {without}) < count:
            try:
                replies = await asyncio.gather(*(http.get(f"{base}/healthz") for _ in range(8)))
                for response in replies:
                    if response.status == 200:
                        seen.add((await response.json())["pid"])
                    response.release()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    return seen - {without}
