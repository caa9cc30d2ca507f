"""Logging in and out of /staff, and the lock-out rule.

Passwords are checked with argon2 (bot.cases.passwords) in a worker thread. After `MAX_FAILURES` wrong passwords in
a row an account is locked for `LOCK_FOR` (staff_users.failed_logins / locked_until); while it is locked, even the
right password is refused. Every refusal — unknown user, wrong password, locked or disabled account — shows the same
message and costs the same argon2 work, so the page does not tell which usernames exist."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.passwords import MAX_LENGTH, hash_password, needs_rehash, verify_password
from bot.cases.staff import USERNAME, StaffAccount, find_account
from bot.db.base import table_of
from bot.staff.context import LOGIN_PATH, error_page, load_desk, render, safe_next, see_other
from bot.staff.errors import CSRF_FAILED
from bot.staff.session import CSRF_FIELD, Session
from bot.staff.state import STAFF
from bot.web.forms import MALFORMED, MalformedForm, read_form

log = logging.getLogger(__name__)
staff_users = table_of(StaffUserRow)
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
LOGIN_FAILED = (
    f"用户名或密码不正确。连续输错 {MAX_FAILURES} 次，账号将锁定 {int(LOCK_FOR.total_seconds() // 60)} 分钟。"
)
LOGGED_OUT = "您已退出登录。"


@functools.cache
def _decoy_hash() -> str:
    """A hash to verify against when there is no account to check, so that every refusal takes as long."""
    return hash_password("no account has this password")


def is_locked(account: StaffAccount, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def _unlocked(now: datetime) -> ColumnElement[bool]:
    return or_(staff_users.c.locked_until.is_(None), staff_users.c.locked_until <= now)


async def _verify(password_hash: str, password: str) -> bool:
    """argon2 in a worker thread (tests wrap this to hold every check until all the attempts have arrived)."""
    return await asyncio.to_thread(verify_password, password_hash, password)


async def authenticate(engine: AsyncEngine, username: str, password: str, now: datetime) -> StaffAccount | None:
    """The account if `password` is right and the account active and not locked; None otherwise.

    Every attempt is counted before its password is checked, in one UPDATE … RETURNING (`_claim`): at most
    MAX_FAILURES checks of an account run without a success between them, however many arrive at once, and the
    attempt after them locks it. A right password logs in only if the account is still unlocked when the success
    is written (`_succeeded`, same kind of statement) — one sent among many wrong ones at once cannot slip through."""
    username = username.strip().lower()
    account = None
    if USERNAME.match(username) and 0 < len(password) <= MAX_LENGTH:
        async with engine.connect() as conn:
            account = await find_account(conn, username)
    attempt = None
    if account is not None and account.active and not is_locked(account, now):
        attempt = await _claim(engine, account, now)
    if account is None or attempt is None:
        await _verify(_decoy_hash(), password[:MAX_LENGTH])
        return None
    if not await _verify(account.password_hash, password):
        if attempt >= MAX_FAILURES:
            await _lock(engine, account, now, attempt)
        return None
    return await _succeeded(engine, account, password, now)


async def _claim(engine: AsyncEngine, account: StaffAccount, now: datetime) -> int | None:
    """Count this attempt as a failure until its password proves right; its number in the row of failures, or None
    when the account is locked — or had MAX_FAILURES attempts since its last success, which locks it now."""
    row = staff_users.c
    async with engine.begin() as conn:
        attempt = await conn.scalar(
            update(staff_users)
            .where(row.id == account.user.id, row.active.is_(True), row.failed_logins < MAX_FAILURES, _unlocked(now))
            .values(failed_logins=row.failed_logins + 1)
            .returning(row.failed_logins)
        )
    if attempt is None:
        await _lock(engine, account, now, MAX_FAILURES)
    return attempt


async def _lock(engine: AsyncEngine, account: StaffAccount, now: datetime, failures: int) -> None:
    """Lock an account that has MAX_FAILURES failures and is not locked yet (and start the count again)."""
    row = staff_users.c
    async with engine.begin() as conn:
        locked = await conn.scalar(
            update(staff_users)
            .where(row.id == account.user.id, row.failed_logins >= MAX_FAILURES, _unlocked(now))
            .values(failed_logins=0, locked_until=now + LOCK_FOR)
            .returning(row.id)
        )
    if locked is not None:
        log.warning(
            "staff account %s locked for %s after %d wrong passwords", account.user.username, LOCK_FOR, failures
        )


async def _succeeded(engine: AsyncEngine, account: StaffAccount, password: str, now: datetime) -> StaffAccount | None:
    """Write the login — only if the account is still active and unlocked at this moment (else None: refused)."""
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if needs_rehash(account.password_hash):
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
        account = dataclasses.replace(account, password_hash=values["password_hash"])
    row = staff_users.c
    async with engine.begin() as conn:
        done = await conn.scalar(
            update(staff_users)
            .where(row.id == account.user.id, row.active.is_(True), _unlocked(now))
            .values(**values)
            .returning(row.id)
        )
    return account if done is not None else None


# -- pages ---------------------------------------------------------------------------------------------------------


def _login_form(
    request: web.Request,
    session: Session,
    *,
    next_path: str,
    username: str = "",
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> web.Response:
    context = {
        "login_csrf": session.csrf,
        "next": next_path,
        "username": username[:64],
        "error": error,
        "notice": notice,
    }
    return render(request, "staff/login.html", context, None, status=status)


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /staff/login: the form, with a CSRF token in a not-yet-logged-in session."""
    cookies = request.app[STAFF].cookies
    next_path = safe_next(request.query.get("next"))
    session = cookies.read(request)
    if session is not None and session.logged_in and await load_desk(request, session) is not None:
        return see_other(next_path)
    fresh = session is None or session.logged_in
    if fresh:
        session = cookies.anonymous()
    assert session is not None
    response = _login_form(
        request, session, next_path=next_path, notice=LOGGED_OUT if request.query.get("bye") == "1" else ""
    )
    if fresh:
        cookies.write(response, session)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /staff/login: check the token, then the password; a new session (and CSRF token) on success."""
    setup = request.app[STAFF]
    try:
        form = await read_form(request)
    except MalformedForm:
        return error_page(request, None, 400, MALFORMED)
    next_path = safe_next(form.get("next"))
    username = form.get("username")
    password = form.get("password")
    username = username if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    session = setup.cookies.read(request)
    if session is None or not session.csrf_ok(form.get(CSRF_FIELD)):
        fresh = setup.cookies.anonymous()
        response = _login_form(request, fresh, next_path=next_path, username=username, error=CSRF_FAILED, status=403)
        setup.cookies.write(response, fresh)
        return response
    account = await authenticate(request.app[keys.ENGINE], username, password, setup.clock())
    if account is None:
        return _login_form(request, session, next_path=next_path, username=username, error=LOGIN_FAILED, status=401)
    response = see_other(next_path)
    setup.cookies.write(response, setup.cookies.for_staff(account.user.id, account.password_hash))
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /staff/logout (with the CSRF token): the cookie is deleted, and every session of the account issued until
    now ends — a copy of the cookie, or the same account left logged in on another computer, included."""
    cookies = request.app[STAFF].cookies
    try:
        form = await read_form(request)
    except MalformedForm:
        return error_page(request, None, 400, MALFORMED)
    session = cookies.read(request)
    if session is None:
        return see_other(LOGIN_PATH)
    if not session.csrf_ok(form.get(CSRF_FIELD)):
        return error_page(request, None, 403, CSRF_FAILED)
    if session.staff_id is not None:
        async with request.app[keys.ENGINE].begin() as conn:
            await conn.execute(
                update(staff_users)
                .where(staff_users.c.id == session.staff_id)
                .values(sessions_ended_at=request.app[STAFF].clock())
            )
    response = see_other(f"{LOGIN_PATH}?bye=1")
    cookies.clear(response)
    return response


def setup(app: web.Application) -> None:
    app.router.add_get(LOGIN_PATH, login_page, name="staff_login")
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post("/staff/logout", logout, name="staff_logout")
