"""关闭通知 / 打开通知 in the chat: the words residents type (with 请, 了, punctuation), the reply saying whether
anything changed, the opt-out row it writes, and a form in progress that keeps its place."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot import keys
from bot.db.models import DistrictNoticeOptOut
from handlers.district_notices import words
from tests.support.bindings import resident_id
from tests.support.transcript import ChatSession

optouts = DistrictNoticeOptOut.__table__


async def turned_off(client: TestClient, chat: ChatSession) -> bool:
    engine = client.app[keys.ENGINE]
    rid = await resident_id(engine, "web", chat.session)
    async with engine.connect() as conn:
        return await conn.scalar(select(optouts.c.resident_id).where(optouts.c.resident_id == rid)) is not None


def test_the_words_residents_type() -> None:
    for text in ("关闭通知", "不要再发通知了", "请关闭通知。", "别再发通知了！", "不再接收此类通知", " 关闭 通知 "):
        assert words(text) is False, text
    for text in ("打开通知", "请打开通知", "重新接收通知吧", "恢复通知。"):
        assert words(text) is True, text
    for text in ("通知什么时候发", "选房通知在哪看", "关闭", "我没收到通知", "不要再发通知" * 5, ""):
        assert words(text) is None, text


async def test_turning_notices_off_and_on(client: TestClient, chat: ChatSession) -> None:
    await chat.say("你好")
    assert not await turned_off(client, chat)
    await chat.say("不要再发通知了")
    assert "已关闭片区通知" in chat.text and "您自己登记的诉求有进展时，仍会告诉您" in chat.text
    assert "重新接收通知" in [b["label"] for b in chat.buttons]
    assert await turned_off(client, chat)
    await chat.say("关闭通知")
    assert chat.text.startswith("您已经关闭了片区通知。")
    await chat.press("重新接收通知")
    assert "已重新打开片区通知" in chat.text
    assert not await turned_off(client, chat)
    await chat.say("打开通知")
    assert chat.text.startswith("片区通知本来就是打开的")


async def test_a_form_in_progress_keeps_its_place(client: TestClient, chat: ChatSession) -> None:
    await chat.send(button="intent:complaint")
    await chat.press("补偿金额")
    (district,) = [b["id"] for b in chat.buttons if b["label"] == "东关片区"]
    await chat.say("关闭通知")
    assert "已关闭片区通知" in chat.text and await turned_off(client, chat)
    await chat.send(button=district)  # the form goes on where it was: the next question
    assert "地址" in chat.text, chat.text
