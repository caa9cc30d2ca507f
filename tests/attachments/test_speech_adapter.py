"""The OpenAI-compatible adapter against the fake server: the key goes in the header and nowhere in its repr; a
wrong key, an error and a timeout are SpeechErrors of the right kind; both base URL forms work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.settings import Settings
from bot.speech.openai_api import OpenAiTranscriber, transcriptions_url
from bot.speech.port import Audio, Failure, SpeechError
from tests.support.fake_stt import FakeSpeechServer
from tests.support.media_files import wav

KEY = "sk-very-secret-key"


@pytest.fixture
async def speech() -> AsyncIterator[FakeSpeechServer]:
    server = await FakeSpeechServer(key=KEY).start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def test_both_base_url_forms_mean_the_same_endpoint() -> None:
    assert (
        transcriptions_url("http://h:8000")
        == transcriptions_url("http://h:8000/v1/")
        == "http://h:8000/v1/audio/transcriptions"
    )


def test_the_key_is_hidden_in_settings_and_adapter_reprs(http: aiohttp.ClientSession) -> None:
    settings = Settings.from_env(
        {"ANJU_STT_URL": "http://127.0.0.1:9000", "ANJU_STT_KEY": KEY, "ANJU_STT_MODEL": "paraformer-zh"}
    )
    assert settings.stt_key == KEY and KEY not in repr(settings)
    assert KEY not in repr(OpenAiTranscriber(http, settings.stt_url, settings.stt_model, settings.stt_key))


async def test_transcribes_with_model_language_and_key(speech: FakeSpeechServer, http: aiohttp.ClientSession) -> None:
    speech.say("我家的水管被挖断了")
    stt = OpenAiTranscriber(http, speech.url, "paraformer-zh", KEY, "zh")
    assert await stt.transcribe(Audio(wav())) == "我家的水管被挖断了"
    assert (speech.received[0].model, speech.received[0].language) == ("paraformer-zh", "zh")


@pytest.mark.parametrize(
    ("key", "fail", "failure"),
    [
        ("wrong-key", None, Failure.FAILED),
        (KEY, 500, Failure.FAILED),
    ],
)
async def test_errors_are_speech_errors(
    speech: FakeSpeechServer, http: aiohttp.ClientSession, key: str, fail: int | None, failure: Failure
) -> None:
    if fail is not None:
        speech.fail_next(fail)
    with pytest.raises(SpeechError) as caught:
        await OpenAiTranscriber(http, speech.url, "m", key).transcribe(Audio(wav()))
    assert caught.value.failure is failure and KEY not in str(caught.value)


async def test_a_server_that_does_not_answer_is_a_timeout(
    speech: FakeSpeechServer, http: aiohttp.ClientSession
) -> None:
    speech.hang()
    with pytest.raises(SpeechError) as caught:
        await OpenAiTranscriber(http, speech.url, "m", KEY, timeout=0.2).transcribe(Audio(wav()))
    assert caught.value.failure is Failure.TIMEOUT
