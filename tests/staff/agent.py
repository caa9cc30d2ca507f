"""A staff member's browser, without the browser: its own cookie jar against the test server, the login form, the
CSRF token read from the page, and the dashboard's forms posted the way the browser posts them."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.support.cases import PASSWORD

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class StaffAgent:
    def __init__(self, client: TestClient) -> None:
        self.session = aiohttp.ClientSession(
            base_url=client.server.make_url("/"), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self.csrf = ""

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        response = await self.session.get(path, allow_redirects=False, **kwargs)
        await response.read()
        return response

    async def page(self, path: str, status: int = 200, **kwargs: Any) -> str:
        """The page's HTML (its CSRF token remembered), asserting its status."""
        response = await self.get(path, **kwargs)
        text = await response.text()
        assert response.status == status, (path, response.status, text[:2000])
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return text

    async def login(self, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        await self.page("/staff/login")
        return await self.post("/staff/login", {"username": username, "password": password})

    async def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> aiohttp.ClientResponse:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        response = await self.session.post(path, data=form, allow_redirects=False)
        await response.read()
        return response

    async def act(self, number: str, action: str, **fields: Any) -> aiohttp.ClientResponse:
        """Open the case page (as a person would, which also gives the token), then send one of its forms."""
        await self.page(f"/staff/cases/{number}")
        return await self.post(f"/staff/cases/{number}/{action}", {k: str(v) for k, v in fields.items()})

    def cookie(self, name: str = "anju_staff") -> str | None:
        for morsel in self.session.cookie_jar:
            if morsel.key == name:
                return morsel.value
        return None
