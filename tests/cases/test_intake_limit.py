"""Case creation is limited per resident (issue 9, point 4: one chat session filed 1,000 urgent complaints in
10 s): past the limit nothing is filed and the resident is told why and where staff can file for them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot import keys
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.intake import NewCase, create_case
from bot.cases.models import Case
from bot.cases.vocabulary import UNKNOWN_DISTRICT, CaseType, Category
from bot.settings import Settings
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-\d{4}-\d{6}")
LIMIT = Settings.cases_per_day
cases = Case.__table__


async def _file_inquiry(chat: ChatSession, question: str) -> str:
    await chat.send(button="intent:human")
    await chat.say(question)
    await chat.press("在这里回复我")
    return chat.text


async def _cases_of(engine, session: str) -> int:  # noqa: ANN001
    from bot.db.models import Resident

    residents = Resident.__table__
    async with engine.connect() as conn:
        return await conn.scalar(
            select(func.count())
            .select_from(cases)
            .join(residents, residents.c.id == cases.c.resident_id)
            .where(residents.c.user_key == session)
        )


async def test_past_the_daily_limit_nothing_is_filed_and_the_resident_is_told(client, clock: FakeClock) -> None:  # noqa: ANN001
    chat = ChatSession(client)
    numbers = [NUMBER.search(await _file_inquiry(chat, f"第{i + 1}个问题：过渡费什么时候发？")) for i in range(LIMIT)]
    assert all(numbers) and len({n.group(0) for n in numbers}) == LIMIT
    text = await _file_inquiry(chat, "再问一个：搬迁奖励怎么算？")
    assert NUMBER.search(text) is None
    assert f"每人24小时内最多在这里登记{LIMIT}件" in text and "没有登记" in text
    assert "热线" in text and "工作人员可以帮您登记" in text and "110" in text
    assert "查进度" in [b["label"] for b in chat.buttons]
    engine = client.app[keys.ENGINE]
    assert await _cases_of(engine, chat.session) == LIMIT
    # another resident is not affected; the same resident may file again a day later
    other = ChatSession(client)
    assert NUMBER.search(await _file_inquiry(other, "我家的评估报告什么时候出？"))
    clock.advance(hours=24, seconds=1)
    assert NUMBER.search(await _file_inquiry(chat, "新的一天：过渡费标准是多少？"))
    assert await _cases_of(engine, chat.session) == LIMIT + 1


async def test_a_repeated_confirmation_past_the_limit_still_finds_its_case(client) -> None:  # noqa: ANN001
    chat = ChatSession(client)
    for i in range(LIMIT - 1):
        await _file_inquiry(chat, f"第{i + 1}个问题：过渡费什么时候发？")
    await chat.send(button="intent:human")
    await chat.say("最后一个：评估公司怎么选？")
    button = next(b["id"] for b in chat.buttons if "在这里回复我" in b["label"])
    await chat.send(button=button, id="confirm-1")
    number = NUMBER.search(chat.text).group(0)
    await chat.send(button=button, id="confirm-1")  # the channel's retry of the same message
    assert number in chat.text
    assert await _cases_of(client.app[keys.ENGINE], chat.session) == LIMIT


async def test_staff_filing_on_a_residents_behalf_is_not_limited(client, clock: FakeClock) -> None:  # noqa: ANN001
    chat = ChatSession(client)
    for i in range(LIMIT):
        await _file_inquiry(chat, f"第{i + 1}个问题：过渡费什么时候发？")
    engine = client.app[keys.ENGINE]
    async with engine.begin() as conn:
        resident_id = await conn.scalar(select(cases.c.resident_id).where(cases.c.resident_id.is_not(None)))
        created = await create_case(
            conn,
            NewCase(
                type=CaseType.INQUIRY,
                category=Category.INQUIRY,
                district=UNKNOWN_DISTRICT,
                channel="web",
                description="工作人员代为登记",
                resident_id=resident_id,
            ),
            clock(),
            DeadlinePolicy.from_params(client.app[keys.KNOWLEDGE].params),
        )
    assert created.created and NUMBER.fullmatch(created.number)
    assert await _cases_of(engine, chat.session) == LIMIT + 1
