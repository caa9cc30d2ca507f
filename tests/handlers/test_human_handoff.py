"""转人工: the question becomes an inquiry case; a staff reply is relayed into the web chat through the outbox."""

from __future__ import annotations

import re

from bot import keys
from bot.cases.routing import department_ids
from tests.support.cases import add_user, case_row
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")


async def test_question_to_a_person_and_the_reply_comes_back(chat: ChatSession, client, clock: FakeClock) -> None:  # noqa: ANN001
    await chat.send(text="", start=True)
    await chat.press("转人工")
    assert "12345" in chat.text and "电话" in chat.text
    await chat.say("临时安置费从哪天开始算？")
    await chat.press("在这里回复我")
    number = NUMBER.search(chat.text).group(0)
    assert "已转给工作人员" in chat.text
    engine = client.app[keys.ENGINE]
    row = await case_row(engine, number)
    assert row["type"] == "inquiry" and row["phone"] is None and row["status"] == "new"

    service = client.app[keys.CASES]
    async with engine.connect() as conn:
        ids = await department_ids(conn)
    desk = await add_user(engine, "paidan", "dispatcher", "dispatch", clock())
    staff = await add_user(engine, "staff1", "department_staff", "comp_office", clock())
    await service.dispatch(desk, number, ids["comp_office"])
    await service.claim(staff, number)
    await service.reply(staff, number, "从您搬离原房屋之日起计算。")
    await client.app[keys.OUTBOX].tick()

    response = await client.get("/api/chat/updates", params={"session": chat.session, "after": "0"})
    updates = (await response.json())["replies"]
    texts = "\n".join(u["text"] for u in updates)
    assert "已由县房屋征收补偿办公室受理" in texts and "从您搬离原房屋之日起计算" in texts


async def test_phone_is_asked_only_when_wanted(chat: ChatSession) -> None:
    await chat.send(button="intent:human")
    await chat.say("问")
    assert "太短" in chat.text
    await chat.say("想问问评估公司怎么选")
    await chat.press("给我打电话")
    assert "联系电话" in chat.text
    await chat.say("不给")
    assert "不是有效的电话号码" in chat.text
    await chat.say("13800138000")
    assert NUMBER.search(chat.text)
