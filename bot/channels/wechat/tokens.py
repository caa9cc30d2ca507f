"""The access_token for WeChat's API: fetched from /cgi-bin/token, cached until shortly before it expires,
fetched again when the API says it is invalid (40001, 40014) or expired (42001). One fetch at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp

from bot.outbox.ports import RetryLater

log = logging.getLogger(__name__)
EARLY_REFRESH = 300  # seconds before expiry
TOKEN_ERRORS = frozenset({40001, 40014, 42001})


class AccessTokens:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_base: str,
        app_id: str,
        app_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = api_base.rstrip("/") + "/cgi-bin/token"
        self._app_id = app_id
        self._secret = app_secret
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is not None and self._clock() < self._expires:
            return self._token
        async with self._lock:
            if self._token is None or self._clock() >= self._expires:
                await self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """The API refused `token`: the next get() fetches a new one (unless another call already did)."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        try:
            async with self._http.get(self._url, params=params) as response:
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RetryLater(10, f"wechat token: {exc!r}") from exc
        token, ttl = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not isinstance(ttl, int):
            code = data.get("errcode")
            log.error("WeChat refused an access_token: %s %s", code, data.get("errmsg"))
            raise RetryLater(10 if code == -1 else 300, f"wechat token: errcode {code}")
        self._token = token
        self._expires = self._clock() + max(ttl - min(EARLY_REFRESH, ttl // 2), 1)
