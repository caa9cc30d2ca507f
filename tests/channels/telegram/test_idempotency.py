"""Telegram delivers an update again when it was not acknowledged: three deliveries, one reply."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import keys
from bot.db.models import MessageLog, ProcessedInbound
from tests.channels.telegram.conftest import TelegramBot


async def _count(bot: TelegramBot, table) -> int:  # noqa: ANN001
    async with bot.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def test_every_update_three_times_gives_each_reply_once(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("/start", times=3)
    assert len(resident.replies) == 1
    await resident.say("搬迁费怎么算", times=3)
    assert len(resident.replies) == 1 and "依据：" in resident.text
    await resident.press("有用", times=3)
    assert len(resident.replies) == 1 and "谢谢" in resident.text
    assert len(telegram_bot.fake.calls_of("answerCallbackQuery")) == 1
    assert len(telegram_bot.fake.calls_of("editMessageText")) == 1
    assert len(telegram_bot.fake.messages(resident.chat_id)) == 3
    assert await _count(telegram_bot, ProcessedInbound.__table__) == 3
    assert await _count(telegram_bot, MessageLog.__table__) == 6  # three in, three out


async def test_two_residents_do_not_share_anything(telegram_bot: TelegramBot) -> None:
    first, second = telegram_bot.resident(7001), telegram_bot.resident(7002)
    await first.say("搬迁费怎么算")
    await second.say("过渡费怎么发")
    assert "搬迁费" in first.text and "临时安置费" in second.text
