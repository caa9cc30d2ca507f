"""/staff/results/<project>: the per-household results of a project as residents see them once published (names
masked, the ledger's figures; bot/web/results.py has the residents' page). Before publication every staff member
sees the notice 尚未公布; admins, who decide to publish, also see the table as it would appear."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.cases.errors import NotFound
from bot.households.publications import Item, state
from bot.households.results import results_page
from bot.staff.context import Desk, render, staff_page
from bot.web.results import RESULTS, read_query, results_context


@staff_page
async def staff_results(request: web.Request, desk: Desk) -> web.StreamResponse:
    projects = request.app[RESULTS].projects
    project = projects.get(request.match_info["project"])
    if project is None:
        raise NotFound("没有这个征收项目。")
    query = read_query(request.query)
    async with request.app[keys.ENGINE].connect() as conn:
        switch = await state(conn, project.id, Item.RESULTS)
        published = switch is not None and switch.published
        found = None
        if published or desk.is_admin:
            found = await results_page(conn, project.districts, dict(projects.district_names), query.page, query.number)

    def link(params: dict[str, str]) -> str:
        return f"/staff/results/{project.id}" + ("?" + urlencode(params) if params else "")

    context = {"published": published, "switch": switch, "project": project, "query": query}
    if found is not None:
        context.update(results_context(request, project, found, query, link))
    return render(request, "staff/results.html", context, desk)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/results/{project}", staff_results, name="staff_results")
