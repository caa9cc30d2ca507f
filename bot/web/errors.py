"""One error middleware: HTTP errors as JSON for API paths, and no traceback ever reaches a client."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)
MESSAGES = {
    400: "请求格式不正确。",
    403: "没有权限。",
    404: "页面不存在。",
    405: "不支持这种请求方式。",
    413: "内容太长了，请精简后再发。",
    415: "请求格式不正确。",
}


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.content_type == "application/json"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 404 and _resident_page(request):
            return _not_found_page(request)
        if exc.status < 400 or not wants_json(request):
            raise
        message = exc.text if exc.content_type == "application/json" else MESSAGES.get(exc.status, exc.reason)
        return _json_error(exc.status, message, request)
    except ConnectionError as exc:  # the client went away (mid-body, or before the answer): nobody to answer
        log.info("client went away during %s %s (%s)", request.method, request.path, type(exc).__name__)
        return web.Response(status=499, reason="Client Closed Request")  # never sent; the access log shows 499
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json(request):
            return _json_error(500, "系统繁忙，请稍后再试。", request)
        return web.Response(status=500, text="系统繁忙，请稍后再试。", content_type="text/plain", charset="utf-8")


def _resident_page(request: web.Request) -> bool:
    """A page a resident's browser asked for (not the API, a static file or the staff desk, which has its own)."""
    return (
        request.method == "GET"
        and not wants_json(request)
        and "text/html" in request.headers.get("Accept", "")
        and not request.path.startswith(("/static/", "/staff"))
    )


def _not_found_page(request: web.Request) -> web.StreamResponse:
    """A mistyped or old address: links to the pages that exist, rather than asking to edit the address bar."""
    response = aiohttp_jinja2.render_template("not_found.html", request, {})
    response.set_status(404)
    return response


def _json_error(status: int, message: str | None, request: web.Request) -> web.Response:
    if message and message.startswith("{"):
        return web.Response(status=status, text=message, content_type="application/json")
    return web.json_response({"error": message}, status=status)


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 whose JSON body says what is wrong, in words a person can read."""
    import json

    return web.HTTPBadRequest(text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json")
