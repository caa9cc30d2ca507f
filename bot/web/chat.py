"""The web chat adapter: the page at /chat and `POST /api/chat` (DESIGN.md interface)."""

from __future__ import annotations

import re
import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot import keys
from bot.cases.lookups import client_digest
from bot.core.messages import Channel, Inbound, InboundKind
from bot.db import json_codec
from bot.web.errors import bad_request
from knowledge.text import clean_input

SESSION_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
MESSAGE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@aiohttp_jinja2.template("chat.html")
async def chat_page(request: web.Request) -> dict[str, Any]:
    return {
        "county": request.app[keys.KNOWLEDGE].params.get("county", ""),
        "voice": bool(request.app[keys.SETTINGS].stt_url),
    }  # 按住说话 only with a transcription server


async def api_chat(request: web.Request) -> web.Response:
    """`{"session", "text"}` or `{"session", "button"}` → `{"replies": [...], "session": ...}`."""
    body = await json_body(request)
    client = client_digest(client_address(request))
    inbound, session = _parse(body, request.app[keys.SETTINGS].max_text_chars, client)
    replies = await request.app[keys.DIALOGUE].handle(inbound)
    answer = json_codec.dumps_bytes({"replies": [r.to_json() for r in replies], "session": session})
    return web.Response(body=answer, content_type="application/json", charset="utf-8")


async def json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # over client_max_size: aiohttp answers 413
    try:
        body = json_codec.loads(raw)
    except json_codec.JSONDecodeError:  # also invalid UTF-8
        raise bad_request("请求不是有效的 JSON。") from None
    if not isinstance(body, dict):
        raise bad_request("请求应当是一个 JSON 对象。")
    return body


def client_address(request: web.Request) -> str:
    """The caller's address: behind a proxy on this machine (nginx), the address it adds last to X-Forwarded-For."""
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and remote in ("127.0.0.1", "::1"):
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return remote


def _parse(body: dict[str, Any], max_chars: int, client: str = "") -> tuple[Inbound, str]:
    session = body.get("session")
    if session is not None and not isinstance(session, str):
        raise bad_request("session 应当是字符串。")
    if not session or not SESSION_PATTERN.match(session):
        session = secrets.token_urlsafe(16)  # unknown or unusable session ids start a new session
    message_id = body.get("id")
    if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID_PATTERN.match(message_id)):
        raise bad_request("id 应当是 1–64 位字母、数字、- 或 _。")
    dedupe = f"{session}:{message_id}" if message_id else f"{session}:{secrets.token_hex(8)}"
    text, button = body.get("text"), body.get("button")
    if (text is None) == (button is None):
        raise bad_request("请提供 text 或 button 其中之一。")
    if button is not None:
        if not isinstance(button, str) or len(button) > 128:
            raise bad_request("button 应当是不超过 128 个字符的字符串。")
        return Inbound(Channel.WEB, session, dedupe, InboundKind.BUTTON, button, {"client": client}), session
    if not isinstance(text, str):
        raise bad_request("text 应当是字符串。")
    kind = InboundKind.START if text == "" and body.get("start") is True else InboundKind.TEXT
    return Inbound(Channel.WEB, session, dedupe, kind, clean_input(text, max_chars), {"client": client}), session


async def _home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


def setup(app: web.Application) -> None:
    app.router.add_get("/chat", chat_page, name="chat")
    app.router.add_get("/", _home)
    app.router.add_post("/api/chat", api_chat)
