"""The case page's forms: POST /staff/cases/{number}/{action}. Each action is one CaseService call; the service
authorises it, records the event and queues the resident's message. Success redirects (303) to the case page — or
to the queue when the case has left the viewer's scope (退单, 转办); a refusal shows the case page again with the
reason, what was typed, and the status the error maps to (400 / 403 / 409), or 404 when the case is not theirs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from bot.cases.actors import StaffUser
from bot.cases.errors import CaseError, InvalidInput, NotFound
from bot.cases.numbers import parse_case_number
from bot.cases.queries import CaseDetail
from bot.cases.service import CaseService
from bot.staff.case_page import render_case
from bot.staff.context import Desk, Form, error_page, see_other, staff_form
from bot.staff.errors import status_for

Perform = Callable[[CaseService, StaffUser, str, Form], Awaitable[CaseDetail | None]]
MAX_FIELD = 5000  # longer than any limit of the service: it gives the precise message


def _text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _number(form: Form, name: str, what: str) -> int:
    raw = _text(form, name).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise InvalidInput(f"请填写{what}。")
    return int(raw)


def _case_number(form: Form, name: str) -> str:
    number = parse_case_number(_text(form, name)[:40])
    if number is None:
        raise InvalidInput("请填写要合并到的案件编号，例如 AJ-2026-000123。")
    return number


PERFORM: dict[str, Perform] = {
    "claim": lambda s, v, ref, f: s.claim(v, ref),
    "start": lambda s, v, ref, f: s.start(v, ref),
    "reply": lambda s, v, ref, f: s.reply(v, ref, _text(f, "text")),
    "note": lambda s, v, ref, f: s.note(v, ref, _text(f, "text")),
    "dispatch": lambda s, v, ref, f: s.dispatch(v, ref, _number(f, "department", "承办单位"), _text(f, "reason")),
    "transfer": lambda s, v, ref, f: s.transfer(v, ref, _number(f, "department", "承办单位"), _text(f, "reason")),
    "return": lambda s, v, ref, f: s.return_case(v, ref, _text(f, "reason")),
    "extend": lambda s, v, ref, f: s.extend(v, ref, _number(f, "days", "延期天数（整数）"), _text(f, "reason")),
    "resolve": lambda s, v, ref, f: s.resolve(v, ref, _text(f, "text")),
    "merge": lambda s, v, ref, f: s.merge(v, ref, _case_number(f, "into")),
    "reopen": lambda s, v, ref, f: s.reopen(v, ref, _text(f, "reason")),
    "escalate": lambda s, v, ref, f: s.escalate(v, ref, _text(f, "text")),
}


@staff_form
async def act(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    number = parse_case_number(request.match_info["number"][:40])
    action = request.match_info["action"]
    perform = PERFORM.get(action)
    if number is None or perform is None:
        raise NotFound("没有这个页面。" if number is not None else "没有找到这个案件。")
    try:
        detail = await perform(desk.service, desk.viewer, number, form)
    except CaseError as exc:
        try:
            page = await desk.service.get_case(desk.viewer, number)
        except NotFound:
            return error_page(request, desk, 404, str(NotFound()))
        typed = {k: _text(form, k) for k in ("text", "reason", "days", "department", "into")}
        return await render_case(
            request, desk, page, error=str(exc), failed=action, values=typed, status=status_for(exc)
        )
    if detail is None:  # the case has left the viewer's scope
        return see_other("/staff?" + urlencode({"done": action, "case": number}))
    return see_other(f"/staff/cases/{detail.number}?done={action}")


def setup(app: web.Application) -> None:
    app.router.add_post("/staff/cases/{number}/{action}", act, name="staff_case_action")
