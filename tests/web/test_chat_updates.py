"""`GET /api/chat/updates`: what staff sent to a web chat session, for the page to poll; bad queries are 400s."""

from __future__ import annotations

from bot import keys
from bot.core.messages import Outbound
from bot.outbox.enqueue import enqueue
from tests.support.clock import FakeClock


async def test_updates_after_an_id(client, clock: FakeClock) -> None:  # noqa: ANN001
    engine = client.app[keys.ENGINE]
    async with engine.begin() as conn:
        for i in range(3):
            await enqueue(
                conn, key=f"k{i}", channel="web", user_key="sess-1", message=Outbound(f"消息{i}"), now=clock()
            )
        await enqueue(conn, key="other", channel="web", user_key="sess-2", message=Outbound("别人的"), now=clock())
    await client.app[keys.OUTBOX].tick()
    response = await client.get("/api/chat/updates", params={"session": "sess-1"})
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert [r["text"] for r in body["replies"]] == ["消息0", "消息1", "消息2"]
    assert body["last"] == body["replies"][-1]["id"] and all(r["buttons"] == [] for r in body["replies"])
    after = body["replies"][0]["id"]
    body = await (await client.get("/api/chat/updates", params={"session": "sess-1", "after": str(after)})).json()
    assert [r["text"] for r in body["replies"]] == ["消息1", "消息2"]
    body = await (await client.get("/api/chat/updates", params={"session": "sess-3", "after": "7"})).json()
    assert body == {"replies": [], "last": 7}


async def test_bad_queries_are_400(client) -> None:  # noqa: ANN001
    for params in (
        {},
        {"session": ""},
        {"session": "has space"},
        {"session": "s", "after": "-1"},
        {"session": "s", "after": "abc"},
        {"session": "s", "after": "²"},
        {"session": "s", "after": "9" * 30},
        {"session": "x" * 200},
    ):
        response = await client.get("/api/chat/updates", params=params)
        assert response.status == 400, params
        assert "error" in await response.json()


async def test_chat_page_polls_for_updates(client) -> None:  # noqa: ANN001
    script = await (await client.get("/static/chat.js")).text()
    assert "/api/chat/updates" in script and "setInterval(poll" in script
