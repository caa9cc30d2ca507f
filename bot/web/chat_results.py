"""`POST /api/chat/results` `{"session"}`: the web chat asks, for the resident of its session, for a link to their
project's published per-household results. A resident bound to a household of a project whose results are
published gets `{"href", "label", "expires"}` — a link with a token for them alone, good for an hour
(bot/households/result_links.py); anyone else a 404 with one sentence that says what it takes, never which check
failed. The chat page shows the link only when there is one (bot/static/chat.js)."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.core.messages import Channel
from bot.households.access import bound_project, resident_of
from bot.households.publications import Item, is_published
from bot.web.chat import SESSION_PATTERN, json_body
from bot.web.chat_updates import json_dumps
from bot.web.errors import bad_request
from bot.web.results import RESULTS

LABEL = "本项目分户补偿结果"
NONE_FOR_YOU = "分户补偿结果只向已绑定房屋的被征收人公布，而且要在县征收部门公布之后才能查看。"


async def api_results_link(request: web.Request) -> web.Response:
    body = await json_body(request)
    session = body.get("session")
    if not isinstance(session, str) or not SESSION_PATTERN.match(session):
        raise bad_request("session 不正确。")
    setup = request.app[RESULTS]
    async with request.app[keys.ENGINE].connect() as conn:
        resident = await resident_of(conn, Channel.WEB.value, session)
        project = None if resident is None else await bound_project(conn, resident, setup.projects)
        published = project is not None and await is_published(conn, project.id, Item.RESULTS)
    if resident is None or project is None or not published:
        return web.json_response(
            {"error": NONE_FOR_YOU}, status=404, headers={"Cache-Control": "no-store"}, dumps=json_dumps
        )
    now = setup.clock()
    token = setup.links.issue(resident, project.id, now)
    return web.json_response(
        {
            "href": f"/results/{project.id}?" + urlencode({"token": token}),
            "label": LABEL,
            "project": project.name,
            "expires": (now + setup.links.lifetime).isoformat(),
        },
        headers={"Cache-Control": "no-store"},
        dumps=json_dumps,
    )


def setup(app: web.Application) -> None:
    app.router.add_post("/api/chat/results", api_results_link)
