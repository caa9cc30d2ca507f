"""The signed, expiring token of a resident's link to a project's published results (/results/<project>?token=…).

The chat issues it for the resident it is talking to (bot/web/chat_results.py: the web chat's session); the token
names that resident, the project and when it stops working, with an HMAC-SHA-256 tag under a key derived from
`settings.session_secret` (when that is empty, a key made for this process: links then end on restart and work
only on the worker that issued them). A token that is forged, altered, for another project or expired verifies to
None. Holding a valid token is not enough either: the page checks, on every request, that the results are
published and that the resident is still bound to a household of the project (bot/households/access.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

log = logging.getLogger(__name__)
LIFETIME = timedelta(hours=1)
TAG_CHARS = 27  # 160 bits of the HMAC, base64url
TOKEN_PATTERN = re.compile(r"(\d{1,18})\.(\d{1,12})\.([A-Za-z0-9_-]{" + str(TAG_CHARS) + "})")


class ResultLinks:
    """`issue(resident, project, now)` → a token; `verify(token, project, now)` → the resident's id, or None."""

    def __init__(self, secret: str, lifetime: timedelta = LIFETIME) -> None:
        if not secret:
            log.warning(
                "ANJU_SESSION_SECRET is not set: links to published results use a key made for this process only "
                "(they end on restart and are not shared between workers)"
            )
            secret = secrets.token_hex(32)
        self._key = hashlib.sha256(b"anju results link v1\0" + secret.encode()).digest()
        self.lifetime = lifetime

    def issue(self, resident_id: int, project: str, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        return f"{resident_id}.{expires}.{self._tag(resident_id, project, expires)}"

    def verify(self, token: str, project: str, now: datetime) -> int | None:
        match = TOKEN_PATTERN.fullmatch(token or "")
        if match is None:
            return None
        resident_id, expires = int(match[1]), int(match[2])
        if not hmac.compare_digest(match[3].encode(), self._tag(resident_id, project, expires).encode()):
            return None
        if now.timestamp() >= expires:
            return None
        return resident_id

    def _tag(self, resident_id: int, project: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{resident_id}|{project}|{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:TAG_CHARS]
