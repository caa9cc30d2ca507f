"""Messages to WeChat residents through the customer-service message API (`/cgi-bin/message/custom/send`) —
the outbox Sender port, and the 5-second rule's late replies. Errors mapped to RetryLater / Undeliverable.

Past the customer-service window (48 hours without a message from the resident, or the window's quota used — as
counted here, or as WeChat answers with 45015 / 45047) a case notice goes as the county's template message
(`/cgi-bin/message/template/send`) or subscribe notice (`/cgi-bin/message/subscribe/bizsend`,
bot/channels/wechat/templates.py) when one is configured; otherwise, and for messages that are not case notices,
it is undeliverable (查进度 shows the resident what could not be pushed, and why when WeChat said: 43101, the
resident has not subscribed to the notice or cancelled it)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.channels.wechat.render import render
from bot.channels.wechat.templates import NoticeKind, NoticeTemplate
from bot.channels.wechat.tokens import TOKEN_ERRORS, AccessTokens
from bot.channels.wechat.window import ServiceWindow, WindowClosed
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
WINDOW_CODES = frozenset({45015, 45047})  # the window is closed: a template message may still go
TEMPLATE_BUSY = frozenset({-1, 45009})  # system busy, the day's calls used up: try again later
# 订阅通知: the resident refused the notice, never subscribed to it, or cancelled it (sendNewSubscribeMsg's errors)
NOT_SUBSCRIBED = 43101
NOT_SUBSCRIBED_REASON = (
    "您没有订阅（或已取消订阅）公众号的案件进展通知，所以没能主动推送；如需推送，请在公众号里重新订阅"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WeChatSender:
    channel = Channel.WECHAT.value

    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_base: str,
        tokens: AccessTokens,
        window: ServiceWindow,
        template: NoticeTemplate | None = None,
        notice_url: str = "",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._http = http
        self._url = api_base.rstrip("/") + "/cgi-bin/message/custom/send"
        self._api_base = api_base.rstrip("/")
        self._tokens = tokens
        self._window = window
        self._template = template
        self._notice_url = notice_url
        self._clock = clock

    async def send(self, user_key: str, message: Outbound) -> None:
        try:
            opened = await self._window.check(user_key)
        except WindowClosed as closed:
            await self._as_template(user_key, message, closed)
            return
        for n, text in enumerate(render(message)):
            try:
                await self._window.take(user_key, opened)  # before the call: two workers cannot both spend the last
                await self._post(user_key, text, opened)
            except RetryLater:
                await self._window.give_back(user_key, opened)
                raise
            except WindowClosed as closed:
                if n > 0:
                    raise  # part of it went: the rest is not sent as a template (查进度 shows the whole reply)
                await self._as_template(user_key, message, closed)
                return

    async def _as_template(self, openid: str, message: Outbound, closed: WindowClosed) -> None:
        """The notice as a template message or subscribe notice, when there is a template and the message is a
        case notice."""
        template = self._template
        if template is None or not message.notice:
            raise closed
        body = template.body(openid, dict(message.notice), self._notice_url, self._clock())
        name = template.path.removeprefix("/cgi-bin/message/")
        data = await self._call(self._api_base + template.path, body, name)
        code = data.get("errcode", 0)
        if code == 0:
            return
        if code in TEMPLATE_BUSY:
            raise RetryLater(3600 if code == 45009 else 10, f"wechat {name} errcode {code}")
        if template.kind == NoticeKind.SUBSCRIBE and code == NOT_SUBSCRIBED:
            raise Undeliverable(
                "wechat subscribe 43101: the resident refused, never subscribed or cancelled", NOT_SUBSCRIBED_REASON
            )
        if code in UNDELIVERABLE:
            raise Undeliverable(f"{name}: {UNDELIVERABLE[code]}")
        # 40037 (template id), 47003 (data) and the like: retrying cannot help; the resident still sees it in 查进度
        log.warning(
            "WeChat %s errcode %s: %s (check %s and %s)", name, code, data.get("errmsg"), *template.settings_names
        )
        raise Undeliverable(f"wechat {name} errcode {code}: check the template id and fields")

    async def _post(self, openid: str, text: str, opened: datetime) -> None:
        data = await self._call(
            self._url, {"touser": openid, "msgtype": "text", "text": {"content": text}}, "custom/send"
        )
        code = data.get("errcode", 0)
        if code == 0:
            return
        if code == 45047:
            await self._window.exhausted(openid, opened)
        if code in WINDOW_CODES:
            raise WindowClosed(UNDELIVERABLE[code])
        if code in UNDELIVERABLE:
            raise Undeliverable(UNDELIVERABLE[code])
        log.warning("WeChat custom/send errcode %s: %s", code, data.get("errmsg"))
        raise RetryLater(10 if code == -1 else 60, f"wechat errcode {code}")

    async def _call(self, url: str, payload: dict[str, Any], name: str) -> dict[str, Any]:
        """POST `payload` with the access_token (fetched again once when WeChat calls it invalid); the answer, with
        errcode -1 when it is not a JSON object."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in range(2):
            token = await self._tokens.get()
            try:
                async with self._http.post(
                    url,
                    params={"access_token": token},
                    data=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                ) as response:
                    data = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise RetryLater(10, f"wechat {name}: {type(exc).__name__}") from exc
            if not isinstance(data, dict):
                return {"errcode": -1}
            if data.get("errcode", 0) in TOKEN_ERRORS and attempt == 0:
                self._tokens.invalidate(token)
                continue
            return data
        raise RetryLater(60, "wechat: access_token refused twice")
