"""Crash test: `python -m bot serve` on a SQLite file is killed with SIGKILL in the middle of a burst of 200 form
confirmations over /api/chat. After a restart, every case number any client was shown exists exactly once, with its
events, and clients that got no answer retry the same message and get their number — never a second case."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import aiohttp

from tests.conftest import CACHE_DIR
from tests.support.cases import COMPLAINT_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = 200
KILL_AFTER = 40  # confirmations answered before the server is killed
NUMBER = re.compile(r"AJ-\d{4}-\d{6}")
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "ANJU_HOST": "127.0.0.1",
        "ANJU_PORT": str(port),
        "ANJU_CACHE_DIR": str(CACHE_DIR),
        "ANJU_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_for_port(http: aiohttp.ClientSession, base: str, server: subprocess.Popen) -> None:
    """The only real waiting in the test suite: a separate process starting up."""
    for _ in range(STARTUP_SECONDS * 10):
        assert server.poll() is None, "the server exited during start-up"
        try:
            async with http.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the server did not start")


async def chat(http: aiohttp.ClientSession, base: str, session: str, **body: str) -> dict:
    async with http.post(f"{base}/api/chat", json={"session": session, **body}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def fill_form(http: aiohttp.ClientSession, base: str, session: str) -> None:
    await chat(http, base, session, button="intent:complaint")
    await chat(http, base, session, button="complaint:category:compensation")
    await chat(http, base, session, button="complaint:district:dongguan")
    for answer in COMPLAINT_ANSWERS:
        await chat(http, base, session, text=answer)
    reply = await chat(http, base, session, text="13800138000")
    assert "complaint:confirm:yes" in [b["id"] for r in reply["replies"] for b in r["buttons"]]


async def confirm(http: aiohttp.ClientSession, base: str, session: str) -> str:
    reply = await chat(http, base, session, button="complaint:confirm:yes", id="confirm-1")
    return NUMBER.search(reply["replies"][0]["text"]).group(0)


async def test_sigkill_during_a_burst_of_confirmations_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db, log, port = tmp_path / "anju.db", tmp_path / "server.log", free_port()
    base = f"http://127.0.0.1:{port}"
    sessions = [f"crash-{i:03d}" for i in range(SESSIONS)]
    server = start_server(db, port, log)
    shown: dict[str, str] = {}
    try:
        connector = aiohttp.TCPConnector(limit=SESSIONS)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            await wait_for_port(http, base, server)
            gate = asyncio.Semaphore(40)

            async def prepare(session: str) -> None:
                async with gate:
                    await fill_form(http, base, session)

            await asyncio.gather(*(prepare(s) for s in sessions))

            answered = asyncio.Event()

            async def burst(session: str) -> None:
                try:
                    shown[session] = await confirm(http, base, session)
                except (aiohttp.ClientError, TimeoutError):
                    return  # the server died under this request
                if len(shown) >= KILL_AFTER:
                    answered.set()

            tasks = [asyncio.create_task(burst(s)) for s in sessions]
            await answered.wait()
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            await asyncio.gather(*tasks)
            assert KILL_AFTER <= len(shown) < SESSIONS, "the kill did not land in the middle of the burst"

            server = start_server(db, port, log)
            await wait_for_port(http, base, server)
            # what every client saw before the crash is still what it sees: a retry of the same message …
            for session in list(shown)[:20]:
                assert await confirm(http, base, session) == shown[session]
            # … and the clients left without an answer retry and get theirs
            unanswered = [s for s in sessions if s not in shown]
            for session in unanswered:
                shown[session] = await confirm(http, base, session)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.number, r.user_key, c.id FROM cases c JOIN residents r ON r.id = c.resident_id"
        ).fetchall()
        kinds = Counter((case_id, kind) for case_id, kind in conn.execute("SELECT case_id, kind FROM case_events"))
    assert len(rows) == SESSIONS
    by_number = Counter(number for number, _, _ in rows)
    assert set(by_number.values()) == {1}
    owner = {number: user_key for number, user_key, _ in rows}
    for session, number in shown.items():
        assert owner[number] == session  # the number a client was shown is its own case, exactly once
    for _, _, case_id in rows:
        assert kinds[(case_id, "created")] == 1 and kinds[(case_id, "dispatched")] == 1
