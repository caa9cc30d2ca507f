"""WeChat retries a message it got no answer to (same MsgId; events: same sender and CreateTime)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.db.models import MessageLog, ProcessedInbound
from tests.support.fake_wechat import FakeWeChatApi
from tests.support.wechat_client import WeChatResident


async def _count(client: TestClient, table) -> int:  # noqa: ANN001
    async with client.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def test_each_message_and_event_three_times_is_handled_once(
    resident: WeChatResident, wechat_api: FakeWeChatApi
) -> None:
    welcome = await resident.deliver(resident.event_xml("subscribe"), times=3)
    answer = await resident.deliver(resident.text_xml("搬迁费怎么算"), times=3)
    click = await resident.deliver(resident.event_xml("CLICK", "intent:human"), times=3)
    for deliveries in (welcome, answer, click):
        # each retry gets the same passive reply (WeChat shows the one it receives), computed once
        assert len({d.text for d in deliveries}) == 1 and deliveries[0].text
    assert await _count(resident.client, ProcessedInbound.__table__) == 3
    logged = await _count(resident.client, MessageLog.__table__)
    await resident.deliver(resident.text_xml("过渡费怎么发"))
    assert await _count(resident.client, MessageLog.__table__) == logged + 2  # the log grows by turns, not by retries
    assert wechat_api.sent == []  # and nothing went out a second way
