"""A complaint filed, a status query, and a staff reply reaching the resident — over the Official Account in
plain and safe mode, buttons answered with their numbers, every message delivered three times."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.cases.models import Case
from tests.channels.wechat.conftest import numbered
from tests.support.cases import add_user, case_row
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChatApi
from tests.support.wechat_client import WeChatResident

NUMBER = re.compile(r"AJ-2026-\d{6}")


async def _cases(client: TestClient) -> int:
    async with client.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(Case.__table__))


async def _step(resident: WeChatResident, xml: str) -> str:
    deliveries = await resident.deliver(xml, times=3)
    assert all(d.status == 200 for d in deliveries) and len({d.text for d in deliveries}) == 1
    return deliveries[0].text


async def _choose(resident: WeChatResident, label: str) -> str:
    choices = numbered(resident.last.text if resident.last else "")
    assert label in choices, (label, choices)
    return await _step(resident, resident.text_xml(str(choices[label])))


async def test_complaint_status_and_staff_reply(
    resident: WeChatResident, wechat_api: FakeWeChatApi, clock: FakeClock
) -> None:
    client = resident.client
    await _step(resident, resident.event_xml("subscribe"))
    text = await _step(resident, resident.event_xml("CLICK", "intent:complaint"))
    assert "哪一类问题" in text
    await _choose(resident, "补偿款没按时发")
    await _choose(resident, "西街片区")
    await _step(resident, resident.location_xml(31.2304, 121.4737, "示例县西街社区5号"))
    await _step(resident, resident.image_xml())  # a photo of the unpaid agreement: kept as evidence
    await _step(resident, resident.text_xml("协议签了两个月，补偿款还没到账"))
    await _step(resident, resident.text_xml("尽快支付"))
    text = await _step(resident, resident.text_xml("13800138000"))
    assert "请核对" in text and "西街社区5号" in text and "图片：1 张" in text
    text = await _choose(resident, "确认提交")
    number = NUMBER.search(text).group(0)
    assert await _cases(client) == 1
    assert (await case_row(client.app[keys.ENGINE], number))["channel"] == "wechat"

    (status,) = await resident.deliver(resident.event_xml("CLICK", "intent:status"))
    assert number in status.text

    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    service = client.app[keys.CASES]
    await service.claim(staff, number)
    await service.reply(staff, number, "补偿款已安排本周内支付。")
    for _ in range(3):
        await client.app[keys.OUTBOX].tick()
    replies = [t for t in wechat_api.texts_to(resident.openid) if "补偿款已安排本周内支付" in t]
    assert len(replies) == 1


async def test_notification_after_48_hours_is_undeliverable_and_wechat_is_not_asked(
    resident: WeChatResident, wechat_api: FakeWeChatApi, clock: FakeClock
) -> None:
    client = resident.client
    await _step(resident, resident.event_xml("CLICK", "intent:complaint"))
    await _choose(resident, "补偿款没按时发")
    await _choose(resident, "西街片区")
    for answer in ("西街社区5号", "协议签了两个月，补偿款还没到账", "尽快支付", "13800138000"):
        await _step(resident, resident.text_xml(answer))
    number = NUMBER.search(await _choose(resident, "确认提交")).group(0)
    clock.advance(hours=49)
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    await client.app[keys.CASES].claim(staff, number)
    await client.app[keys.CASES].reply(staff, number, "补偿款已安排本周内支付。")
    report = await client.app[keys.OUTBOX].tick()
    assert report.undeliverable == 2 and wechat_api.sent == []  # 签收 and the reply
    # the resident writes again: 查进度 shows what could not be pushed, and the reply itself
    text = await _step(resident, resident.event_xml("CLICK", "intent:status"))
    assert number in text and "2 条进展通知没能推送给您" in text
    text = await _choose(resident, f"查看 {number}")
    assert "补偿款已安排本周内支付" in text and "另有 2 条进展通知没能主动推送给您" in text and "48 小时" in text
