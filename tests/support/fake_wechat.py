"""A fake WeChat API server (aiohttp, free loopback port): `GET /cgi-bin/token` issuing access_tokens that
expire (on an injectable monotonic clock), and `POST /cgi-bin/message/custom/send` checking the token (40001
invalid, 42001 expired, 41001 missing), the body (47001), the text size (45002), the 48-hour window (45015 for
residents marked as silent) and the per-window quota (45047); `POST /cgi-bin/message/template/send` (template
messages: no 48-hour window) checking the template id (40037), the data fields and the resident's subscription
(43004); `POST /cgi-bin/message/subscribe/bizsend` (订阅通知, sendNewSubscribeMsg) checking the openid (40003),
the subscribe template id (40037), the data against the template's fields and their types' rules (47003: thing
≤ 20 characters, character_string ≤ 32 digits, letters or symbols, time / date as "2019年10月1日 15:01"), and that the
resident subscribed to the template (43101 "user refuse to accept the msg" otherwise; a one-time subscription
allows one notice); `GET /cgi-bin/media/get` handing over temporary media (`add_media`; the file itself with its
Content-Type, or 40007 for an unknown or expired media_id); errors can be queued; every call is recorded."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass
class ApiCall:
    path: str
    query: dict[str, str]
    body: Any
    errcode: int


class FakeWeChatApi:
    def __init__(
        self,
        app_id: str = APP_ID,
        app_secret: str = APP_SECRET,
        token_ttl: int = 7200,
        clock: Callable[[], float] = time.monotonic,
        window_quota: int | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_ttl = token_ttl
        self.clock = clock
        self.window_quota = window_quota
        self.tokens: dict[str, float] = {}  # token → expires at
        self.calls: list[ApiCall] = []
        self.sent: list[tuple[str, str]] = []  # (openid, text)
        self.silent: set[str] = set()  # openids whose 48-hour window is closed
        self.sent_in_window: Counter[str] = Counter()
        self.templates: dict[str, set[str]] = {}  # template id → its field names (added in the account's admin)
        self.template_messages: list[dict[str, Any]] = []  # bodies of the template messages accepted
        self.unsubscribed: set[str] = set()
        self.subscribe_templates: dict[str, set[str]] = {}  # subscribe template id → its fields ("thing2" …)
        self.subscribe_messages: list[dict[str, Any]] = []  # bodies of the subscribe notices accepted
        # (openid, template id) → notices the resident allowed: None long-term, else how many are left (one-time)
        self.subscriptions: dict[tuple[str, str], int | None] = {}
        self._failures: deque[tuple[int, str]] = deque()
        self.media: dict[str, tuple[bytes, str]] = {}  # media_id → (file, Content-Type)
        self._media_failures: deque[int] = deque()
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeWeChatApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_post("/cgi-bin/message/subscribe/bizsend", self._subscribe_send)
        app.router.add_get("/cgi-bin/media/get", self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls ---

    def fail_next(self, errcode: int, errmsg: str = "") -> None:
        """The next custom/send answers with this errcode."""
        self._failures.append((errcode, errmsg or f"error {errcode}"))

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """A file a resident sent: media/get hands it over (until `expire_media`)."""
        self.media[media_id] = (data, content_type)

    def expire_media(self, media_id: str) -> None:
        """3 days have passed: WeChat has deleted it."""
        self.media.pop(media_id, None)

    def fail_media_next(self, errcode: int) -> None:
        self._media_failures.append(errcode)

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = self.clock() - 1

    def revoke_tokens(self) -> None:
        """Tokens become invalid (another server fetched a new one: WeChat keeps only the latest)."""
        self.tokens.clear()

    def token_fetches(self) -> int:
        return sum(1 for c in self.calls if c.path == "/cgi-bin/token" and c.errcode == 0)

    def texts_to(self, openid: str) -> list[str]:
        return [text for who, text in self.sent if who == openid]

    # --- the API ---

    def _answer(self, request: web.Request, body: Any, errcode: int, payload: dict[str, Any]) -> web.Response:
        self.calls.append(ApiCall(request.path, dict(request.query), body, errcode))
        return web.json_response(payload)  # WeChat answers 200 with an errcode

    def _token_refused(self, request: web.Request) -> tuple[int, str] | None:
        """WeChat's answer to a call without a valid access token, or None when the token is good."""
        token = request.query.get("access_token")
        if not token:
            return 41001, "access_token missing"
        if token not in self.tokens:
            return 40001, "invalid credential, access_token is invalid or not latest"
        if self.tokens[token] <= self.clock():
            return 42001, "access_token expired"
        return None

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return self._answer(request, None, 40002, {"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != self.app_id:
            return self._answer(request, None, 40013, {"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.app_secret:
            return self._answer(request, None, 40125, {"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"ACCESS_TOKEN_{next(self._serial)}"
        self.tokens = {token: self.clock() + self.token_ttl}  # a new token replaces the old one
        return self._answer(request, None, 0, {"access_token": token, "expires_in": self.token_ttl})

    async def _send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)

        def error(code: int, message: str) -> web.Response:
            return self._answer(request, body, code, {"errcode": code, "errmsg": message})

        if refused := self._token_refused(request):
            return error(*refused)
        if not isinstance(body, dict) or not isinstance(body.get("text"), dict):
            return error(47001, "data format error")
        openid, content = body.get("touser"), body["text"].get("content")
        if body.get("msgtype") != "text" or not isinstance(content, str) or not content:
            return error(47001, "data format error")
        if not isinstance(openid, str) or not openid:
            return error(40003, "invalid openid")
        if len(content.encode()) > 2048:
            return error(45002, "content size out of limit")
        if self._failures:
            return error(*self._failures.popleft())
        if openid in self.silent:
            return error(45015, "response out of time limit or subscription is canceled")
        if self.window_quota is not None and self.sent_in_window[openid] >= self.window_quota:
            return error(45047, "out of response count limit")
        self.sent_in_window[openid] += 1
        self.sent.append((openid, content))
        return self._answer(request, body, 0, {"errcode": 0, "errmsg": "ok"})

    async def _addressed(
        self, request: web.Request, templates: dict[str, set[str]]
    ) -> tuple[Callable[[int, str], web.Response], dict[str, Any], set[str]] | web.Response:
        """What the template and the subscribe endpoints check first, alike: the token, a JSON object, the openid
        and a known template id — an error answer, or (the error answer maker, the body, the template's fields)."""
        body = await _json_body(request)

        def error(code: int, message: str) -> web.Response:
            return self._answer(request, body, code, {"errcode": code, "errmsg": message})

        if refused := self._token_refused(request):
            return error(*refused)
        if not isinstance(body, dict):
            return error(47001, "data format error")
        openid, template_id = body.get("touser"), body.get("template_id")
        if not isinstance(openid, str) or not openid:
            return error(40003, "invalid openid")
        fields = templates.get(template_id) if isinstance(template_id, str) else None
        if fields is None:
            return error(40037, "invalid template_id")
        return error, body, fields

    async def _template_send(self, request: web.Request) -> web.Response:
        addressed = await self._addressed(request, self.templates)
        if isinstance(addressed, web.Response):
            return addressed
        error, body, fields = addressed
        openid, data = body["touser"], body.get("data")
        # the exact code for data that does not fit the template was not confirmed: 47003 ("argument invalid")
        if (
            not isinstance(data, dict)
            or not data
            or not set(data) <= fields
            or not all(isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values())
        ):
            return error(47003, "argument invalid! data.keyword invalid")
        if "url" in body and not (isinstance(body["url"], str) and body["url"].startswith(("http://", "https://"))):
            return error(47003, "argument invalid! url invalid")
        if self._failures:
            return error(*self._failures.popleft())
        if openid in self.unsubscribed:
            return error(43004, "require subscribe")
        self.template_messages.append(body)
        return self._answer(request, body, 0, {"errcode": 0, "errmsg": "ok", "msgid": next(self._serial)})

    def subscribe(self, openid: str, template_id: str, times: int | None = None) -> None:
        """The resident accepted the subscribe template in the account (None: long-term; else one-time, `times`)."""
        self.subscriptions[(openid, template_id)] = times

    async def _subscribe_send(self, request: web.Request) -> web.Response:
        addressed = await self._addressed(request, self.subscribe_templates)
        if isinstance(addressed, web.Response):
            return addressed
        error, body, fields = addressed
        openid, template_id, data = body["touser"], body["template_id"], body.get("data")
        if not isinstance(data, dict) or not data:
            return error(47003, "argument invalid! data invalid")
        for name, entry in data.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if name not in fields or not isinstance(value, str) or not _fits(name, value):
                return error(47003, f"argument invalid! data.{name}.value invalid")
        if "page" in body and not isinstance(body["page"], str):
            return error(47003, "argument invalid! page invalid")
        if self._failures:
            return error(*self._failures.popleft())
        key = (openid, template_id)
        if key not in self.subscriptions or self.subscriptions[key] == 0:
            return error(43101, "user refuse to accept the msg")
        left = self.subscriptions[key]
        if left is not None:
            self.subscriptions[key] = left - 1
        self.subscribe_messages.append(body)
        return self._answer(request, body, 0, {"errcode": 0, "errmsg": "ok", "msgid": next(self._serial)})

    async def _media(self, request: web.Request) -> web.Response:
        def error(code: int, message: str) -> web.Response:
            return self._answer(request, None, code, {"errcode": code, "errmsg": message})

        if refused := self._token_refused(request):
            return error(*refused)
        if self._media_failures:
            code = self._media_failures.popleft()
            return error(code, f"error {code}")
        media_id = request.query.get("media_id", "")
        if media_id not in self.media:
            return error(40007, "invalid media_id")
        data, content_type = self.media[media_id]
        self.calls.append(ApiCall(request.path, dict(request.query), None, 0))
        extension = content_type.rpartition("/")[2]
        return web.Response(
            body=data,
            content_type=content_type,
            headers={"Content-disposition": f'attachment; filename="{media_id}.{extension}"'},
        )


async def _json_body(request: web.Request) -> Any:
    """The request's JSON body, or None when it is not UTF-8 JSON."""
    try:
        return json.loads((await request.read()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


_SUBSCRIBE_TIME = re.compile(r"(\d{4}年\d{1,2}月\d{1,2}日)?\s?(\d{1,2}:\d{2})?")


def _fits(name: str, value: str) -> bool:
    """A subscribe notice's value against its field type's rule (the documented table; other types unchecked)."""
    kind = name.rstrip("0123456789")
    if not value:
        return False
    if kind == "thing":
        return len(value) <= 20
    if kind == "character_string":
        return len(value) <= 32 and value.isascii() and value.isprintable() and " " not in value
    if kind in ("time", "date"):
        return _SUBSCRIBE_TIME.fullmatch(value) is not None
    if kind == "phrase":
        return len(value) <= 5 and all("\u4e00" <= c <= "\u9fff" for c in value)
    return True
