"""Messages to WeChat residents through the customer-service message API (`/cgi-bin/message/custom/send`) —
the outbox Sender port, and the 5-second rule's late replies. Errors mapped to RetryLater / Undeliverable."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import aiohttp

from bot.channels.wechat.render import render
from bot.channels.wechat.tokens import TOKEN_ERRORS, AccessTokens
from bot.channels.wechat.window import ServiceWindow
from bot.core.messages import Channel, Outbound
from bot.outbox.ports import RetryLater, Undeliverable

log = logging.getLogger(__name__)
# errcodes after which this message can never go out
UNDELIVERABLE = {
    45015: "wechat 45015: more than 48 hours since the resident's last message",
    45047: "wechat 45047: message quota of this window used up",
    43004: "wechat 43004: the resident has unsubscribed",
    40003: "wechat 40003: unknown openid",
    43019: "wechat 43019: the resident blocked the account",
    45002: "wechat 45002: message too long",
}


class WeChatSender:
    channel = Channel.WECHAT.value

    def __init__(self, http: aiohttp.ClientSession, api_base: str, tokens: AccessTokens, window: ServiceWindow) -> None:
        self._http = http
        self._url = api_base.rstrip("/") + "/cgi-bin/message/custom/send"
        self._tokens = tokens
        self._window = window

    async def send(self, user_key: str, message: Outbound) -> None:
        opened = await self._window.check(user_key)
        for text in render(message):
            await self._window.take(user_key, opened)  # before the call: two workers cannot both spend the last one
            try:
                await self._post(user_key, text, opened)
            except RetryLater:
                await self._window.give_back(user_key, opened)
                raise

    async def _post(self, openid: str, text: str, opened: datetime) -> None:
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
        for attempt in range(2):
            token = await self._tokens.get()
            try:
                async with self._http.post(self._url, params={"access_token": token}, data=body.encode(),
                                           headers={"Content-Type": "application/json; charset=utf-8"}) as response:
                    data = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise RetryLater(10, f"wechat send: {exc!r}") from exc
            code = data.get("errcode", 0) if isinstance(data, dict) else -1
            if code == 0:
                return
            if code in TOKEN_ERRORS and attempt == 0:
                self._tokens.invalidate(token)
                continue
            if code == 45047:
                await self._window.exhausted(openid, opened)
            if code in UNDELIVERABLE:
                raise Undeliverable(UNDELIVERABLE[code])
            log.warning("WeChat custom/send errcode %s: %s", code, data.get("errmsg") if isinstance(data, dict) else data)
            raise RetryLater(10 if code == -1 else 60, f"wechat errcode {code}")
        raise RetryLater(60, "wechat: access_token refused twice")
