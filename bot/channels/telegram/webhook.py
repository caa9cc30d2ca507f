"""`POST /telegram/webhook`: the secret header checked in constant time, the update parsed, processed before
the answer (a crash before the commit makes Telegram deliver it again; a repeat is recognised by update_id).

Forged or missing secret → 403; a body that is not an update, or nested deeper than any update → 400; an update
of a kind we do not read → 200 and ignored (one log line)."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram import Update

from bot import keys
from bot.channels.telegram.channel import TELEGRAM
from bot.db import json_codec
from bot.web.errors import bad_request

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_DEPTH = 32  # a real update nests about 8 levels (a message replying to a message with entities)
PATH = "/telegram/webhook"


async def telegram_webhook(request: web.Request) -> web.Response:
    expected = request.app[keys.SETTINGS].telegram_secret_token.encode()
    given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
    if not expected or not hmac.compare_digest(given, expected):
        log.warning("Telegram webhook: missing or wrong secret token from %s", request.remote)
        raise web.HTTPForbidden()
    channel = request.app[TELEGRAM]
    if not channel.ready:
        raise web.HTTPServiceUnavailable(text="starting")  # Telegram delivers the update again later
    try:
        data = json_codec.loads(await request.read())  # orjson: nesting beyond 1024 levels is a decode error
    except json_codec.JSONDecodeError:  # also invalid UTF-8
        raise bad_request("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise bad_request("not a Telegram update")
    if nested_deeper_than(data, MAX_DEPTH):
        log.warning("Telegram webhook: refused update %s, nested deeper than %d levels", data["update_id"], MAX_DEPTH)
        raise bad_request("nested too deeply")
    try:
        update = Update.de_json(data, channel.application.bot)
    except Exception as exc:  # noqa: BLE001 - a kind of update this PTB version cannot read
        # acknowledged and ignored: refusing it would make Telegram hold back every later update behind it
        log.warning(
            "Telegram webhook: ignored update %s that PTB cannot read (%s: %s)",
            data["update_id"],
            type(exc).__name__,
            str(exc)[:200],
        )
        return web.Response(status=200)
    await channel.application.process_update(update)
    return web.Response(status=200)


def nested_deeper_than(value: object, limit: int) -> bool:
    """True when lists and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def setup(app: web.Application) -> None:
    app.router.add_post(PATH, telegram_webhook)
