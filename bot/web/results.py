"""/results/<project>?token=…: a project's published per-household results (条例第二十九条), for the residents bound
to a household of that project. The token is issued by the chat for the resident it talks to
(bot/web/chat_results.py; bot/households/result_links.py). Every request checks again: a valid token for this
project, the results published (an admin's switch, bot/households/publications.py), the resident still bound to
a household of the project's districts. Anything else — no token, an expired or altered one, another project's
resident, results not (or no longer) published, an unknown project — is the same 404, which says nothing about why.
Staff read the same table at /staff/results/<project> (bot/staff/results_page.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.households.access import bound_project
from bot.households.projects import Project, Projects, load_projects
from bot.households.publications import Item, is_published
from bot.households.result_links import ResultLinks
from bot.households.results import NUMBER_PATTERN, ResultsPage, results_page
from knowledge.base import KnowledgeBase

PAGE_PATTERN = re.compile(r"\d{1,6}")
ACT = "国有土地上房屋征收与补偿条例"
ARTICLE = 29
BAD_NUMBER = "户号只能由字母、数字和“-”组成，最多 32 位。"
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class ResultsSetup:
    projects: Projects
    links: ResultLinks
    clock: Callable[[], datetime]


RESULTS = web.AppKey("results", ResultsSetup)


@dataclass(frozen=True)
class Query:
    page: int
    number: str  # the 户号 (or its beginning) searched for; "" when none or not a 户号
    problem: str  # what to tell about the search, if it was not a 户号


def read_query(query: Mapping[str, str]) -> Query:
    raw_page = query.get("page", "1")
    page = int(raw_page) if PAGE_PATTERN.fullmatch(raw_page) else 1
    number = query.get("no", "").strip()
    if number and not NUMBER_PATTERN.fullmatch(number):
        return Query(page, "", BAD_NUMBER)
    return Query(page, number, "")


def article_text(kb: KnowledgeBase) -> str | None:
    """条例第二十九条 word for word, as the knowledge base holds it (None if it is not confirmed there)."""
    act = kb.statutes.act(ACT)
    article = act.article(ARTICLE) if act is not None else None
    return article.text if article is not None else None


def results_context(
    request: web.Request, project: Project, found: ResultsPage, query: Query, link: Callable[[dict[str, str]], str]
) -> dict[str, Any]:
    """What both pages (the resident's and the staff one) show around the table: `link(params)` makes the address
    of another page of it (the resident's carries their token)."""
    pages = {
        "first": link({"page": "1"}) if found.page > 1 else "",
        "previous": link({"page": str(found.page - 1)}) if found.page > 1 else "",
        "next": link({"page": str(found.page + 1)}) if found.page < found.pages else "",
        "last": link({"page": str(found.pages)}) if found.page < found.pages else "",
    }
    if query.number:
        pages = {k: (v + "&" + urlencode({"no": query.number}) if v else "") for k, v in pages.items()}
    pages["all"] = link({}) if query.number or query.problem else ""
    kb = request.app[keys.KNOWLEDGE]
    return {
        "project": project,
        "found": found,
        "pages": pages,
        "query": query,
        "article": article_text(kb),
        "county": kb.params.get("county", ""),
    }


def not_found(request: web.Request) -> web.StreamResponse:
    """The one answer for everyone who may not see the page: the site's 404 page, with this page's headers (the
    address may carry a token: it is not passed on by the links of the 404 page either)."""
    response = aiohttp_jinja2.render_template("not_found.html", request, {}, status=404)
    return private(response)


async def resident_results(request: web.Request) -> web.StreamResponse:
    setup = request.app[RESULTS]
    project = setup.projects.get(request.match_info["project"])
    token = request.query.get("token", "")
    resident = setup.links.verify(token, project.id, setup.clock()) if project is not None and token else None
    if project is None or resident is None:
        return not_found(request)
    query = read_query(request.query)
    async with request.app[keys.ENGINE].connect() as conn:
        allowed = await is_published(conn, project.id, Item.RESULTS) and (
            await bound_project(conn, resident, setup.projects) == project
        )
        if not allowed:
            return not_found(request)
        found = await results_page(
            conn, project.districts, dict(setup.projects.district_names), query.page, query.number
        )

    def link(params: dict[str, str]) -> str:
        return f"/results/{project.id}?" + urlencode({"token": token, **params})

    context = results_context(request, project, found, query, link)
    context["token"] = token
    response = aiohttp_jinja2.render_template("results.html", request, context)
    return private(response)


def private(response: web.StreamResponse) -> web.StreamResponse:
    """Headers of a page that carries a resident's link: never cached or framed, and the address (its token) never
    sent on to another page."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    async def results(app: web.Application) -> AsyncIterator[None]:
        # after the knowledge base is loaded (its cleanup_ctx comes first): the projects come from its params
        projects = load_projects(app[keys.KNOWLEDGE].params)
        app[RESULTS] = ResultsSetup(projects, ResultLinks(app[keys.SETTINGS].session_secret), clock)
        yield

    app.cleanup_ctx.append(results)
    app.router.add_get("/results/{project}", resident_results, name="results")
