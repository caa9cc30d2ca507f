"""Plain mode: a captured signed URL cannot carry another body — not another resident's openid, not another
message — on any worker; WeChat's own retry of the same message still gets its answer (issue 9, point 13)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.app import create_app
from bot.db.models import MessageLog, Resident
from bot.db.signed_requests import SignedRequest
from tests.channels.wechat.conftest import wechat_settings
from tests.support.clock import FakeClock
from tests.support.wechat_client import WeChatResident

VICTIM = "oAnjuVictimResident0002"


@pytest.fixture
def safe() -> bool:
    """Plain mode only: in safe mode msg_signature covers the (encrypted) body."""
    return False


async def _count(client: TestClient, table) -> int:  # noqa: ANN001
    async with client.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def _post(client: TestClient, query: dict[str, str], xml: str) -> tuple[int, str]:
    response = await client.post("/wechat", params=query, data=xml.encode(), headers={"Content-Type": "text/xml"})
    return response.status, await response.text()


def _content(reply: str) -> str:
    return ET.fromstring(reply).findtext("Content") or ""


async def test_a_signed_url_is_good_for_its_own_body_only(resident: WeChatResident, clock: FakeClock) -> None:
    # regression (issue 9, point 13): a captured URL accepted any body for 300 s
    client = resident.client
    query = resident.signed_query()
    own = resident.text_xml("你好")
    status, first = await _post(client, query, own)
    assert status == 200 and "安居助手" in first
    logged = await _count(client, MessageLog.__table__)

    victim = WeChatResident(client, clock, openid=VICTIM)
    clock.advance(seconds=30)  # well within the timestamp window
    for forged in (victim.text_xml("查进度"), resident.text_xml("登记诉求"), victim.event_xml("subscribe")):
        status, _ = await _post(client, query, forged)
        assert status == 403
    async with client.app[keys.ENGINE].connect() as conn:
        assert await conn.scalar(select(func.count()).where(Resident.__table__.c.user_key == VICTIM)) == 0
    assert await _count(client, MessageLog.__table__) == logged  # nothing was handled

    # WeChat retrying the message it sent with this URL: the same answer, worked out once
    status, again = await _post(client, query, own)
    assert status == 200 and _content(again) == _content(first)
    assert await _count(client, MessageLog.__table__) == logged


async def test_the_rule_holds_across_workers(
    resident: WeChatResident,
    aiohttp_client,
    settings,
    kb,  # noqa: ANN001
    wechat_api,
    clock: FakeClock,
) -> None:  # noqa: ANN001
    other_worker = await aiohttp_client(
        create_app(wechat_settings(settings, wechat_api, False), clock=clock, knowledge=kb)
    )
    query = resident.signed_query()
    status, _ = await _post(resident.client, query, resident.text_xml("搬迁费怎么算"))
    assert status == 200
    status, _ = await _post(other_worker, query, WeChatResident(other_worker, clock, openid=VICTIM).text_xml("查进度"))
    assert status == 403
    assert await _count(other_worker, Resident.__table__) == 1


async def test_seen_urls_are_forgotten_once_their_timestamps_are_stale(
    resident: WeChatResident, clock: FakeClock
) -> None:
    for _ in range(3):
        assert (await resident.say("你好")).text
    assert await _count(resident.client, SignedRequest.__table__) == 3
    clock.advance(seconds=601)  # more than twice the 300 s window: those URLs are refused as stale anyway
    assert (await resident.say("还在吗")).text
    assert await _count(resident.client, SignedRequest.__table__) == 1
