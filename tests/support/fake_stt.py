"""A fake OpenAI-compatible speech-to-text server (aiohttp, free loopback port): `POST /v1/audio/transcriptions`
with multipart `file`, `model`, optional `language` and `response_format`, answering `{"text": …}` as such servers
do — 401 with an `error` object for a wrong key, 400 for a missing file or model or a file it cannot read.

What it hears is scripted (`say(text)`, once per request in order; `default` after that); a WAV recording whose
samples are all (nearly) zero is silence and answers "" — as whisper servers do. `hang()` holds requests without
an answer (the client's timeout), `fail_next(status)` answers an error. Every request is recorded."""

from __future__ import annotations

import asyncio
import io
import wave
from array import array
from collections import deque
from dataclasses import dataclass

from aiohttp import web

PATH = "/v1/audio/transcriptions"


@dataclass
class Received:
    model: str
    language: str
    filename: str
    content_type: str
    data: bytes
    sample_rate: int  # 0 when the file is not a WAV
    channels: int


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "param": None, "code": None}}, status=status)


class FakeSpeechServer:
    def __init__(self, key: str = "", default: str = "") -> None:
        self.key = key
        self.default = default
        self.received: list[Received] = []
        self._answers: deque[str] = deque()
        self._failures: deque[int] = deque()
        self._hanging = False
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeSpeechServer:
        app = web.Application(client_max_size=25 * 1024 * 1024)
        app.router.add_post(PATH, self._transcribe)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls ---

    def say(self, *texts: str) -> None:
        self._answers.extend(texts)

    def hang(self) -> None:
        """Requests get no answer until close() (the client's timeout ends them)."""
        self._hanging = True

    def fail_next(self, status: int) -> None:
        self._failures.append(status)

    # --- the API ---

    async def _transcribe(self, request: web.Request) -> web.Response:
        if self.key and request.headers.get("Authorization") != f"Bearer {self.key}":
            return _error(401, "Incorrect API key provided.")
        if not request.content_type.startswith("multipart/form-data"):
            return _error(400, "Expected multipart/form-data.")
        form = await request.post()
        file, model = form.get("file"), form.get("model")
        if not isinstance(file, web.FileField):
            return _error(400, "Missing required parameter: 'file'.")
        if not isinstance(model, str) or not model:
            return _error(400, "Missing required parameter: 'model'.")
        data = file.file.read()
        rate, channels, silent = _wav(data)
        language = form.get("language")
        self.received.append(
            Received(
                model,
                language if isinstance(language, str) else "",
                file.filename,
                file.content_type,
                data,
                rate,
                channels,
            )
        )
        if self._hanging:
            await self._release.wait()
            return _error(503, "shutting down", "server_error")
        if self._failures:
            return _error(self._failures.popleft(), "The server had an error.", "server_error")
        if rate == 0:
            return _error(400, "Invalid file format.")
        if silent:
            return web.json_response({"text": ""})
        return web.json_response({"text": self._answers.popleft() if self._answers else self.default})


def _wav(data: bytes) -> tuple[int, int, bool]:
    """(sample rate, channels, all samples near zero) of a 16-bit WAV; (0, 0, False) for anything else."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            if w.getsampwidth() != 2:
                return 0, 0, False
            samples = array("h", w.readframes(w.getnframes()))
            return w.getframerate(), w.getnchannels(), all(abs(s) < 64 for s in samples)
    except (wave.Error, EOFError):
        return 0, 0, False
