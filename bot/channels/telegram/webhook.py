"""`POST /telegram/webhook`: the secret header checked in constant time, the update parsed, processed before
the answer (a crash before the commit makes Telegram deliver it again; a repeat is recognised by update_id).

Forged or missing secret → 403; a body that is not an update → 400; an update of a kind we do not read → 200
and ignored."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot import keys
from bot.channels.telegram.channel import TELEGRAM
from bot.web.errors import bad_request

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
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
        data = json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise bad_request("not a Telegram update")
    try:
        update = Update.de_json(data, channel.application.bot)
    except Exception:  # noqa: BLE001 - a kind of update this PTB version cannot read
        # acknowledged and ignored: refusing it would make Telegram hold back every later update behind it
        log.warning("Telegram webhook: ignored an update PTB cannot read (%s)", data.get("update_id"), exc_info=True)
        return web.Response(status=200)
    await channel.application.process_update(update)
    return web.Response(status=200)


def setup(app: web.Application) -> None:
    app.router.add_post(PATH, telegram_webhook)
