"""The Telegram linking page (/staff/telegram): a staff member generates a one-time code (生成绑定码), sees it once,
and sends `/link CODE` to the bot in a private chat (bot/channels/telegram/staff_chat.py); after that, 签收 in their
department's group chat claims cases as them. The code is stored hashed, lives 10 minutes and works once."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.cases.telegram_links import CODE_LIFETIME, issue_code, linked_telegram
from bot.staff.context import Desk, Form, render, staff_form, staff_page
from bot.staff.state import STAFF

PATH = "/staff/telegram"


async def _page(request: web.Request, desk: Desk, code: str = "") -> web.Response:
    async with request.app[keys.ENGINE].connect() as conn:
        linked = await linked_telegram(conn, desk.viewer.id)
    context = {"linked": linked is not None, "code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)}
    return render(request, "staff/telegram.html", context, desk)


@staff_page
async def telegram_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    return await _page(request, desk)


@staff_form
async def new_code(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """生成绑定码: shown in this response only (never in a URL, never stored in clear)."""
    async with request.app[keys.ENGINE].begin() as conn:
        code, _ = await issue_code(conn, desk.viewer.id, request.app[STAFF].clock())
    return await _page(request, desk, code)


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, telegram_page, name="staff_telegram")
    app.router.add_post(PATH, new_code)
