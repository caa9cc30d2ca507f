"""The one logging set-up (`configure_logging`, called by `python -m bot` before anything else runs), the request id
carried through a request's log lines, and the filter that keeps secrets out of every line.

- One handler on the root logger (stderr unless a stream is given); every library logs through it — httpx,
  httpcore, python-telegram-bot, aiohttp — and no module of ours configures logging when it is imported.
- `RedactSecrets`, a filter on that handler (and on any handler `configure_logging` finds on the root logger):
  the values of every secret setting (the `Settings` fields hidden from `repr`: tokens, keys, AppSecret, session
  secret, metrics token …), the password of `DATABASE_URL`, WeChat access tokens, binding codes in a `?bind=`
  address and anything shaped like a Telegram bot token are replaced by `***` in the message, its arguments, the
  exception text and the stack. At INFO httpx's request lines (which carry the bot token in the URL) are not
  written at all; at DEBUG they are, redacted.
- `request_id_middleware` gives each HTTP request an id (the caller's `X-Request-ID` when it is a sane one, else
  a new one), sends it back in the response header and keeps it in a context variable; `AddRequestId` puts it on
  every record (`-` outside a request), so each line of one request's path can be found with one grep.
- `ANJU_LOG_FORMAT=json`: one JSON object per line (`ts`, `level`, `logger`, `request_id`, `message`, `exc`)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.settings import Settings, normalise_database_url

REDACTED = "***"
REQUEST_ID_HEADER = "X-Request-ID"
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Shapes of credentials whatever their source: a Telegram bot token (id:secret), a WeChat access token in a URL
_TOKEN_SHAPES = (
    (re.compile(r"(?<!\d)\d{5,15}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"((?:access_token|secret|appsecret|token)=)[^&\s\"']+", re.IGNORECASE), r"\1" + REDACTED),
    # a one-time binding code in the web chat's address (/chat?bind=…, the sheet's QR codes): access log lines
    (re.compile(r"([?&]bind=)[^&\s\"']+"), r"\1" + REDACTED),
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Libraries whose INFO lines are one per HTTP call (and carry secrets in URLs): written only at DEBUG
_CHATTY = ("httpx", "httpcore", "telegram", "apscheduler", "hpack", "alembic.runtime.plugins")
_MARK = "_anju_handler"


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold: the fields hidden from repr, and DATABASE_URL's password."""
    found: list[str] = []
    for f in fields(settings):
        if f.repr:
            continue
        value = getattr(settings, f.name)
        if f.name == "database_url":
            password = urlsplit(normalise_database_url(str(value))).password
            if password:
                found.append(password)
        elif isinstance(value, str) and value:
            found.append(value)
    return found


class RedactSecrets(logging.Filter):
    """Replaces secrets in a record before any handler formats it: message, arguments, exception and stack text."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        super().__init__()
        self._values: list[str] = []
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Also hide these values (and their URL-encoded forms); values under 4 characters are ignored."""
        for value in values:
            for form in {value, quote(value, safe=""), quote(value)}:
                if len(form) >= 4 and form not in self._values:
                    self._values.append(form)
        self._values.sort(key=len, reverse=True)  # a longer secret first, so that none is left half-replaced

    def redact(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        for pattern, replacement in _TOKEN_SHAPES:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: keep what can be shown
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(_FORMATTER.formatException(record.exc_info))
            record.exc_info = None  # the formatter prints the redacted exc_text, never the raw exception again
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class AddRequestId(logging.Filter):
    """Puts the current request's id on the record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


_FORMATTER = logging.Formatter()


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Install the one handler on the root logger (replacing one installed before), at `settings.log_level`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _MARK, True)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    redact = RedactSecrets(secret_values(settings))
    for each in (*root.handlers, handler):  # handlers others put there (a test's capture) get the filter too
        for old in [f for f in each.filters if isinstance(f, RedactSecrets | AddRequestId)]:
            each.removeFilter(old)
        each.addFilter(redact)
        each.addFilter(AddRequestId())
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.getLogger("jieba").setLevel(max(level, logging.WARNING))
    return handler


def new_request_id() -> str:
    return secrets.token_hex(6)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every log line of this request carries its id; the response says which id it was."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _SANE_REQUEST_ID.fullmatch(given) else new_request_id()
    token = request_id.set(rid)
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[REQUEST_ID_HEADER] = rid
            raise
        response.headers[REQUEST_ID_HEADER] = rid
        return response
    finally:
        request_id.reset(token)
