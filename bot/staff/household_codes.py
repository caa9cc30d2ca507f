"""Binding codes for a district (/staff/households/codes, admins — as the ledger's import): per district how many
households hold a valid code and how many are bound; 生成 issues new one-time codes for the district (or one
household of it), voiding the old unused ones, and answers with the printable sheet — the only time the codes are
shown (bot/households/codes.py keeps their hashes; the sheet: bot/households/code_sheet.py)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot import keys
from bot.cases.errors import Forbidden
from bot.households.bindings import district_codes
from bot.households.code_sheet import render_sheet, when
from bot.households.codes import NO_KEY, issue_codes
from bot.staff.context import Desk, Form, protect, render, staff_form, staff_page
from bot.staff.state import STAFF

log = logging.getLogger(__name__)
PATH = "/staff/households/codes"
ADMINS_ONLY = "只有管理员可以生成绑定码。"


def _admin(desk: Desk) -> None:
    if not desk.is_admin:
        raise Forbidden(ADMINS_ONLY)


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, codes_page)
    app.router.add_post(PATH, issue)


def _districts(request: web.Request) -> list[tuple[str, str]]:
    return [(str(d["id"]), str(d["name"])) for d in request.app[keys.KNOWLEDGE].params.get("districts", ())]


async def _page(request: web.Request, desk: Desk, error: str = "", status: int = 200) -> web.Response:
    now = request.app[STAFF].clock()
    async with request.app[keys.ENGINE].connect() as conn:
        counts = await district_codes(conn, now)
    rows = [(did, name, counts.get(did)) for did, name in _districts(request)]
    context = {"rows": rows, "error": error, "days": request.app[keys.SETTINGS].household_code_days}
    return render(request, "staff/household_codes.html", context, desk, status=status)


@staff_page
async def codes_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    _admin(desk)
    return await _page(request, desk)


@staff_form
async def issue(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """POST district (and optionally 户号): new codes, answered with the sheet to print."""
    _admin(desk)
    settings = request.app[keys.SETTINGS]
    names = dict(_districts(request))
    district = str(form.get("district", ""))
    household_no = str(form.get("household_no", "")).strip()
    if district not in names:
        return await _page(request, desk, "请选择片区。", 400)
    if len(household_no) > 32:
        return await _page(request, desk, "户号最多 32 位。", 400)
    if not settings.household_id_key:
        return await _page(request, desk, NO_KEY, 409)
    now = request.app[STAFF].clock()
    async with request.app[keys.ENGINE].begin() as conn:
        issued = await issue_codes(
            conn,
            settings.household_id_key.encode(),
            district,
            now=now,
            days=settings.household_code_days,
            by=f"staff:{desk.viewer.username}",
            household_no=household_no or None,
        )
    if not issued:
        where = names[district]
        missing = f"{where}没有户号为 {household_no} 的住户。" if household_no else f"{where}的台账里还没有住户。"
        return await _page(request, desk, missing, 404)
    log.info("staff %s issued %d binding codes for district %s", desk.viewer.id, len(issued), district)
    # a QR code is ~5 ms of CPU: a district's thousands off the event loop (the dashboard keeps answering)
    html = await asyncio.to_thread(
        render_sheet,
        issued,
        base_url=settings.public_base_url or str(request.url.origin()),
        district=names[district],
        county=str(request.app[keys.KNOWLEDGE].params.get("county", "")),
        issued_at=when(now),
        expires=when(issued[0].expires_at),
        inline_css=False,
    )
    return protect(web.Response(text=html, content_type="text/html", charset="utf-8"))
