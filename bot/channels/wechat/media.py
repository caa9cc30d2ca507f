"""WeChat's temporary media (`GET /cgi-bin/media/get?access_token=…&media_id=…`): the photo or voice file of a
resident's message, which WeChat keeps for 3 days. On success the body is the file; on failure a JSON errcode
(40007: invalid media_id — unknown or expired; token errors are retried once with a fresh access_token).

Also the channel's preparation of a message for the core: a photo is registered in the attachment store and
fetched in the background; a voice message without `Recognition` is downloaded, transcoded and transcribed."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import aiohttp

from bot.attachments.fetcher import AttachmentFetcher, Media, MediaUnavailable
from bot.channels.wechat.tokens import TOKEN_ERRORS, AccessTokens
from bot.core.messages import Inbound, InboundKind
from bot.db import json_codec
from bot.outbox.ports import RetryLater
from bot.speech.hearing import Hearing
from bot.speech.port import Failure, SpeechError

log = logging.getLogger(__name__)
KEPT_FOR = timedelta(days=3)  # WeChat deletes temporary media 3 days after it was sent
GONE = frozenset({40007})  # invalid media_id: unknown, or expired


class WeChatMedia:
    """The MediaSource (bot/attachments/fetcher.py) of WeChat."""

    def __init__(self, http: aiohttp.ClientSession, api_base: str, tokens: AccessTokens, max_bytes: int) -> None:
        self._http = http
        self._url = api_base.rstrip("/") + "/cgi-bin/media/get"
        self._tokens = tokens
        self._max_bytes = max_bytes

    async def download(self, source: str) -> Media:
        for attempt in range(2):
            try:
                token = await self._tokens.get()
            except RetryLater as exc:
                raise MediaUnavailable(f"no access_token: {exc}") from None
            try:
                async with self._http.get(self._url, params={"access_token": token, "media_id": source}) as response:
                    content_type = response.content_type
                    body = await response.content.read(self._max_bytes + 1)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise MediaUnavailable(f"wechat media/get: {exc!r}") from None
            if status != 200:
                raise MediaUnavailable(f"wechat media/get: HTTP {status}")
            if content_type in ("application/json", "text/plain") or body[:1] == b"{":
                code = _errcode(body)
                if code in TOKEN_ERRORS and attempt == 0:
                    self._tokens.invalidate(token)
                    continue
                raise MediaUnavailable(f"wechat media/get: errcode {code}", retry=code not in GONE)
            return Media(body, content_type)
        raise MediaUnavailable("wechat media/get: access_token refused twice")

    async def recording(self, source: str) -> bytes:
        """A voice message's file, for Hearing (SpeechError when WeChat does not hand it over)."""
        try:
            return (await self.download(source)).data
        except MediaUnavailable as exc:
            raise SpeechError(Failure.UNAVAILABLE, str(exc)) from None


def _errcode(body: bytes) -> int:
    try:
        data = json_codec.loads(body)
    except json_codec.JSONDecodeError:
        return -1
    code = data.get("errcode", -1) if isinstance(data, dict) else -1
    return code if isinstance(code, int) else -1


class WeChatMediaIntake:
    """What the WeChat channel does with a photo or a voice message before the core reads it."""

    def __init__(self, media: WeChatMedia | None, fetcher: AttachmentFetcher | None, hearing: Hearing | None) -> None:
        self._media = media
        self._fetcher = fetcher
        self._hearing = hearing
        if media is not None and fetcher is not None:
            fetcher.sources["wechat"] = media

    async def prepare(self, inbound: Inbound) -> Inbound:
        media_id = str(inbound.payload.get("media_id") or inbound.payload.get("file_id") or "")
        if not media_id:
            return inbound
        if inbound.kind is InboundKind.IMAGE and self._fetcher is not None:
            attachment_id = await self._fetcher.receive(
                inbound.channel, inbound.user_key, inbound.dedupe_key, media_id, keep_for=KEPT_FOR
            )
            return replace(inbound, payload={**inbound.payload, "attachment_id": attachment_id})
        if inbound.kind is InboundKind.VOICE and not inbound.text and self._hearing is not None:
            media = self._media
            if media is None:
                return replace(inbound, payload={**inbound.payload, "stt": Failure.UNAVAILABLE.value})
            return await self._hearing.hear(inbound, lambda: media.recording(media_id))
        return inbound
