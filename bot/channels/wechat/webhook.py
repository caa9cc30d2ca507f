"""`GET /wechat` (URL verification) and `POST /wechat` (messages and events), in this order:
size cap (Content-Length) → signature → timestamp freshness → bounded read → (plain mode: the signed URL not
replayed with another body, replay.py) → entity-safe parse → (safe mode: msg_signature over Encrypt, decryption,
appid) → Inbound → core within the reply budget → passive reply.

Anything forged, stale, oversized or malformed is a fast 4xx, logged, and nothing reaches the core."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.channels.wechat import signature
from bot.channels.wechat.channel import WECHAT, WeChatChannel
from bot.channels.wechat.crypto import CryptoError
from bot.channels.wechat.inbound import to_inbound, typed_number
from bot.channels.wechat.render import merge, render
from bot.channels.wechat.xml_messages import XmlError, encrypted_reply, parse_xml, text_reply
from bot.core.shown import last_shown_buttons

log = logging.getLogger(__name__)
PATH = "/wechat"
SUCCESS = "success"  # WeChat's "received, nothing to say now"


def _reject(status: int, reason: str, request: web.Request) -> web.HTTPException:
    log.warning("WeChat %s %s refused (%d): %s", request.method, request.path, status, reason)
    if status == 403:
        return web.HTTPForbidden(text=reason)
    if status == 413:
        cap = request.app[WECHAT].settings.wechat_max_body_bytes
        return web.HTTPRequestEntityTooLarge(max_size=cap, actual_size=request.content_length or cap + 1)
    return web.HTTPBadRequest(text=reason)


def _check_signed(request: web.Request, channel: WeChatChannel) -> tuple[str, str]:
    """The request's timestamp and nonce, once its signature and freshness are checked."""
    q = request.query
    timestamp, nonce, sig = q.get("timestamp", ""), q.get("nonce", ""), q.get("signature", "")
    if not sig or not signature.verify(sig, channel.settings.wechat_token, timestamp, nonce):
        raise _reject(403, "bad signature", request)
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise _reject(400, "bad timestamp", request)
    skew = abs(channel.now_seconds() - int(timestamp))
    if skew > channel.settings.wechat_max_clock_skew:
        raise _reject(400, f"timestamp {skew} s away from now", request)
    return timestamp, nonce


async def wechat_verify(request: web.Request) -> web.Response:
    """URL verification when the server address is saved in the Official Account console: echo `echostr`."""
    _check_signed(request, request.app[WECHAT])
    echo = request.query.get("echostr", "")
    if not echo or len(echo) > 128:
        raise _reject(400, "no echostr", request)
    return web.Response(text=echo, content_type="text/plain")


async def wechat_message(request: web.Request) -> web.Response:
    channel = request.app[WECHAT]
    cap = channel.settings.wechat_max_body_bytes
    if request.content_length is not None and request.content_length > cap:
        raise _reject(413, "body too large", request)
    timestamp, nonce = _check_signed(request, channel)
    body = await request.content.read(cap + 1)
    if len(body) > cap:
        raise _reject(413, "body too large", request)
    safe = request.query.get("encrypt_type", "raw") == "aes"
    if safe != (channel.crypto is not None):
        raise _reject(400, "encryption mode does not match the configuration", request)
    if channel.replay is not None and not await channel.replay.admit(
        request.query["signature"], timestamp, nonce, body
    ):
        raise _reject(403, "signed URL replayed with another body", request)
    try:
        fields = parse_xml(body)
        if channel.crypto is not None:
            encrypted = fields.get("Encrypt", "")
            msg_sig = request.query.get("msg_signature", "")
            if not encrypted or not signature.verify(
                msg_sig, channel.settings.wechat_token, timestamp, nonce, encrypted
            ):
                raise _reject(403, "bad msg_signature", request)
            fields = parse_xml(channel.crypto.decrypt(encrypted).encode())
    except (XmlError, CryptoError) as exc:
        raise _reject(400, str(exc), request) from None

    shown = None
    if typed_number(fields) is not None:
        shown = await last_shown_buttons(channel.engine, "wechat", fields.get("FromUserName", ""))
    inbound = to_inbound(fields, channel.settings.max_text_chars, shown)
    if inbound is None:
        return _success()
    replies = await channel.late.replies_within_budget(inbound)
    if not replies:
        return _success()
    first, *rest = render(merge(replies))
    if rest:  # longer than one WeChat message: the rest follows through the customer-service API
        channel.send_later(inbound.user_key, rest)
    xml = text_reply(fields.get("FromUserName", ""), fields.get("ToUserName", ""), channel.now_seconds(), first)
    if channel.crypto is not None:
        reply_nonce = secrets.token_hex(8)
        reply_ts = str(channel.now_seconds())
        encrypted = channel.crypto.encrypt(xml)
        xml = encrypted_reply(
            encrypted,
            signature.sign(channel.settings.wechat_token, reply_ts, reply_nonce, encrypted),
            reply_ts,
            reply_nonce,
        )
    return web.Response(text=xml, content_type="application/xml")


def _success() -> web.Response:
    return web.Response(text=SUCCESS, content_type="text/plain")


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, wechat_verify)
    app.router.add_post(PATH, wechat_message)
