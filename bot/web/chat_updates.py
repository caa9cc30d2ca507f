"""`GET /api/chat/updates?session=…&after=…`: messages staff (and the system) sent to a web chat session since the
last one the page has — the page polls it every few seconds. The session id is the page's own random secret."""

from __future__ import annotations

import functools
import json
import re

from aiohttp import web

from bot import keys
from bot.outbox.web import updates
from bot.web.chat import SESSION_PATTERN
from bot.web.errors import bad_request

json_dumps = functools.partial(json.dumps, ensure_ascii=False)
AFTER_PATTERN = re.compile(r"\d{1,18}", re.ASCII)


async def api_updates(request: web.Request) -> web.Response:
    """`{"replies": [{"id", "text", "buttons"}], "last": <id of the newest, or after>}`."""
    session = request.query.get("session", "")
    if not SESSION_PATTERN.match(session):
        raise bad_request("session 不正确。")
    raw_after = request.query.get("after", "0")
    if not AFTER_PATTERN.fullmatch(raw_after):
        raise bad_request("after 应当是非负整数。")
    after = int(raw_after)
    found = await updates(request.app[keys.ENGINE], session, after)
    body = {"replies": [u.to_json() for u in found], "last": found[-1].id if found else after}
    return web.json_response(body, dumps=json_dumps, headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/chat/updates", api_updates)
