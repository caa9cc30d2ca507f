"""Reading a submitted form: a body aiohttp cannot parse (a multipart part without a name, a broken boundary, bytes
that are not the declared encoding) is the caller's mistake — 400 — never an exception that becomes a 500."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

MALFORMED = "请求格式不正确。"


class MalformedForm(Exception):
    """The body of a form post could not be read."""


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """The posted fields; MalformedForm when the body cannot be parsed (answer it with a 400)."""
    try:
        return await request.post()
    except (ValueError, UnicodeDecodeError, LookupError, AssertionError, HttpProcessingError) as exc:
        raise MalformedForm(f"{type(exc).__name__}: {exc}") from None
