"""Bodies built to break the parser — a multipart part without a name, JSON nested thousands deep, a client that
hangs up half-way — get a 400 (or nothing, for nobody is listening) and one log line; never a 500 or a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock

NAMELESS = b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--XyZ--\r\n"
MULTIPART = {"Content-Type": "multipart/form-data; boundary=XyZ"}


def _form_paths(app: web.Application) -> list[str]:
    """Every POST route of the staff dashboard and the calculator, with its placeholders filled in."""
    paths = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter", "")
        if route.method == "POST" and path.startswith(("/staff", "/calc")):
            paths.append(
                path.replace("{number}", "AJ-2026-000001").replace("{action}", "reply").replace("{rule_id}", "1")
            )
    return sorted(set(paths))


async def test_a_nameless_multipart_part_is_400_on_every_form_without_logging_in(
    client, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    paths = _form_paths(client.app)
    assert {"/staff/login", "/staff/logout", "/staff/claim-next", "/staff/routing", "/staff/telegram"} <= set(paths)
    assert len([p for p in paths if p.startswith("/staff")]) >= 7, paths
    for path in paths:
        response = await client.post(path, data=NAMELESS, headers=MULTIPART)
        assert response.status == 400, (path, response.status)
        assert "请求格式不正确" in await response.text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_deeply_nested_json_to_the_chat_api_is_400(client) -> None:  # noqa: ANN001
    for body in (
        '{"session": "abc", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"session": "abc", "text": "hi", "x": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}",
    ):
        response = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
        assert response.status in (400, 413), response.status
        assert "error" in await response.json()


async def test_a_client_that_hangs_up_mid_body_leaves_one_line(
    settings: Settings, kb: KnowledgeBase, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Served as `serve` serves (handlers run to their end when the client goes): one line, no traceback."""
    caplog.set_level(logging.INFO)
    runner = web.AppRunner(create_app(settings, clock=clock, knowledge=kb))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        _reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"session": '
        )
        await writer.drain()
        async with asyncio.timeout(10):  # hang up once the server is reading this request's body
            while not any(getattr(h, "_current_request", None) is not None for h in runner.server.connections):
                await asyncio.sleep(0.01)
        writer.close()
        await writer.wait_closed()
        async with asyncio.timeout(10):
            while not any("went away" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
