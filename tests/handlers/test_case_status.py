"""查进度 and rating: one's own cases; someone else's only with its phone; 满意 / 基本满意 / 不满意 after resolution."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot import keys
from bot.cases.actors import StaffUser
from tests.support.cases import add_user, case_row, fill_complaint
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")


async def file(chat: ChatSession, phone: str = "13800138000") -> str:
    await fill_complaint(chat, phone=phone)
    await chat.press("确认提交")
    return NUMBER.search(chat.text).group(0)


async def handler(client: TestClient, clock: FakeClock) -> StaffUser:
    return await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())


async def test_own_cases_with_status_deadline_and_latest_reply(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    first, second = await file(chat), await file(chat)
    staff = await handler(client, clock)
    service = client.app[keys.CASES]
    await service.claim(staff, first)
    await service.reply(staff, first, "已安排评估公司下周复核。")
    await service.note(staff, first, "内部：评估公司是第二家")
    await chat.press("查进度")
    assert first in chat.text and second in chat.text
    assert "承办单位已受理" in chat.text or "已答复" in chat.text
    assert "期限：" in chat.text
    await chat.press(f"查看 {first}")
    assert "已安排评估公司下周复核" in chat.text and "内部" not in chat.text


async def test_no_cases_here_asks_for_a_number(chat: ChatSession) -> None:
    await chat.send(button="intent:status")
    assert "还没有登记过" in chat.text
    await chat.say("12345")
    assert "格式" in chat.text
    await chat.say("取消")
    assert "已退出" in chat.text


async def test_someone_elses_case_only_with_its_phone(client) -> None:  # noqa: ANN001
    owner = ChatSession(client)
    number = await file(owner, phone="13912345678")
    other = ChatSession(client)
    await other.send(button="intent:status")
    await other.say(number.lower().replace("-", ""))
    assert "电话号码" in other.text and number not in other.text  # nothing about the case yet
    await other.say("13800000000")
    assert "没有查到" in other.text and "评估" not in other.text
    await other.say(number)
    await other.say("139-1234-5678")
    assert number in other.text and "状态：" in other.text
    # a number that does not exist is asked for the phone in exactly the same way
    await other.send(button="intent:status")
    await other.say("AJ-2026-999999")
    assert "电话号码" in other.text
    await other.say("13912345678")
    assert "没有查到" in other.text


async def test_guessing_is_stopped_after_five_wrong_phones(client) -> None:  # noqa: ANN001
    number = await file(ChatSession(client), phone="13912345678")
    guesser = ChatSession(client)
    await guesser.send(button="intent:status")
    for attempt in range(5):
        await guesser.say(number)
        await guesser.say(f"1380000000{attempt}")
    assert "次数太多" in guesser.text
    await guesser.say(number)  # the flow is over: no more phone questions
    assert "登记这件事时留的电话" not in guesser.text


async def test_rating_after_resolution(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number = await file(chat)
    staff = await handler(client, clock)
    service = client.app[keys.CASES]
    await service.claim(staff, number)
    await chat.send(button=f"rate:{number}:3")
    assert "还在办理中" in chat.text
    await service.resolve(staff, number, "已复核，面积补记12平方米。")
    await client.app[keys.OUTBOX].tick()
    updates = (await (await client.get("/api/chat/updates", params={"session": chat.session})).json())["replies"]
    resolved = next(u for u in updates if "已办结" in u["text"])
    assert [b["label"] for b in resolved["buttons"]] == ["满意", "基本满意", "不满意"]
    await chat.send(button=resolved["buttons"][0]["id"])
    assert "谢谢您的评价" in chat.text
    await chat.send(button=resolved["buttons"][2]["id"])
    assert "已经评价过" in chat.text
    assert (await case_row(client.app[keys.ENGINE], number))["rating"] == 3


async def test_dissatisfied_reopens_once_then_explains_review(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number = await file(chat)
    staff = await handler(client, clock)
    service = client.app[keys.CASES]
    await service.claim(staff, number)
    await service.resolve(staff, number, "经核实，面积无误。")
    await chat.send(button=f"rate:{number}:1")
    assert "重新交办" in chat.text and "办结期限" in chat.text
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["status"] == "in_progress" and row["reopened_count"] == 1 and row["rating"] is None
    clock.advance(days=3)
    await service.resolve(staff, number, "再次核实，面积无误，附测绘报告。")
    await chat.send(button=f"rate:{number}:1")
    assert "复查" in chat.text and "30 日内" in chat.text
    assert (await case_row(client.app[keys.ENGINE], number))["status"] == "closed"


async def test_rating_someone_elses_case_or_a_forged_button(client, clock) -> None:  # noqa: ANN001
    owner = ChatSession(client)
    number = await file(owner)
    staff = await handler(client, clock)
    await client.app[keys.CASES].claim(staff, number)
    await client.app[keys.CASES].resolve(staff, number, "已办结。")
    stranger = ChatSession(client)
    for button in (f"rate:{number}:1", f"rate:{number}:9", "rate:", "rate:AJ-2026-x:1", "rate:" + "9" * 100):
        await stranger.send(button=button)
        assert "没有找到" in stranger.text
    assert (await case_row(client.app[keys.ENGINE], number))["rating"] is None


async def test_rating_in_the_middle_of_a_form_keeps_the_form(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    number = await file(chat)
    staff = await handler(client, clock)
    await client.app[keys.CASES].claim(staff, number)
    await client.app[keys.CASES].resolve(staff, number, "已办结。")
    await chat.send(button="intent:complaint")
    await chat.press("其他问题")
    await chat.send(button=f"rate:{number}:2")
    assert "谢谢" in chat.text and "接着回答" in chat.text
    await chat.say("西街片区")
    assert "地址" in chat.text
