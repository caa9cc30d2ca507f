"""Any recording a channel delivers (WeChat AMR or SPEEX, Telegram's Ogg/Opus, a browser's WebM/Opus or MP4) →
16 kHz mono WAV, which every transcription server reads, through ffmpeg (the Debian package) in a subprocess:
what it reads comes from a pipe, never a file name; the length is capped; a file ffmpeg cannot read is FAILED."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil

from bot.speech.port import Audio, Failure, SpeechError

log = logging.getLogger(__name__)
TIMEOUT = 30.0


async def to_wav(data: bytes, max_seconds: int) -> Audio:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        log.error("ffmpeg is not installed: voice messages cannot be transcribed (apt-get install ffmpeg)")
        raise SpeechError(Failure.UNAVAILABLE, "no ffmpeg")
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-i",
        "pipe:0",
        "-vn",
        "-ac",
        "1",
        "-ar",
        "16000",
        "-t",
        str(max_seconds),
        "-f",
        "wav",
        "pipe:1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(data), TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise SpeechError(Failure.FAILED, "ffmpeg took too long") from None
    if process.returncode != 0 or len(out) <= 44:  # a WAV header and no samples: nothing was decoded
        log.info("ffmpeg could not read a recording (%d bytes): %s", len(data), err[:200].decode("utf-8", "replace"))
        raise SpeechError(Failure.FAILED, "not a recording ffmpeg can read")
    return Audio(out, "voice.wav", "audio/wav")
