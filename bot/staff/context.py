"""The request side of every staff page: who is asking (the viewer, loaded per request so role changes apply at
once), rendering with the layout's context, security headers, and the two wrappers every handler goes through —
`staff_page` (GET: log in first) and `staff_form` (POST: the CSRF token first, then log in). Domain errors that a
handler lets through become an error page with the status bot.staff.errors assigns."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from bot import keys
from bot.cases.actors import StaffUser
from bot.cases.errors import CaseError
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.service import CaseService
from bot.cases.staff import load_viewer
from bot.cases.vocabulary import ROLE_LABELS, Role
from bot.db.base import table_of
from bot.staff.errors import CSRF_FAILED, TITLES, status_for
from bot.staff.session import CSRF_FIELD, Session, epoch_ms, password_fingerprint
from bot.staff.state import STAFF
from bot.web.forms import MALFORMED, MalformedForm, read_form

staff_users = table_of(StaffUserRow)
Form = MultiDictProxy[Any]
LOGIN_PATH = "/staff/login"
HOME = "/staff"
# no script at all on staff pages; charts are inline SVG, styles come from /static
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Desk:
    """A logged-in staff member at the dashboard: who, their session (CSRF token) and the case service."""

    viewer: StaffUser
    session: Session
    service: CaseService

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.viewer.role]

    @property
    def is_admin(self) -> bool:
        return self.viewer.role == Role.ADMIN

    @property
    def is_overseer(self) -> bool:
        return self.viewer.is_overseer

    @property
    def csrf(self) -> str:
        return self.session.csrf


async def load_desk(request: web.Request, session: Session | None = None) -> Desk | None:
    """The logged-in staff member, or None (no session; the account is inactive, its password changed, or it logged
    out after this session was issued — from this browser or another)."""
    session = session or request.app[STAFF].cookies.read(request)
    if session is None or session.staff_id is None:
        return None
    async with request.app[keys.ENGINE].connect() as conn:
        account = (
            await conn.execute(
                select(staff_users.c.password_hash, staff_users.c.sessions_ended_at).where(
                    staff_users.c.id == session.staff_id, staff_users.c.active.is_(True)
                )
            )
        ).first()
        if account is None or password_fingerprint(account.password_hash) != session.fingerprint:
            return None
        if account.sessions_ended_at is not None and session.issued_ms <= epoch_ms(account.sessions_ended_at):
            return None
        viewer = await load_viewer(conn, session.staff_id)
    return Desk(viewer, session, request.app[keys.CASES])


def protect(response: web.StreamResponse, cache: str = "no-store") -> web.StreamResponse:
    """Headers for pages with personal data: never cached, never framed, no scripts."""
    response.headers.setdefault("Cache-Control", cache)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def render(
    request: web.Request, template: str, context: Mapping[str, Any], desk: Desk | None, status: int = 200
) -> web.Response:
    values = {"desk": desk, "csrf": desk.csrf if desk else "", "path": request.path, **context}
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    protect(response)
    return response


def error_page(request: web.Request, desk: Desk | None, status: int, message: str) -> web.Response:
    return render(
        request,
        "staff/error.html",
        {"status": status, "title": TITLES.get(status, "出错了"), "message": message},
        desk,
        status=status,
    )


def see_other(location: str) -> web.Response:
    """303 to `location` (after a form: the browser GETs the page, so reloading never repeats the action)."""
    response = web.Response(status=303, headers={"Location": location})
    protect(response)
    return response


def login_url(next_path: str) -> str:
    return LOGIN_PATH if next_path in ("", HOME) else f"{LOGIN_PATH}?next={quote(next_path, safe='/')}"


def safe_next(value: object) -> str:
    """Where to go after login: a path of the dashboard only (never another site, never the login itself)."""
    if not isinstance(value, str) or len(value) > 300 or not value.startswith(HOME):
        return HOME
    rest = value[len(HOME) :]
    if (rest and rest[0] not in "/?") or "//" in value or "\\" in value or "/." in value:
        return HOME
    if any(not 0x21 <= ord(c) <= 0x7E for c in value):
        return HOME
    if value.startswith((LOGIN_PATH, "/staff/logout")):
        return HOME
    return value


PageHandler = Callable[[web.Request, Desk], Awaitable[web.StreamResponse]]
FormHandler = Callable[[web.Request, Desk, Form], Awaitable[web.StreamResponse]]


def staff_page(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A GET page for logged-in staff; others are sent to the login page (and come back here after)."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        desk = await load_desk(request)
        if desk is None:
            return see_other(login_url(request.path_qs))
        try:
            return protect(await handler(request, desk))
        except CaseError as exc:
            return error_page(request, desk, status_for(exc), str(exc))

    return page


def staff_form(handler: FormHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A POST from a staff form: without the session's CSRF token → 403, before anything else is looked at."""

    @functools.wraps(handler)
    async def action(request: web.Request) -> web.StreamResponse:
        session = request.app[STAFF].cookies.read(request)
        try:
            form = await read_form(request)
        except MalformedForm:
            return error_page(request, None, 400, MALFORMED)
        if session is None or not session.csrf_ok(form.get(CSRF_FIELD)):
            return error_page(request, None, 403, CSRF_FAILED)
        desk = await load_desk(request, session)
        if desk is None:
            return see_other(LOGIN_PATH)
        try:
            return protect(await handler(request, desk, form))
        except CaseError as exc:
            return error_page(request, desk, status_for(exc), str(exc))

    return action
