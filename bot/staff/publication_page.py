"""阳光征收 (/staff/publication): per project (knowledge/params.yaml `projects`), whether its per-household results
(条例第二十九条) and its signing progress (/stats) are published, since when and by whom, with the history of every
switch. Every staff member sees the page; only admins switch — publishing needs a ticked confirmation that the
county has decided it. Nothing is published until switched on (bot/households/publications.py)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot import keys
from bot.cases.errors import Forbidden, InvalidInput
from bot.households.publications import ITEM_LABELS, Item, current, history, set_published
from bot.staff.context import Desk, Form, render, see_other, staff_form, staff_page
from bot.staff.state import STAFF
from bot.web.results import RESULTS
from bot.web.stats import PROGRESS

log = logging.getLogger(__name__)
PATH = "/staff/publication"
DONE = {
    "on": "已公布。",
    "off": "已撤回公布，居民和公众现在看不到了。",
    "same": "状态没有变化（可能别人刚刚改过）。",
}
CONFIRM_MISSING = "请勾选确认：公布由县征收部门决定。"


async def _page(request: web.Request, desk: Desk, *, error: str = "", status: int = 200) -> web.Response:
    projects = request.app[RESULTS].projects
    async with request.app[keys.ENGINE].connect() as conn:
        states = await current(conn)
        changes = await history(conn)
    names = {p.id: p.name for p in projects.all}
    rows = []
    for project in projects.all:
        items = []
        for item in Item:
            switch = states.get((project.id, item))
            items.append({"item": item, "label": ITEM_LABELS[item], "switch": switch})
        districts = [projects.district_names.get(d, d) for d in project.districts]
        rows.append({"project": project, "districts": districts, "switches": items})
    context: dict[str, Any] = {
        "rows": rows,
        "changes": [(names.get(c.project, c.project), ITEM_LABELS[c.item], c) for c in changes],
        "done": DONE.get(request.query.get("done", ""), ""),
        "error": error,
    }
    return render(request, "staff/publication.html", context, desk, status=status)


@staff_page
async def publication_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    return await _page(request, desk)


@staff_form
async def switch(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """公布 / 撤回: `project`, `item` (results | progress), `published` (1 | 0), and `confirm` to publish."""
    if not desk.is_admin:
        raise Forbidden("只有管理员可以公布或撤回公布。")
    project = request.app[RESULTS].projects.get(str(form.get("project", "")))
    try:
        if project is None:
            raise InvalidInput("没有这个征收项目。")
        try:
            item = Item(str(form.get("item", "")))
        except ValueError:
            raise InvalidInput("请选择公布的内容。") from None
        raw = form.get("published")
        if raw not in ("1", "0"):
            raise InvalidInput("请选择公布或撤回。")
        published = raw == "1"
        if published and form.get("confirm") != "yes":
            raise InvalidInput(CONFIRM_MISSING)
    except InvalidInput as exc:
        return await _page(request, desk, error=str(exc), status=400)
    now = request.app[STAFF].clock()
    async with request.app[keys.ENGINE].begin() as conn:
        changed = await set_published(conn, project.id, item, published, by=f"staff:{desk.viewer.username}", now=now)
    if changed:
        log.info(
            "staff %s %s %s of project %s", desk.viewer.id, "published" if published else "withdrew", item, project.id
        )
        if item is Item.PROGRESS:
            request.app[PROGRESS].forget()  # /stats shows the change at once, not after its cache's minute
    return see_other(f"{PATH}?done={'same' if not changed else 'on' if published else 'off'}")


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, publication_page, name="staff_publication")
    app.router.add_post(PATH, switch)
