"""`POST /api/chat/photo` and `/api/chat/voice`: a photo in a form is kept and counted; bad files get a clear
message and a 4xx and change nothing; a recording is transcribed and answered, silence gets the fallback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.attachments.models import Attachment
from bot.cases.models import Case, CaseEvent
from bot.media import ATTACHMENTS
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.clock import FakeClock
from tests.support.fake_stt import FakeSpeechServer
from tests.support.media_files import photo, png_bomb, wav

attachments = Attachment.__table__
cases = Case.__table__
events = CaseEvent.__table__
SESSION = "web-media-session-1"


@pytest.fixture
async def speech() -> AsyncIterator[FakeSpeechServer]:
    server = await FakeSpeechServer().start()
    yield server
    await server.close()


@pytest.fixture
async def media_client(
    aiohttp_client, settings: Settings, kb: KnowledgeBase, clock: FakeClock, speech: FakeSpeechServer, tmp_path: Path
) -> TestClient:
    configured = replace(
        settings,
        stt_url=speech.url,
        stt_timeout=0.5,
        attachments_dir=tmp_path / "attachments",
        attachment_retry_interval=0,
        attachment_max_bytes=200 * 1024,
    )
    return await aiohttp_client(create_app(configured, clock=clock, knowledge=kb))


async def post_file(
    client: TestClient, path: str, data: bytes, message_id: str, name: str = "a.jpg"
) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("session", SESSION)
    form.add_field("id", message_id)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await client.post(path, data=form)


async def chat(client: TestClient, **body: str) -> list[dict]:
    response = await client.post("/api/chat", json={"session": SESSION, **body})
    assert response.status == 200
    return (await response.json())["replies"]


async def stored(client: TestClient) -> int:
    async with client.app[ATTACHMENTS].engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(attachments))


async def test_a_photo_in_a_complaint_is_kept(media_client: TestClient) -> None:
    await chat(media_client, button="intent:complaint")
    response = await post_file(media_client, "/api/chat/photo", photo(), "p1", name="report.pdf")  # name is no guide
    assert response.status == 200
    assert "收到图片" in (await response.json())["replies"][0]["text"]
    assert await stored(media_client) == 1


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"%PDF-1.7 a renamed document", 400, "不是能打开的图片"),
        (png_bomb(), 400, "尺寸过大"),
        (b"\xff\xd8" + b"0" * 300 * 1024, 413, "文件太大"),
    ],
)
async def test_bad_files_get_a_clear_message_and_change_nothing(
    media_client: TestClient, data: bytes, status: int, words: str
) -> None:
    await chat(media_client, button="intent:complaint")
    response = await post_file(media_client, "/api/chat/photo", data, "bad1")
    assert response.status == status
    assert words in (await response.json())["error"]
    assert await stored(media_client) == 0


async def test_malformed_uploads_are_4xx(media_client: TestClient) -> None:
    response = await media_client.post("/api/chat/photo", data=b"not multipart", headers={"Content-Type": "text/plain"})
    assert response.status == 400
    form = aiohttp.FormData()
    form.add_field("session", "bad session with spaces")
    form.add_field("id", "x")
    form.add_field("file", photo(), filename="a.jpg")
    assert (await media_client.post("/api/chat/photo", data=form)).status == 400


async def test_a_recording_is_transcribed_and_answered(media_client: TestClient, speech: FakeSpeechServer) -> None:
    speech.say("过渡费怎么发")
    response = await post_file(media_client, "/api/chat/voice", wav(), "v1", name="voice.webm")
    replies = (await response.json())["replies"]
    assert replies[0]["text"] == "我听到的是：过渡费怎么发"
    assert replies[0]["buttons"] == [{"id": "voice:again", "label": "不对，我重新说或打字"}]
    assert "临时安置费" in "".join(r["text"] for r in replies[1:])


async def test_silence_and_noise_files_get_the_fallback(media_client: TestClient) -> None:
    for message_id, data in (("s1", wav(silent=True)), ("s2", b"random bytes, not audio")):
        response = await post_file(media_client, "/api/chat/voice", data, message_id)
        (reply,) = (await response.json())["replies"]
        assert "打字" in reply["text"] and "12345" in reply["text"]


async def test_a_photo_sent_after_filing_is_added_to_the_open_case(media_client: TestClient) -> None:
    from tests.support.transcript import ChatSession

    resident = ChatSession(media_client, session=SESSION)
    await resident.send(button="intent:complaint")
    await resident.press("补偿金额")
    await resident.press("东关片区")
    for answer in ("东关街18号3单元", "评估报告漏算了阁楼面积", "重新测量", "13800138000"):
        await resident.say(answer)
    await resident.press("确认提交")
    number = re.search(r"AJ-\d{4}-\d{6}", resident.text).group(0)  # type: ignore[union-attr]

    response = await post_file(media_client, "/api/chat/photo", photo(), "later-1")
    (reply,) = (await response.json())["replies"]
    assert f"已附在您的诉求 {number} 里" in reply["text"]
    engine = media_client.app[ATTACHMENTS].engine
    async with engine.connect() as conn:
        details = (await conn.execute(select(cases.c.details).where(cases.c.number == number))).scalar_one()
        kinds = (
            (
                await conn.execute(
                    select(events.c.kind).join(cases, cases.c.id == events.c.case_id).where(cases.c.number == number)
                )
            )
            .scalars()
            .all()
        )
        attachment_id = (await conn.execute(select(attachments.c.id))).scalar_one()
    assert [a["attachment_id"] for a in details["attachments"]] == [attachment_id]
    assert "attached" in kinds


async def test_a_photo_without_an_open_case_is_acknowledged(media_client: TestClient) -> None:
    response = await post_file(media_client, "/api/chat/photo", photo(), "alone-1")
    (reply,) = (await response.json())["replies"]
    assert "登记诉求时发来的图片会作为材料附在诉求里" in reply["text"]
