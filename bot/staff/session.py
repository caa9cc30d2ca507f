"""Staff login sessions in an HMAC-signed cookie, and the CSRF token every staff form carries.

The cookie holds the staff id (none before login), a random CSRF token, the moment it was issued and a fingerprint
of the account's password hash; it is signed with a key derived from `settings.session_secret` (one is generated per
process, with a warning, when the setting is empty — sessions then end when the process does). A cookie that is
forged, older than `MAX_AGE`, or whose password has changed since is simply not a session.

Cookie attributes: HttpOnly, SameSite=Strict, Path=/staff, Secure when `settings.cookie_secure`. A new session — and
so a new CSRF token — is issued at login (no session fixation). Logging out deletes the cookie in the browser and
ends every session of the account issued until that moment (staff_users.sessions_ended_at, checked by
bot/staff/context.load_desk, to the millisecond: a session issued in the same second as the logout ends too): a
copied cookie, or the account left logged in on another computer, stops working."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

log = logging.getLogger(__name__)
COOKIE = "anju_staff"
COOKIE_PATH = "/staff"
MAX_AGE = timedelta(hours=8)
CLOCK_SKEW = timedelta(minutes=5)
VERSION = "v2"  # v2: issued_ms in milliseconds (v1 cookies, in seconds, are no longer sessions)
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Session:
    staff_id: int | None  # None: not logged in (the login form's own CSRF token)
    csrf: str
    issued_ms: int  # milliseconds since the epoch
    fingerprint: str  # of the password hash; "" before login

    @property
    def logged_in(self) -> bool:
        return self.staff_id is not None

    def csrf_ok(self, submitted: object) -> bool:
        return isinstance(submitted, str) and hmac.compare_digest(submitted.encode(), self.csrf.encode())


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


class SessionCookies:
    """Issues, signs, reads and clears the staff session cookie."""

    def __init__(self, secret: str, secure: bool, clock: Callable[[], datetime]) -> None:
        if not secret:
            log.warning(
                "ANJU_SESSION_SECRET is not set: staff sessions use a key made for this process only "
                "(they end on restart and are not shared between workers)"
            )
            secret = secrets.token_hex(32)
        self._key = hashlib.sha256(b"anju staff session\0" + secret.encode()).digest()
        self._secure = secure
        self._clock = clock

    # -- making sessions -----------------------------------------------------------------------------------

    def anonymous(self) -> Session:
        return Session(None, secrets.token_urlsafe(24), self._now(), "")

    def for_staff(self, staff_id: int, password_hash: str) -> Session:
        return Session(staff_id, secrets.token_urlsafe(24), self._now(), password_fingerprint(password_hash))

    # -- the cookie ----------------------------------------------------------------------------------------

    def read(self, request: web.Request) -> Session | None:
        """The request's session, or None if there is none, or it is forged or expired."""
        return self.loads(request.cookies.get(COOKIE, ""))

    def write(self, response: web.StreamResponse, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.dumps(session),
            path=COOKIE_PATH,
            max_age=int(MAX_AGE.total_seconds()),
            httponly=True,
            samesite="Strict",
            secure=self._secure,
        )

    def clear(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=self._secure)

    def dumps(self, session: Session) -> str:
        body = json.dumps(
            [session.staff_id, session.csrf, session.issued_ms, session.fingerprint], separators=(",", ":")
        ).encode()
        payload = _b64(body)
        return f"{VERSION}.{payload}.{self._sign(payload)}"

    def loads(self, value: str) -> Session | None:
        if not value or len(value) > 1024:
            return None
        parts = value.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            return None
        _, payload, signature = parts
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            staff_id, csrf, issued_ms, fingerprint = json.loads(_unb64(payload))
        except (ValueError, TypeError, binascii.Error):
            return None
        if not (staff_id is None or type(staff_id) is int) or type(issued_ms) is not int:
            return None
        if not isinstance(csrf, str) or not isinstance(fingerprint, str):
            return None
        now = self._now()
        if issued_ms > now + _ms(CLOCK_SKEW) or now - issued_ms > _ms(MAX_AGE):
            return None
        return Session(staff_id, csrf, issued_ms, fingerprint)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest())

    def _now(self) -> int:
        return epoch_ms(self._clock())


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (a session's issue time, and a logout's, are compared at this precision)."""
    return int(moment.timestamp() * 1000)


def _ms(span: timedelta) -> int:
    return int(span.total_seconds() * 1000)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
