"""After 不满意 (issue 9 point 12): the resident is asked why (free text, or 跳过) and told of the right to 复查 — the
periods of 《信访工作条例》 — and the reopened case's deadline falls on a working day. The clock is injected."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.cases.actors import StaffUser
from bot.cases.models import Case, CaseRating
from bot.cases.workdays import CHINA_TZ
from tests.support.cases import add_user, case_row, fill_complaint
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")
cases = Case.__table__
ratings = CaseRating.__table__
REVIEW = ("《信访工作条例》", "30 日内申请复查", "30 日内作出")


async def filed_and_resolved(chat: ChatSession, client: TestClient, clock: FakeClock) -> tuple[str, StaffUser]:
    await fill_complaint(chat)
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    await client.app[keys.CASES].claim(staff, number)
    await client.app[keys.CASES].resolve(staff, number, "经核实，面积无误。")
    return number, staff


async def rating_rows(engine: AsyncEngine, number: str) -> list[tuple[int, int, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(ratings.c.round, ratings.c.rating, ratings.c.reason)
            .join(cases, cases.c.id == ratings.c.case_id)
            .where(cases.c.number == number)
            .order_by(ratings.c.round)
        )
        return [tuple(r) for r in rows]


async def test_dissatisfied_asks_why_and_the_handler_reads_it(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, staff = await filed_and_resolved(chat, client, clock)
    await chat.send(button=f"rate:{number}:1")
    assert "重新交办" in chat.text and all(words in chat.text for words in REVIEW)
    assert "哪里不满意" in chat.replies[-1]["text"] and "跳过" in [b["label"] for b in chat.buttons]
    await chat.say("评估公司根本没来现场量房")
    assert "已经记下" in chat.text
    engine = client.app[keys.ENGINE]
    assert await rating_rows(engine, number) == [(0, 1, "评估公司根本没来现场量房")]
    page = await client.app[keys.CASES].get_case(staff, number)  # the reopened case, back with its handler
    reason = [e for e in page.events if e.kind == "rating_reason"]
    assert [(e.text, e.actor_kind, e.public) for e in reason] == [("评估公司根本没来现场量房", "resident", False)]
    await chat.say("搬迁费怎么算")  # the question is over: this is a question again, not a second reason
    assert "【" in chat.text and await rating_rows(engine, number) == [(0, 1, "评估公司根本没来现场量房")]


async def test_the_reason_may_be_skipped(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, _ = await filed_and_resolved(chat, client, clock)
    await chat.send(button=f"rate:{number}:1")
    await chat.press("跳过")
    assert "好的" in chat.text
    await chat.send(button=f"rate:{number}:1")  # the old button: the case is being handled again, nothing asked
    assert "还在办理中" in chat.text and "哪里不满意" not in chat.text
    await chat.say("过渡费发多久")
    assert "【" in chat.text
    assert await rating_rows(client.app[keys.ENGINE], number) == [(0, 1, None)]


async def test_a_menu_word_is_no_reason(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, _ = await filed_and_resolved(chat, client, clock)
    await chat.send(button=f"rate:{number}:1")
    await chat.say("查进度")
    assert "好的" in chat.text
    assert await rating_rows(client.app[keys.ENGINE], number) == [(0, 1, None)]


async def test_a_too_short_reason_is_asked_again(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, _ = await filed_and_resolved(chat, client, clock)
    await chat.send(button=f"rate:{number}:1")
    await chat.say("差")
    assert "至少 2 个字" in chat.text and "跳过" in [b["label"] for b in chat.buttons]
    await chat.say("x" * 501)
    assert "最多 500 字" in chat.text
    await chat.say("没有人联系过我")
    assert await rating_rows(client.app[keys.ENGINE], number) == [(0, 1, "没有人联系过我")]


async def test_second_dissatisfied_is_for_review_and_is_asked_why_too(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, staff = await filed_and_resolved(chat, client, clock)
    await chat.send(button=f"rate:{number}:1")
    await chat.press("跳过")
    clock.advance(days=3)
    await client.app[keys.CASES].resolve(staff, number, "再次核实，附测绘报告。")
    await chat.send(button=f"rate:{number}:1")
    assert "重新交办" not in chat.text and all(words in chat.text for words in REVIEW)
    assert "怎么申请复查" in [b["label"] for b in chat.buttons]  # the curated entry on 复查 and 复核
    await chat.say("测绘报告也是他们自己找的人做的")
    assert await rating_rows(client.app[keys.ENGINE], number) == [
        (0, 1, None),
        (1, 1, "测绘报告也是他们自己找的人做的"),
    ]
    assert (await case_row(client.app[keys.ENGINE], number))["status"] == "closed"


async def test_dissatisfied_in_the_middle_of_a_form_keeps_the_form(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number, _ = await filed_and_resolved(chat, client, clock)
    await chat.send(button="intent:complaint")
    await chat.press("其他问题")
    await chat.send(button=f"rate:{number}:1")
    assert "重新交办" in chat.text and "接着回答" in chat.text and "哪里不满意" not in chat.text
    await chat.say("西街片区")
    assert "地址" in chat.text


@pytest.mark.parametrize(
    ("reopened_at", "due_text", "due_day"),
    [
        # 30 days after Friday 6 November is Sunday 6 December: due at the end of Monday 7 December
        (datetime(2026, 11, 6, 1, 0, tzinfo=UTC), "2026年12月7日（星期一）", (2026, 12, 7)),
        # 30 days after 1 September is 1 October, National Day: due at the end of the first working day after the holiday
        (datetime(2026, 9, 1, 1, 0, tzinfo=UTC), "2026年10月8日（星期四）", (2026, 10, 8)),
    ],
)
async def test_the_reopened_case_is_due_on_a_working_day(
    chat: ChatSession,
    client,
    clock,
    reopened_at: datetime,  # noqa: ANN001
    due_text: str,
    due_day: tuple[int, int, int],
) -> None:
    clock.now = reopened_at - timedelta(days=1)
    number, _ = await filed_and_resolved(chat, client, clock)
    clock.now = reopened_at
    await chat.send(button=f"rate:{number}:1")
    assert f"新的办结期限为{due_text}" in chat.text
    due = datetime(*due_day, tzinfo=CHINA_TZ) + timedelta(days=1)
    assert (await case_row(client.app[keys.ENGINE], number))["finish_due"] == due


async def test_a_merged_case_is_rated_once_the_case_it_joined_is_resolved(client, clock) -> None:  # noqa: ANN001
    """The resident of a case merged into another gets the rating buttons with the result; tapping one said
    "这件事还在办理中" (failed before the fix). The rating counts for the department that handled the merged case."""
    first, second = ChatSession(client), ChatSession(client)
    numbers = []
    for chat in (first, second):
        await fill_complaint(chat)
        await chat.press("确认提交")
        numbers.append(NUMBER.search(chat.text).group(0))
    engine, service = client.app[keys.ENGINE], client.app[keys.CASES]
    dispatcher = await add_user(engine, "paidan", "dispatcher", "dispatch", clock())
    staff = await add_user(engine, "buchang", "department_staff", "comp_office", clock())
    await service.merge(dispatcher, numbers[1], numbers[0])
    await second.send(button=f"rate:{numbers[1]}:3")
    assert "还在办理中" in second.text
    await service.claim(staff, numbers[0])
    await service.resolve(staff, numbers[0], "已统一复核面积。")
    await client.app[keys.OUTBOX].tick()
    updates = (await (await client.get("/api/chat/updates", params={"session": second.session})).json())["replies"]
    told = next(u for u in updates if "合并办理的事项已办结" in u["text"])
    await second.send(button="intent:status")
    await second.press(f"查看 {numbers[1]}")
    assert [b["label"] for b in second.buttons][:3] == ["满意", "基本满意", "不满意"]  # 查进度 offers them too
    await second.send(button=told["buttons"][2]["id"])  # 不满意
    assert all(words in second.text for words in REVIEW) and "重新交办" not in second.text
    await second.say("我家的情况和别人不一样")
    assert await rating_rows(engine, numbers[1]) == [(0, 1, "我家的情况和别人不一样")]
    async with engine.connect() as conn:
        department = await conn.scalar(
            select(ratings.c.department_id)
            .join(cases, cases.c.id == ratings.c.case_id)
            .where(cases.c.number == numbers[1])
        )
    assert department == staff.department_id
    await second.send(button=f"rate:{numbers[1]}:3")
    assert "已经评价过" in second.text
