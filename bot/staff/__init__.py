"""The staff dashboard at /staff: server-rendered pages (aiohttp + jinja2, no script) over CaseService.

session       the signed session cookie and its CSRF token
login         log in (argon2, lock-out after repeated failures) and out
context       who is asking, rendering, security headers, the GET/POST wrappers (login and CSRF checks)
errors        domain errors → HTTP statuses
queue         the queue: filters, search, pages, notices
case_page     a case: details, timeline, action forms
attachment_files  a case's photos (thumbnail, full size), scoped like the case, openings in its history
case_actions  the action forms' POST handlers
export        the filtered queue as CSV and XLSX
routing_page  routing rules (admins)
households_import  the household ledger's import: check, then import (admins; bot/households/)
district_notices  notices to a district's bound residents: write, preview, send; delivery report; history
publication_page  阳光征收: what each project has published (per-household results, signing progress); admins switch
results_page  a project's per-household results as published (before publication: the notice; admins: a preview)
household_codes  one-time binding codes for a district and their printable sheet (admins)
household_page  one household: the ledger row, its history, the bound residents, the estimate (scoped by district)
telegram_link linking a Telegram account with a one-time code (签收 from the group chat)
overview      overdue and on-time figures per department (supervisors; the queries: bot/cases/figures.py, the
              charts and jinja filters: bot/web/charts.py, bot/web/filters.py, shared with /stats)
state         what the dashboard keeps on the app (the session cookies, the clock)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.staff import (
    attachment_files,
    case_actions,
    case_page,
    district_notices,
    export,
    household_codes,
    household_page,
    households_import,
    login,
    overview,
    publication_page,
    queue,
    results_page,
    routing_page,
    telegram_link,
)
from bot.staff.session import SessionCookies
from bot.staff.state import STAFF, StaffSetup
from bot.web import filters


def setup(app: web.Application, clock: Callable[[], datetime]) -> None:
    settings = app[keys.SETTINGS]
    app[STAFF] = StaffSetup(SessionCookies(settings.session_secret, settings.cookie_secure, clock), clock)
    filters.install(aiohttp_jinja2.get_env(app))
    app.router.add_get("/staff/", _home)
    for module in (
        login,
        queue,
        case_page,
        attachment_files,
        case_actions,
        export,
        routing_page,
        overview,
        telegram_link,
        households_import,
        district_notices,
        publication_page,
        results_page,
        household_codes,
        household_page,
    ):
        module.setup(app)


async def _home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/staff")
