"""A fake Telegram Bot API server (aiohttp, on a free loopback port) for the real PTB client.

It implements the methods the bot uses — getMe, getFile (and the file download), setWebhook, deleteWebhook,
getWebhookInfo, getUpdates (long polling with offset), sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, sendChatAction — validates parameters the way the real API does (the same error codes and descriptions),
records every call, enforces flood limits (per chat and overall, sliding windows on an injectable monotonic
clock) answering 429 with parameters.retry_after, and can be told to fail the next call of a method.

The test side: `user(chat_id)` builds updates from a resident, `push(update)` hands one to the bot (POST to the
webhook with the secret header when one is set, else queued for getUpdates), `messages(chat_id)` is what the
resident now sees. Run standalone for benchmarks: `python -m tests.support.fake_telegram --port 8081`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import math
import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456789:TEST-fake-bot-token_abcdefghijklmno"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "安居助手",
    "username": "anju_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
RATE_LIMITED = frozenset({"sendMessage"})
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # bots download files of at most 20 MB
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class FloodLimits:
    """At most `per_chat` messages to one chat per `per_chat_period` s, `overall` per `overall_period` s."""

    per_chat: int = 1
    per_chat_period: float = 1.0
    overall: int = 30
    overall_period: float = 1.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class SlidingWindow:
    limit: int
    period: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """0 if one more fits now, else seconds until it does."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.times[0] + self.period - now


