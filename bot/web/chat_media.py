"""The web chat's photos and voice: `POST /api/chat/photo` and `POST /api/chat/voice`, multipart with `session`,
`id` (as in /api/chat) and `file` → the same `{"replies": [...], "session": ...}` as /api/chat.

A photo is checked, cleaned and stored before the core sees it (bot/attachments); a recording (the browser's
MediaRecorder: WebM or Ogg with Opus, or MP4) goes to the speech-to-text port. Too large → 413, not a photo,
malformed → 400, each with `{"error": "<a sentence for the resident>"}`."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from bot import keys
from bot.attachments.images import ImageRefused
from bot.cases.lookups import client_digest
from bot.core.messages import Channel, Inbound, InboundKind
from bot.db import json_codec
from bot.web.chat import MESSAGE_ID_PATTERN, SESSION_PATTERN, client_address

FIELD_LIMIT = 256


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


async def _read(request: web.Request, max_bytes: int) -> tuple[dict[str, str], bytes] | web.Response:
    """The text fields and the file of a multipart body, or the error response to send."""
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        return _error(413, f"文件太大（超过 {max_bytes / 1024 / 1024:.0f} MB），请换一个小一些的。")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        return _error(400, "请求格式不对，请刷新页面后再试。")
    fields: dict[str, str] = {}
    data = b""
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                return _error(400, "请求格式不对，请刷新页面后再试。")
            if part.name == "file":
                chunks, size = [], 0
                while chunk := await part.read_chunk(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        return _error(413, f"文件太大（超过 {max_bytes / 1024 / 1024:.0f} MB），请换一个小一些的。")
                    chunks.append(chunk)
                data = b"".join(chunks)
            elif part.name in ("session", "id"):
                raw = await part.read(decode=False)
                if len(raw) > FIELD_LIMIT:
                    return _error(400, "请求格式不对，请刷新页面后再试。")
                fields[part.name] = raw.decode("utf-8", "replace")
    except ValueError:
        return _error(400, "请求格式不对，请刷新页面后再试。")
    if not data:
        return _error(400, "没有收到文件，请重新选择。")
    return fields, data


def _session(fields: dict[str, str]) -> tuple[str, str] | web.Response:
    session, message_id = fields.get("session", ""), fields.get("id", "")
    if not SESSION_PATTERN.match(session) or not MESSAGE_ID_PATTERN.match(message_id):
        return _error(400, "会话已过期，请刷新页面后再试。")
    return session, f"{session}:{message_id}"


async def _answer(request: web.Request, inbound: Inbound) -> web.Response:
    replies = await request.app[keys.DIALOGUE].handle(inbound)
    body = json_codec.dumps_bytes({"replies": [r.to_json() for r in replies], "session": inbound.user_key})
    return web.Response(body=body, content_type="application/json", charset="utf-8")


async def api_photo(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    read = await _read(request, settings.attachment_max_bytes)
    if isinstance(read, web.Response):
        return read
    fields, data = read
    ids = _session(fields)
    if isinstance(ids, web.Response):
        return ids
    session, dedupe = ids
    try:
        attachment_id = await request.app[keys.ATTACHMENTS].keep_upload(Channel.WEB, session, dedupe, data)
    except ImageRefused as exc:
        return _error(400, str(exc))
    client = client_digest(client_address(request))
    return await _answer(
        request,
        Inbound(
            Channel.WEB,
            session,
            dedupe,
            InboundKind.IMAGE,
            "",
            {"client": client, "file_id": attachment_id, "attachment_id": attachment_id},
        ),
    )


async def api_voice(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    read = await _read(request, settings.voice_max_bytes)
    if isinstance(read, web.Response):
        return read
    fields, data = read
    ids = _session(fields)
    if isinstance(ids, web.Response):
        return ids
    session, dedupe = ids
    client = client_digest(client_address(request))
    inbound = Inbound(Channel.WEB, session, dedupe, InboundKind.VOICE, "", {"client": client})

    async def recording() -> bytes:
        return data

    return await _answer(request, await request.app[keys.HEARING].hear(inbound, recording))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/chat/photo", api_photo)
    app.router.add_post("/api/chat/voice", api_voice)
