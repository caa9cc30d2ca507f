"""Photos and voice from WeChat: a photo is fetched through media/get into the attachment store (without its
GPS) and linked to the complaint it was sent with; a voice message without `Recognition` is transcoded from AMR,
transcribed by the speech server and answered; a timeout, silence or an expired file get the polite fallback."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image
from sqlalchemy import select

from bot.app import create_app
from bot.attachments.fetcher import full_key
from bot.attachments.models import Attachment
from bot.attachments.store import DirectoryStore
from bot.cases.models import Case
from bot.media import ATTACHMENTS
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channels.wechat.conftest import numbered, wechat_settings
from tests.support.clock import FakeClock
from tests.support.fake_stt import FakeSpeechServer
from tests.support.fake_wechat import FakeWeChatApi
from tests.support.media_files import amr_noise, photo, speex_ogg
from tests.support.wechat_client import WeChatResident

attachments = Attachment.__table__
cases = Case.__table__


@pytest.fixture
async def speech() -> AsyncIterator[FakeSpeechServer]:
    server = await FakeSpeechServer(key="stt-test-key").start()
    yield server
    await server.close()


@pytest.fixture
async def media_client(
    wechat_api: FakeWeChatApi,
    speech: FakeSpeechServer,
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,
    tmp_path: Path,
    safe: bool,
) -> TestClient:
    configured = wechat_settings(
        settings,
        wechat_api,
        safe,
        stt_url=speech.url,
        stt_key="stt-test-key",
        stt_model="test-model",
        stt_timeout=0.5,
        attachments_dir=tmp_path / "attachments",
        attachment_retry_interval=0,
    )
    return await aiohttp_client(create_app(configured, clock=clock, knowledge=kb))


@pytest.fixture
def resident(media_client: TestClient, clock: FakeClock, safe: bool) -> WeChatResident:
    from tests.support.fake_wechat import APP_ID

    return WeChatResident(media_client, clock, safe=safe, app_id=APP_ID)


async def test_voice_without_recognition_is_transcribed_and_answered(
    resident: WeChatResident, wechat_api: FakeWeChatApi, speech: FakeSpeechServer
) -> None:
    wechat_api.add_media("voice-amr-1", amr_noise(), "audio/amr")
    speech.say("过渡费怎么发")
    (reply,) = await resident.deliver(resident.voice_xml(None, media_id="voice-amr-1"))
    assert "我听到的是：过渡费怎么发" in reply.text
    assert "临时安置费" in reply.text and "依据：" in reply.text  # answered as if typed
    assert "不对，我重新说或打字" in reply.text
    (heard,) = speech.received
    assert (heard.model, heard.language, heard.sample_rate, heard.channels) == ("test-model", "zh", 16_000, 1)


async def test_a_speex_voice_message_is_transcoded_by_ffmpeg_and_answered(
    resident: WeChatResident, wechat_api: FakeWeChatApi, speech: FakeSpeechServer
) -> None:
    """Format=speex: a real Speex recording (libspeex, wideband, Ogg) reaches the transcription server as the
    16 kHz mono WAV every such server reads, its length kept."""
    wechat_api.add_media("voice-speex-1", speex_ogg(2.0), "voice/speex")
    speech.say("过渡费怎么发")
    (reply,) = await resident.deliver(resident.voice_xml(None, media_id="voice-speex-1", fmt="speex"))
    assert "我听到的是：过渡费怎么发" in reply.text and "临时安置费" in reply.text
    (heard,) = speech.received
    assert (heard.sample_rate, heard.channels, heard.content_type) == (16_000, 1, "audio/wav")
    with wave.open(io.BytesIO(heard.data)) as w:  # ffmpeg writing to a pipe leaves the header's length open
        seconds = len(w.readframes(10**9)) / (w.getsampwidth() * w.getframerate())
    assert 1.9 <= seconds <= 2.1  # the whole recording, not a fragment


async def test_a_transcription_timeout_gets_the_polite_fallback(
    resident: WeChatResident, wechat_api: FakeWeChatApi, speech: FakeSpeechServer
) -> None:
    wechat_api.add_media("voice-amr-2", amr_noise(), "audio/amr")
    speech.hang()
    (reply,) = await resident.deliver(resident.voice_xml(None, media_id="voice-amr-2"))
    assert "语音暂时无法识别" in reply.text and "打字" in reply.text and "12345" in reply.text
    assert len(speech.received) == 1


async def test_an_expired_voice_file_gets_the_polite_fallback(
    resident: WeChatResident, speech: FakeSpeechServer
) -> None:
    (reply,) = await resident.deliver(resident.voice_xml(None, media_id="gone-after-3-days"))
    assert "语音暂时无法识别" in reply.text and "12345" in reply.text
    assert speech.received == []


async def _choose(resident: WeChatResident, label: str) -> str:
    choices = numbered(resident.last.text if resident.last else "")
    assert label in choices, (label, choices)
    return (await resident.say(str(choices[label]))).text


async def _start_complaint(resident: WeChatResident) -> None:
    """登记诉求 from the menu, up to its address question."""
    await resident.deliver(resident.event_xml("CLICK", "intent:complaint"))
    await _choose(resident, "补偿款没按时发")
    await _choose(resident, "西街片区")


async def test_correcting_what_was_heard_in_a_form_goes_back_to_its_question(
    resident: WeChatResident, wechat_api: FakeWeChatApi, speech: FakeSpeechServer
) -> None:
    await _start_complaint(resident)
    wechat_api.add_media("voice-amr-3", amr_noise(), "audio/amr")
    speech.say("东关街十八号")
    (heard,) = await resident.deliver(resident.voice_xml(None, media_id="voice-amr-3"))
    assert "我听到的是：东关街十八号" in heard.text
    assert "发生了什么" in heard.text  # the address was taken, the next question asked
    corrected = await _choose(resident, "不对，我重新说或打字")
    assert "请再说一遍" in corrected and "具体地址" in corrected  # back to the address question


async def test_a_photo_in_a_complaint_is_fetched_without_its_gps_and_linked_to_the_case(
    resident: WeChatResident, wechat_api: FakeWeChatApi, media_client: TestClient, tmp_path: Path
) -> None:
    wechat_api.add_media("photo-1", photo(gps=True), "image/jpeg")
    await _start_complaint(resident)
    (got,) = await resident.deliver(resident.image_xml(media_id="photo-1"))
    assert "收到图片" in got.text
    await media_client.app[ATTACHMENTS].drain()
    engine = media_client.app[ATTACHMENTS].engine
    async with engine.connect() as conn:
        row = (await conn.execute(select(attachments))).one()
    assert (row.status, row.channel, row.width, row.height) == ("stored", "wechat", 800, 600)
    stored = await DirectoryStore(tmp_path / "attachments").get(full_key(row.id))
    assert stored is not None and b"TestPhone" not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}  # no EXIF at all: no GPS, no camera
    assert len(row.id) >= 24  # unguessable

    for answer in ("西街社区5号", "协议签了两个月，补偿款还没到账", "尽快支付", "13800138000"):
        await resident.say(answer)
    assert "图片：1 张" in resident.last.text
    assert "AJ-" in await _choose(resident, "确认提交")
    async with engine.connect() as conn:
        details = (await conn.execute(select(cases.c.details))).scalar_one()
    assert [a["attachment_id"] for a in details["attachments"]] == [row.id]


async def test_a_failed_download_leaves_the_complaint_intact_and_is_retried(
    resident: WeChatResident, wechat_api: FakeWeChatApi, media_client: TestClient, clock: FakeClock
) -> None:
    wechat_api.fail_media_next(-1)  # system busy
    await _start_complaint(resident)
    (got,) = await resident.deliver(resident.image_xml(media_id="photo-2"))
    assert "收到图片" in got.text
    fetcher = media_client.app[ATTACHMENTS]
    await fetcher.drain()
    async with fetcher.engine.connect() as conn:
        row = (await conn.execute(select(attachments))).one()
    assert row.status == "pending" and "自动重试" in row.error
    wechat_api.add_media("photo-2", photo(), "image/jpeg")
    clock.advance(minutes=2)
    assert await fetcher.retry_due() == 1
    await fetcher.drain()
    async with fetcher.engine.connect() as conn:
        assert (await conn.execute(select(attachments.c.status))).scalar_one() == "stored"


async def test_a_file_that_is_not_an_image_is_refused_with_a_reason(
    resident: WeChatResident, wechat_api: FakeWeChatApi, media_client: TestClient
) -> None:
    wechat_api.add_media("photo-3", b"%PDF-1.7 not a picture", "image/jpeg")
    await _start_complaint(resident)
    await resident.deliver(resident.image_xml(media_id="photo-3"))
    fetcher = media_client.app[ATTACHMENTS]
    await fetcher.drain()
    async with fetcher.engine.connect() as conn:
        row = (await conn.execute(select(attachments))).one()
    assert row.status == "refused" and "不是能打开的图片" in row.error


async def test_a_spoken_answer_in_a_complaint_keeps_its_recording_with_the_case(
    resident: WeChatResident,
    wechat_api: FakeWeChatApi,
    speech: FakeSpeechServer,
    media_client: TestClient,
    tmp_path: Path,
) -> None:
    await _start_complaint(resident)
    await resident.say("西街社区5号")
    wechat_api.add_media("voice-amr-9", amr_noise(2.0), "audio/amr")
    speech.say("协议签了两个月补偿款还没到账")
    (heard,) = await resident.deliver(resident.voice_xml(None, media_id="voice-amr-9"))
    assert "我听到的是：协议签了两个月补偿款还没到账" in heard.text
    for answer in ("尽快支付", "13800138000"):
        await resident.say(answer)
    assert "图片：" not in resident.last.text  # a recording is not counted as a photo
    assert "AJ-" in await _choose(resident, "确认提交")
    engine = media_client.app[ATTACHMENTS].engine
    async with engine.connect() as conn:
        details = (await conn.execute(select(cases.c.details))).scalar_one()
        row = (await conn.execute(select(attachments))).one()
    (kept,) = details["attachments"]
    assert (kept["kind"], kept["attachment_id"], kept["caption"]) == ("voice", row.id, "协议签了两个月补偿款还没到账")
    assert (row.kind, row.status, row.content_type) == ("voice", "stored", "audio/wav")
    wav = await DirectoryStore(tmp_path / "attachments").get(full_key(row.id, "voice"))
    assert wav is not None and wav[:4] == b"RIFF"
