"""Plain mode's replay guard: a signed URL (signature over token, timestamp and nonce) is good for one body.

WeChat's plain-mode signature does not cover the message, so a captured URL could carry any body — another
resident's openid included — for as long as its timestamp is fresh (ANJU_WECHAT_MAX_CLOCK_SKEW either way). The
first body seen with a signature+timestamp+nonce is recorded (bot/db/signed_requests.py, in the database so that
it holds across workers and restarts); the same URL with another body is refused. The same URL with the same
body — WeChat retrying a message it got no answer to — is let through: the message's dedupe key (MsgId) then
answers it without working it out again. Safe mode needs none of this: msg_signature covers the encrypted body."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue import Clock
from bot.db.base import table_of
from bot.db.signed_requests import SignedRequest
from bot.db.upsert import insert_ignore

requests = table_of(SignedRequest)


def _sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


class ReplayGuard:
    def __init__(self, engine: AsyncEngine, clock: Clock, skew_seconds: int) -> None:
        self._engine = engine
        self._clock = clock
        # a timestamp is accepted from `skew` before to `skew` after it: a URL is usable for 2 × skew at most
        self._keep = timedelta(seconds=2 * skew_seconds)
        self._next_prune: datetime | None = None

    async def admit(self, signature: str, timestamp: str, nonce: str, body: bytes) -> bool:
        """True for a URL not seen before, or seen with this very body; False for a URL replayed with another."""
        now = self._clock()
        key = _sha256(f"wechat\n{signature}\n{timestamp}\n{nonce}")
        digest = _sha256(body)
        async with self._engine.begin() as conn:
            if await insert_ignore(conn, requests, {"key": key, "body_sha256": digest, "seen_at": now}, ["key"]):
                admitted = True
            else:
                admitted = await conn.scalar(select(requests.c.body_sha256).where(requests.c.key == key)) == digest
            if self._next_prune is None or now >= self._next_prune:
                await conn.execute(delete(requests).where(requests.c.seen_at < now - self._keep))
                self._next_prune = now + self._keep / 2
        return admitted
