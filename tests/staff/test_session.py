"""The session cookie on its own: signed, expiring, bound to the password; its attributes; the settings behind it;
and the paths a login may lead back to."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from bot.settings import Settings
from bot.staff.context import safe_next
from bot.staff.session import COOKIE, MAX_AGE, SessionCookies
from tests.support.clock import FakeClock


def test_sessions_round_trip_and_refuse_tampering(clock: FakeClock) -> None:
    cookies = SessionCookies("a secret", secure=False, clock=clock)
    session = cookies.for_staff(7, "$argon2id$hash")
    value = cookies.dumps(session)
    assert cookies.loads(value) == session
    assert SessionCookies("another secret", secure=False, clock=clock).loads(value) is None
    version, payload, signature = value.split(".")
    for forged in (
        f"{version}.{payload}x.{signature}",
        f"{version}.{payload}.",
        "",
        "x" * 2000,
        "v1.e30.e30",
        f"{version}.{payload}.{signature}.extra",
    ):
        assert cookies.loads(forged) is None, forged
    assert cookies.anonymous().staff_id is None and cookies.anonymous().csrf != cookies.anonymous().csrf
    assert session.csrf_ok(session.csrf) and not session.csrf_ok("") and not session.csrf_ok(None)
    clock.advance(seconds=MAX_AGE.total_seconds() - 1)
    assert cookies.loads(value) == session
    clock.advance(seconds=2)
    assert cookies.loads(value) is None


def test_cookie_attributes(clock: FakeClock) -> None:
    for secure in (False, True):
        response = web.Response()
        cookies = SessionCookies("s", secure=secure, clock=clock)
        cookies.write(response, cookies.anonymous())
        header = response.cookies[COOKIE].OutputString()
        assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/staff" in header
        assert ("Secure" in header) is secure
        assert f"Max-Age={int(MAX_AGE.total_seconds())}" in header


def test_settings(caplog: pytest.LogCaptureFixture, clock: FakeClock) -> None:
    assert Settings.from_env({"ANJU_COOKIE_SECURE": "true"}).cookie_secure is True
    assert Settings.from_env({}).cookie_secure is False
    assert "cookie-secret" not in repr(Settings.from_env({"ANJU_SESSION_SECRET": "cookie-secret"}))
    with caplog.at_level(logging.WARNING):
        first, second = SessionCookies("", False, clock), SessionCookies("", False, clock)
    assert "ANJU_SESSION_SECRET is not set" in caplog.text
    assert second.loads(first.dumps(first.anonymous())) is None  # a key per process (here: per instance)


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("/staff", "/staff"),
        ("/staff/cases/AJ-2026-000001", "/staff/cases/AJ-2026-000001"),
        ("/staff?status=all&q=x", "/staff?status=all&q=x"),
        ("/staff/overview", "/staff/overview"),
        (None, "/staff"),
        ("", "/staff"),
        ("https://evil.example", "/staff"),
        ("//evil.example", "/staff"),
        ("/staffevil", "/staff"),
        ("/staff/../chat", "/staff"),
        ("/staff/./x", "/staff"),
        ("/staff\\x", "/staff"),
        ("/staff/login", "/staff"),
        ("/staff/logout", "/staff"),
        ("/staff/ x", "/staff"),
        ("/staff/\u0000", "/staff"),
        ("/staff?q=停水", "/staff"),
        ("/staff/" + "x" * 400, "/staff"),
    ],
)
def test_where_a_login_may_lead(asked: object, goes: str) -> None:
    assert safe_next(asked) == goes