class FakeTelegram:
    def __init__(
        self,
        token: str = TOKEN,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        accept_any_chat: bool = False,
        allow_http_webhook: bool = True,  # the real API wants HTTPS; tests serve the webhook on plain loopback
    ) -> None:
        self.token = token
        self.limits = limits
        self.clock = clock
        self.accept_any_chat = accept_any_chat
        self.allow_http_webhook = allow_http_webhook
        self.calls: list[Call] = []
        self.responses: Counter[int] = Counter()
        self.flood_reasons: Counter[str] = Counter()  # which limit each 429 enforced
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.sent: dict[int, list[dict[str, Any]]] = {}  # chat → the bot's messages as they stand now
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._pending: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._queries: dict[str, dict[str, Any]] = {}  # callback_query_id → {"answered": bool, ...}
        self._failures: dict[str, deque[ApiError]] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count] = {}
        self._overall: SlidingWindow | None = None
        self._per_chat: dict[int, SlidingWindow] = {}
        self._sent_event = asyncio.Event()
        self.files: dict[str, bytes] = {}  # file_id → the file (photos and voice messages residents sent)
        self._paths: dict[str, str] = {}  # file_path → file_id
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.url = ""

    # --- server life ----------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeTelegram:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"
        self._client = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        self._new_update.set()  # end pending long polls: the runner waits for open requests
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """What the bot's settings.telegram_api_base should be."""
        return f"{self.url}/bot"

    # --- driving it from a test -----------------------------------------------------------------------------

    def add_chat(self, chat_id: int, first_name: str = "居民") -> dict[str, Any]:
        chat = {"id": chat_id, "type": "private", "first_name": first_name}
        self.chats[chat_id] = chat
        return chat

    def user(self, chat_id: int, first_name: str = "居民") -> UpdateFactory:
        return UpdateFactory(self, self.chats.get(chat_id) or self.add_chat(chat_id, first_name))

    def add_file(self, file_id: str, data: bytes) -> None:
        """The file behind a file_id of an update (getFile and the download then hand it over)."""
        self.files[file_id] = data

    def fail_next(self, method: str, code: int, description: str, retry_after: int | None = None) -> None:
        """The next call of `method` fails with this error (queue several by calling again)."""
        self._failures.setdefault(method, deque()).append(ApiError(code, description, retry_after))

    async def push(self, update: dict[str, Any], times: int = 1) -> list[int]:
        """Hand `update` to the bot `times` times (as Telegram does when it was not acknowledged, or when a bot
        restarted before confirming it); statuses of webhook deliveries, [] when queued for getUpdates."""
        statuses = []
        for _ in range(times):
            if self.webhook is not None:
                statuses.append(await self._deliver(update))
            else:
                self._pending.append(update)
                self._new_update.set()
        return statuses

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return self.sent.get(chat_id, [])

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Until the chat holds at least `count` bot messages."""
        async with asyncio.timeout(timeout):
            while len(self.messages(chat_id)) < count:
                self._sent_event.clear()
                await self._sent_event.wait()
        return self.messages(chat_id)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def _deliver(self, update: dict[str, Any]) -> int:
        assert self.webhook is not None and self._client is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with self._client.post(self.webhook["url"], data=json.dumps(update), headers=headers) as response:
            await response.read()
            self.webhook_deliveries.append((update["update_id"], response.status))
            return response.status

    # --- the API --------------------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, self.clock())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            failures = self._failures.get(method)
            if failures:
                raise failures.popleft()
            result = await handler(params)
        except ApiError as exc:
            call.status = exc.code
            self.responses[exc.code] += 1
            return web.json_response(exc.body(), status=exc.code)
        self.responses[200] += 1
        return web.json_response({"ok": True, "result": result})

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts for a benchmark in another process: responses by status, messages accepted and their span."""
        accepted = [c.at for c in self.calls if c.method == "sendMessage" and c.status == 200]
        return web.json_response(
            {
                "responses": {str(k): v for k, v in self.responses.items()},
                "flood": dict(self.flood_reasons),
                "sent": len(accepted),
                "first": min(accepted, default=0.0),
                "last": max(accepted, default=0.0),
            }
        )

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = _string(params, "file_id")
        if file_id not in self.files:
            raise bad("invalid file_id")
        data = self.files[file_id]
        if len(data) > MAX_DOWNLOAD:
            raise bad("file is too big")
        path = f"files/file_{abs(hash(file_id)) % 10_000}_{len(self._paths)}"
        self._paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": f"u{abs(hash(file_id)) % 10_000}",
            "file_size": len(data),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        """`GET /file/bot<token>/<file_path>`: the file a getFile answer pointed to."""
        self.calls.append(Call("download", {"path": request.match_info["path"]}, self.clock()))
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        file_id = self._paths.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = _string(params, "url", required=False)
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://") and not (self.allow_http_webhook and url.startswith("http://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = _string(params, "secret_token", required=False)
        if secret and not SECRET_PATTERN.match(secret):
            raise bad("secret token contains unallowed characters")
        allowed = _json(params, "allowed_updates", list, required=False)
        if _flag(params, "drop_pending_updates"):
            self._pending.clear()
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if _flag(params, "drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int(params, "offset", required=False)
        limit = _int(params, "limit", required=False) or 100
        if not 1 <= limit <= 100:
            limit = 100
        timeout = _int(params, "timeout", required=False) or 0
        if offset is not None:  # everything before offset is confirmed and forgotten
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0:
            self._new_update.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._new_update.wait()
            except TimeoutError:
                pass
        return self._pending[:limit]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = _string(params, "text", required=False)
        if not text or not text.strip():
            raise bad("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            raise bad("message is too long")
        markup = _markup(params)
        self._flood_check(chat_id)
        message_id = next(self._message_ids.setdefault(chat_id, itertools.count(1)))
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": self.chats[chat_id],
            "date": int(time.time()),
            "text": text,
        }
        if markup is not None:
            message["reply_markup"] = markup
        self.sent.setdefault(chat_id, []).append(message)
        self._sent_event.set()
        return _public(message)

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(params)
        text = _string(params, "text")
        if not text.strip():
            raise bad("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad("MESSAGE_TOO_LONG")
        markup = _markup(params, inline_only=True)
        if text == message["text"] and markup == message.get("reply_markup"):
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        _set_markup(message, markup)
        return _public(message)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(params)
        markup = _markup(params, inline_only=True)
        if markup == message.get("reply_markup"):
            raise bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        _set_markup(message, markup)
        return _public(message)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = _string(params, "callback_query_id")
        query = self._queries.get(query_id)
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = _string(params, "text", required=False)
        if text and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=_flag(params, "show_alert"))
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if _string(params, "action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    # --- checks ---------------------------------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> int:
        raw = params.get("chat_id")
        if raw in (None, ""):
            raise bad("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad("chat not found") from None
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            if not self.accept_any_chat:
                raise bad("chat not found")
            self.add_chat(chat_id)
        return chat_id

    def _own_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        message_id = _int(params, "message_id")
        for message in self.sent.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        raise bad("message to edit not found")

    def _flood_check(self, chat_id: int) -> None:
        if self.limits is None:
            return
        now = self.clock()
        if self._overall is None:
            self._overall = SlidingWindow(self.limits.overall, self.limits.overall_period)
        chat = self._per_chat.setdefault(chat_id, SlidingWindow(self.limits.per_chat, self.limits.per_chat_period))
        overall_wait, chat_wait = self._overall.wait(now), chat.wait(now)
        wait = max(overall_wait, chat_wait)
        if wait > 0:
            self.flood_reasons["overall" if overall_wait > 0 else "per_chat"] += 1
            # FAKE_TELEGRAM_DEBUG=FILE: write the arrival gaps of each overall violation there (tuning margins)
            if overall_wait > 0 and os.environ.get("FAKE_TELEGRAM_DEBUG"):
                stamps = list(self._overall.times)
                gaps = [round((b - a) * 1000) for a, b in zip(stamps, stamps[1:])]
                with open(os.environ["FAKE_TELEGRAM_DEBUG"], "a") as out:
                    out.write(f"429 overall at {now:.3f}: window {stamps[0]:.3f}…{now:.3f}, gaps ms {gaps}\n")
            raise ApiError(429, f"Too Many Requests: retry after {math.ceil(wait)}", retry_after=math.ceil(wait))
        self._overall.times.append(now)
        chat.times.append(now)


class UpdateFactory:
    """Updates as Telegram builds them for one resident's private chat."""

    def __init__(self, fake: FakeTelegram, chat: dict[str, Any]) -> None:
        self.fake = fake
        self.chat = chat
        self.user = {"id": chat["id"], "is_bot": False, "first_name": chat["first_name"], "language_code": "zh-hans"}
        self._message_ids = itertools.count(1)

    def _message(self, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            **content,
        }
        return {"update_id": self.fake.next_update_id(), "message": message}

    def text(self, text: str) -> dict[str, Any]:
        update = self._message(text=text)
        if text.startswith("/"):
            command = text.split()[0]
            update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return update

    def voice(self, seconds: int = 3) -> dict[str, Any]:
        return self._message(
            voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": seconds, "mime_type": "audio/ogg"}
        )

    def location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._message(location={"latitude": latitude, "longitude": longitude})

    def photo(self, caption: str | None = None) -> dict[str, Any]:
        sizes = [{"file_id": f"photo-{w}", "file_unique_id": f"p{w}", "width": w, "height": w} for w in (90, 800)]
        return self._message(photo=sizes, **({"caption": caption} if caption else {}))

    def sticker(self) -> dict[str, Any]:
        return self._message(
            sticker={
                "file_id": "s1",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        )

    def press(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        """The resident taps an inline button of one of the bot's messages (any data: forged ones too)."""
        query_id = f"q{self.fake.next_update_id()}"
        self.fake._queries[query_id] = {"answered": False, "data": data}
        query = {"id": query_id, "from": self.user, "message": _public(message), "chat_instance": "ci-1", "data": data}
        return {"update_id": self.fake.next_update_id(), "callback_query": query}

    def edited(self, text: str) -> dict[str, Any]:
        update = self._message(text=text)
        return {"update_id": update["update_id"], "edited_message": {**update["message"], "edit_date": 1}}

    def answered(self, update: dict[str, Any]) -> dict[str, Any]:
        """How the fake recorded the answer to this update's callback query."""
        return self.fake._queries[update["callback_query"]["id"]]


# --- parameter parsing, as lenient and as strict as the real API ------------------------------------------------


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.can_read_body:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return params


def _string(params: dict[str, Any], name: str, required: bool = True) -> str:
    value = params.get(name)
    if value is None:
        if required:
            raise bad(f"{name} is empty")
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _int(params: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise bad(f"{name} is empty")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"wrong {name} specified") from None


def _flag(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1"}


def _json(params: dict[str, Any], name: str, kind: type, required: bool = True) -> Any:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise bad(f"{name} is empty")
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise bad(f"can't parse {name} JSON object") from None
    if not isinstance(value, kind):
        raise bad(f'field "{name}" must be of type {kind.__name__}')
    return value


def _markup(params: dict[str, Any], inline_only: bool = False) -> dict[str, Any] | None:
    markup = _json(params, "reply_markup", dict, required=False)
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is None and "url" not in button:
                    raise bad(
                        "can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
                        "of the optional fields"
                    )
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad("BUTTON_DATA_INVALID")
        return markup
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
            raise bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad("keyboard button text is empty")
        return markup
    if markup.get("remove_keyboard") is True or "force_reply" in markup:
        return markup
    raise bad("can't parse reply keyboard markup JSON object")


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the API returns it: only an inline keyboard is part of a Message."""
    result = dict(message)
    if "inline_keyboard" not in result.get("reply_markup", {}):
        result.pop("reply_markup", None)
    return result


def main() -> None:  # pragma: no cover - used by the benchmark
    parser = argparse.ArgumentParser(description="fake Telegram Bot API server")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--overall", type=int, default=30)
    parser.add_argument("--per-chat", type=int, default=1)
    args = parser.parse_args()

    # a benchmark's yardstick: no pauses of its own (a full garbage collection would bunch arrival times)
    gc.disable()

    async def run() -> None:
        fake = FakeTelegram(limits=FloodLimits(per_chat=args.per_chat, overall=args.overall), accept_any_chat=True)
        await fake.start(port=args.port)
        print(f"fake Telegram on {fake.url}, token {fake.token}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":  # pragma: no cover
    main()
