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


Keep = Callable[[Inbound, bytes], Awaitable[str]]  # stores a recording (WAV) for staff; its attachment id


class Hearing:
    def __init__(
        self, stt: SpeechToText, max_chars: int, max_bytes: int, max_seconds: int, keep: Keep | None = None
    ) -> None:
        self.stt = stt
        self.keep = keep
        self.max_chars = max_chars
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds

    async def hear(self, inbound: Inbound, recording: Callable[[], Awaitable[bytes]]) -> Inbound:
        """`inbound` (a voice message) with what was heard; `recording` fetches its bytes (SpeechError if not)."""
        payload = dict(inbound.payload)
        try:
            data = await recording()
            if len(data) > self.max_bytes:
                raise SpeechError(Failure.FAILED, f"recording of {len(data)} bytes")
            audio = await to_wav(data, self.max_seconds)
            payload.update(await self._kept(inbound, audio.data))
            text = clean_input(await self.stt.transcribe(audio), self.max_chars)
            if not text:
                raise SpeechError(Failure.EMPTY)
        except SpeechError as exc:
            log.info("voice message %s not transcribed: %s", inbound.dedupe_key, exc)
            return replace(inbound, kind=InboundKind.VOICE, text="", payload={**payload, "stt": exc.failure.value})
        return replace(inbound, kind=InboundKind.VOICE, text=text, payload={**payload, "heard": True})

    async def _kept(self, inbound: Inbound, wav: bytes) -> dict[str, str]:
        """The recording stored for staff (a form links it to its case): {"recording_id": …}; {} if it cannot be."""
        if self.keep is None:
            return {}
        try:
            return {"recording_id": await self.keep(inbound, wav)}
        except Exception:
            log.exception("voice message %s: the recording could not be stored", inbound.dedupe_key)
            return {}
