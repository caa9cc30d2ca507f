"""Slow and numerous clients over real sockets (issue 9, point 3): a request head or body that never completes is
dropped in time, a crowd of connections beyond the cap is refused at once, and everyone else still gets answers."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.app import create_app
from bot.settings import Settings
from bot.web.server import CappedSite, connection_cap, runner_for
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock

TIMEOUT = 0.4  # seconds: the server's head / body / keep-alive timeouts in these tests
CAP = 6


@pytest.fixture
async def server(settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> AsyncIterator[CappedSite]:
    settings = dataclasses.replace(settings, keepalive_timeout=TIMEOUT, body_timeout=TIMEOUT, max_connections=CAP)
    runner = runner_for(create_app(settings, clock=clock, knowledge=kb), settings.keepalive_timeout, None)
    await runner.setup()
    site = CappedSite(runner, "127.0.0.1", 0, settings.max_connections)
    await site.start()
    yield site
    await runner.cleanup()


async def _open(site: CappedSite) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", site.port)


async def _ask(site: CappedSite, text: str = "搬迁费怎么算") -> tuple[int, bytes]:
    """One complete request on a fresh connection: status and body."""
    reader, writer = await _open(site)
    body = json.dumps({"session": f"s-{time.monotonic_ns()}", "text": text}, ensure_ascii=False).encode()
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: anju\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> tuple[float, bytes]:
    """Read until the server closes the connection: (seconds it took, what it sent)."""
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), seconds)
    return time.monotonic() - started, data


async def test_a_client_that_never_finishes_its_headers_is_dropped_while_others_get_answers(server: CappedSite) -> None:
    slow = [await _open(server) for _ in range(3)]
    for _, writer in slow:
        writer.write(b"POST /api/chat HTTP/1.1\r\nHost: anju\r\nX-Slow: 1")  # … and never the rest
        await writer.drain()
    status, body = await _ask(server)  # the slow ones hold connections; this one is answered at once
    assert status == 200
    assert "依据" in "".join(r["text"] for r in json.loads(body)["replies"])
    for reader, writer in slow:
        took, _ = await _closed_within(reader, 5)  # dropped by the server, not waited for forever
        assert took < 3
        writer.close()


async def test_a_body_that_never_completes_is_answered_408_and_dropped(server: CappedSite) -> None:
    reader, writer = await _open(server)
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: anju\r\nContent-Type: application/json\r\n"
        b'Content-Length: 200\r\n\r\n{"session": "s", '
    )  # 200 bytes promised, a few sent
    await writer.drain()
    took, data = await _closed_within(reader, 5)
    assert data.startswith(b"HTTP/1.1 408")
    assert TIMEOUT * 0.9 <= took < 3
    writer.close()
    status, _ = await _ask(server)
    assert status == 200


async def test_a_slow_body_that_completes_in_time_is_answered(server: CappedSite) -> None:
    reader, writer = await _open(server)
    body = json.dumps({"session": "slow-but-fine", "text": "过渡费"}, ensure_ascii=False).encode()
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: anju\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    for i in range(0, len(body), 8):
        writer.write(body[i : i + 8])
        await writer.drain()
        await asyncio.sleep(TIMEOUT / 20)  # the whole body well within the deadline, in pieces
    data = await asyncio.wait_for(reader.read(), 5)
    assert data.startswith(b"HTTP/1.1 200")
    writer.close()


async def test_connections_beyond_the_cap_are_refused_at_once_then_served_once_the_crowd_is_dropped(
    server: CappedSite,
) -> None:
    crowd = [await _open(server) for _ in range(CAP)]  # idle connections: never a byte
    await asyncio.sleep(0.05)
    started = time.monotonic()
    reader, writer = await _open(server)
    _took, data = await _closed_within(reader, 2)
    assert data.startswith(b"HTTP/1.1 503")
    assert "系统繁忙" in data.decode()
    assert time.monotonic() - started < 1
    writer.close()
    for crowd_reader, crowd_writer in crowd:  # the idle crowd is dropped by the head timeout …
        await _closed_within(crowd_reader, 5)
        crowd_writer.close()
    status, _ = await _ask(server)  # … and the server answers again
    assert status == 200
    assert server.refused == 1


def test_the_cap_leaves_file_descriptors_for_the_rest() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert connection_cap(10) == min(10, soft - 64)
    assert connection_cap(10**9) <= soft - 64


async def test_the_app_carries_the_body_deadline(settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> None:
    """`serve` builds the same app: the body deadline is one of its middlewares."""
    app = create_app(dataclasses.replace(settings, body_timeout=7), clock=clock, knowledge=kb)
    assert any(getattr(m, "__qualname__", "").startswith("body_deadline") for m in app.middlewares)
    assert isinstance(app, web.Application)
