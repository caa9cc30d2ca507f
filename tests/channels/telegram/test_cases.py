"""A complaint filed, a status query, and a staff reply reaching the resident — over Telegram (webhook and
polling), with every update delivered three times: one case, one reply each."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from bot import keys
from bot.cases.models import Case
from tests.channels.telegram.conftest import TelegramBot
from tests.support.cases import add_user, case_row
from tests.support.clock import FakeClock

NUMBER = re.compile(r"AJ-2026-\d{6}")


async def _cases(bot: TelegramBot) -> int:
    async with bot.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(Case.__table__))


async def test_complaint_status_and_staff_reply(telegram_bot: TelegramBot, clock: FakeClock) -> None:
    resident = telegram_bot.resident(6001)
    await resident.say("/start", times=3)
    await resident.say("登记诉求", times=3)  # the reply-keyboard button
    assert "哪一类问题" in resident.text and len(resident.replies) >= 1
    await resident.press("补偿款没按时发", times=3)
    await resident.press("西街片区", times=3)
    await resident.send(resident.updates.location(31.2304, 121.4737), times=3)  # the address, shared
    await resident.send(resident.updates.photo("协议照片"), times=3)  # evidence, attached once
    await resident.say("协议签了两个月，补偿款还没到账", times=3)
    await resident.say("尽快支付", times=3)
    await resident.say("13800138000", times=3)
    assert "请核对" in resident.text and "31.230400,121.473700" in resident.text and "图片：1 张" in resident.text
    await resident.press("确认提交", times=3)
    assert len(resident.replies) == 1
    number = NUMBER.search(resident.text).group(0)
    assert await _cases(telegram_bot) == 1
    row = await case_row(telegram_bot.app[keys.ENGINE], number)
    assert row["category"] == "payment_delay" and row["channel"] == "telegram"

    await resident.say("查进度")
    assert number in resident.text

    staff = await add_user(telegram_bot.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    service = telegram_bot.app[keys.CASES]
    await service.claim(staff, number)
    await service.reply(staff, number, "补偿款已安排本周内支付。")
    before = len(telegram_bot.fake.messages(resident.chat_id))
    for _ in range(6):  # one notice per second to the chat: the sender hands the others back, the worker retries
        await asyncio.sleep(telegram_bot.channel.sender._pacing.delay(resident.chat_id))  # type: ignore[union-attr]
        clock.advance(seconds=30)
        await telegram_bot.app[keys.OUTBOX].tick()
    notices = telegram_bot.fake.messages(resident.chat_id)[before:]
    assert len([m for m in notices if "补偿款已安排本周内支付" in m["text"]]) == 1
    assert telegram_bot.fake.responses[429] == 0
