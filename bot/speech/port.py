"""The speech-to-text port the channels use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Audio:
    data: bytes
    filename: str = "voice.wav"
    content_type: str = "audio/wav"


class Failure(StrEnum):
    TIMEOUT = "timeout"  # the server did not answer in time
    FAILED = "failed"  # it answered with an error, or the recording could not be read
    UNAVAILABLE = "unavailable"  # no server configured, or the recording could not be fetched
    EMPTY = "empty"  # it heard nothing (silence, noise)


class SpeechError(Exception):
    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure = failure


class SpeechToText(Protocol):
    async def transcribe(self, audio: Audio) -> str:
        """The words heard ("" for none); SpeechError when there is no answer."""
        ...


class NoSpeechToText:
    """No server configured (ANJU_STT_URL unset): every recording is unavailable."""

    async def transcribe(self, audio: Audio) -> str:
        raise SpeechError(Failure.UNAVAILABLE, "ANJU_STT_URL is not set")
