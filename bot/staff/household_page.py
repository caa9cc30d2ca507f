"""A household's page (/staff/households/<id>): the ledger row, its change history (old → new, who, when), the
residents bound to it (how and when), the estimate a bound resident reads in the chat, and what has been paid and
is due; and who opened the page when (each opening is recorded). Scoped by district (bot/households/staff_view.py):
outside the viewer's scope it is a 404, and nothing is recorded."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.cases.workdays import local_day
from bot.compensation.fmt import num, yuan
from bot.compensation.model import Use
from bot.compensation.rows import side_by_side
from bot.households.columns import BY_KEY
from bot.households.estimate import estimate_file
from bot.households.payments import compensation_status, transition_status
from bot.households.staff_view import NOT_FOUND, load_household, recent_openings, record_opening
from bot.households.vocabulary import OPTION_LABELS, STATUS_LABELS, AgreementStatus, Option
from bot.staff.context import Desk, render, staff_page
from bot.staff.state import STAFF

PATH = "/staff/households/{household_id:[0-9]{1,18}}"
USES = {u.value: u.label for u in Use}
OPTIONS = {o.value: OPTION_LABELS[o] for o in Option}
STATUSES = {s.value: STATUS_LABELS[s] for s in AgreementStatus}


def field_label(key: str) -> str:
    """A history row's field as the template's column header."""
    column = BY_KEY.get(key)
    return column.header if column is not None else key


def money(value: object) -> str:
    return "—" if value is None else f"{yuan(value)} 元"  # type: ignore[arg-type]


@staff_page
async def household_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    household_id = int(request.match_info["household_id"])
    now = request.app[STAFF].clock()
    async with request.app[keys.ENGINE].begin() as conn:  # every opening is on record, the page lists them
        view = await load_household(conn, desk.viewer, household_id)
        await record_opening(conn, household_id, desk.viewer, now)
        opened = await recent_openings(conn, household_id)
    kb = request.app[keys.KNOWLEDGE]
    today = local_day(now)
    file = view.file
    found = estimate_file(file, kb.params, today)
    district = next((d for d in kb.params.get("districts") or () if d.get("id") == file.district), None)
    context = {
        "view": view,
        "openings": opened,
        "file": file,
        "district": district["name"] if district else file.district,
        "use": USES.get(file.use, file.use),
        "option": OPTIONS.get(file.chosen_option or "", "—"),
        "status": STATUSES.get(file.agreement_status, file.agreement_status),
        "estimate": found.estimate,
        "rows": side_by_side(found.estimate) if found.estimate else (),
        "missing": found.missing,
        "transition": transition_status(file, kb.params, today),
        "payment": compensation_status(file, kb.params, today),
        "field_label": field_label,
        "money": money,
        "num": num,
        "yuan": yuan,
        "not_found": NOT_FOUND,
    }
    return render(request, "staff/household.html", context, desk)


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, household_page, name="staff_household")
