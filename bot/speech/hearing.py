"""A voice message → what the core reads: the same Inbound with the words heard as its text and `heard` in its
payload (the core then says "我听到的是：…" and answers as if typed), or with no text and `stt` telling why —
timeout, failed, unavailable, empty — for the polite fallback (type it, or call the hotline)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.core.messages import Inbound, InboundKind
from bot.speech.port import Failure, SpeechError, SpeechToText
from bot.speech.transcode import to_wav
from knowledge.text import clean_input

log = logging.getLogger(__name__)


class Hearing:
    def __init__(self, stt: SpeechToText, max_chars: int, max_bytes: int, max_seconds: int) -> None:
        self.stt = stt
        self.max_chars = max_chars
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds

    async def hear(self, inbound: Inbound, recording: Callable[[], Awaitable[bytes]]) -> Inbound:
        """`inbound` (a voice message) with what was heard; `recording` fetches its bytes (SpeechError if not)."""
        try:
            data = await recording()
            if len(data) > self.max_bytes:
                raise SpeechError(Failure.FAILED, f"recording of {len(data)} bytes")
            audio = await to_wav(data, self.max_seconds)
            text = clean_input(await self.stt.transcribe(audio), self.max_chars)
            if not text:
                raise SpeechError(Failure.EMPTY)
        except SpeechError as exc:
            log.info("voice message %s not transcribed: %s", inbound.dedupe_key, exc)
            return replace(inbound, kind=InboundKind.VOICE, text="", payload={**inbound.payload, "stt": exc.failure.value})
        return replace(inbound, kind=InboundKind.VOICE, text=text, payload={**inbound.payload, "heard": True})
