"""The OpenAI-compatible transcription API: `POST {base}/v1/audio/transcriptions`, multipart `file`, `model`,
optional `language`, `response_format=json` → `{"text": …}`. Self-hosted servers (FunASR's, faster-whisper based
ones) and cloud vendors serve it; the key, when set, goes in `Authorization: Bearer` and nowhere else."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from bot.db import json_codec
from bot.speech.port import Audio, Failure, SpeechError

log = logging.getLogger(__name__)
MAX_ANSWER = 64 * 1024


def transcriptions_url(base: str) -> str:
    """`http://host:8000` and `http://host:8000/v1` both mean the server's /v1/audio/transcriptions."""
    base = base.rstrip("/")
    return f"{base}/audio/transcriptions" if base.endswith("/v1") else f"{base}/v1/audio/transcriptions"


class OpenAiTranscriber:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        model: str,
        key: str = "",
        language: str = "",
        timeout: float = 15.0,
    ) -> None:
        self._http = http
        self._url = transcriptions_url(base_url)
        self._model = model
        self._key = key
        self._language = language
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"OpenAiTranscriber(url={self._url!r}, model={self._model!r}, key={'***' if self._key else ''!r})"

    async def transcribe(self, audio: Audio) -> str:
        form = aiohttp.FormData()
        form.add_field("file", audio.data, filename=audio.filename, content_type=audio.content_type)
        form.add_field("model", self._model)
        form.add_field("response_format", "json")
        if self._language:
            form.add_field("language", self._language)
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        try:
            async with self._http.post(self._url, data=form, headers=headers, timeout=self._timeout) as response:
                body = await response.content.read(MAX_ANSWER)
                if response.status != 200:
                    log.warning(
                        "speech-to-text answered %d: %s", response.status, body[:200].decode("utf-8", "replace")
                    )
                    raise SpeechError(Failure.FAILED, f"HTTP {response.status}")
        except TimeoutError:
            raise SpeechError(Failure.TIMEOUT, self._url) from None
        except aiohttp.ClientError as exc:
            raise SpeechError(Failure.FAILED, type(exc).__name__) from None
        except asyncio.CancelledError:
            raise
        try:
            data = json_codec.loads(body)
        except json_codec.JSONDecodeError:
            raise SpeechError(Failure.FAILED, "the answer is not JSON") from None
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise SpeechError(Failure.FAILED, "no text in the answer")
        return text.strip()
