"""查进度 and rating: one's own cases; someone else's only with its phone; 满意 / 基本满意 / 不满意 after resolution."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot import keys
from bot.cases.actors import StaffUser
from bot.cases.lookups import LIMITS
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


async def _look_up(client, number: str, phone: str) -> str:  # noqa: ANN001
    """A look-up from a chat session of its own (a new browser tab: nothing of earlier sessions in its state)."""
    session = ChatSession(client)
    await session.send(button="intent:status")
    await session.say(number)
    assert "电话号码" in session.text
    await session.say(phone)
    return session.text


async def test_new_sessions_do_not_reset_the_limit_per_phone_number(client) -> None:  # noqa: ANN001
    """Someone who knows a resident's phone guesses sequential case numbers, each from a new session: after five
    misses that phone finds nothing more today — not even with the right number."""
    victim_phone = "13912345678"
    for _ in range(6):
        await file(ChatSession(client), phone="13700000000")
    target = await file(ChatSession(client), phone=victim_phone)
    guesses = [f"AJ-2026-{n:06d}" for n in range(1, 6)]  # cases of other residents: wrong phone for each
    for guess in guesses:
        assert "没有查到" in await _look_up(client, guess, victim_phone)
    refused = await _look_up(client, target, victim_phone)
    assert "次数太多" in refused and target not in refused and "状态：" not in refused


async def test_new_sessions_do_not_reset_the_limit_per_case_number(client) -> None:  # noqa: ANN001
    target = await file(ChatSession(client), phone="13912345678")
    for n in range(5):
        assert "没有查到" in await _look_up(client, target, f"1380000000{n}")
    refused = await _look_up(client, target, "13912345678")
    assert "次数太多" in refused and "状态：" not in refused


async def test_one_client_is_limited_across_sessions_phones_and_numbers(client) -> None:  # noqa: ANN001
    target = await file(ChatSession(client), phone="13912345678")
    for n in range(LIMITS["client"]):  # each a new session, phone and number: only the address is the same
        assert "没有查到" in await _look_up(client, f"AJ-2026-{100 + n:06d}", f"1360000{n:04d}")
    refused = await _look_up(client, target, "13912345678")
    assert "次数太多" in refused and "状态：" not in refused
    other = ChatSession(client, headers={"X-Forwarded-For": "203.0.113.9"})  # another resident behind the proxy
    await other.send(button="intent:status")
    await other.say(target)
    await other.say("13912345678")
    assert target in other.text and "状态：" in other.text


async def test_a_wrong_number_and_a_wrong_phone_get_the_same_answer(client) -> None:  # noqa: ANN001
    target = await file(ChatSession(client), phone="13912345678")
    wrong_phone = await _look_up(client, target, "13800000001")
    no_such_case = await _look_up(client, "AJ-2026-999999", "13912345678")
    assert wrong_phone == no_such_case and "没有查到" in wrong_phone


async def test_a_staff_conduct_complaint_is_never_shown_by_number_and_phone(client) -> None:  # noqa: ANN001
    complainant = ChatSession(client)
    await complainant.send(button="intent:complaint")
    await complainant.press("工作人员作风")
    await complainant.press("东关片区征收工作组")
    await complainant.press("东关片区")
    for answer in ("东关街20号", "工作组有人上门时拍桌子吓唬老人", "调查处理"):
        await complainant.say(answer)
    await complainant.press("实名反映")
    await complainant.say("13912345678")
    await complainant.press("确认提交")
    number = NUMBER.search(complainant.text).group(0)
    shown = await _look_up(client, number, "13912345678")  # the right number and the right phone
    assert shown == await _look_up(client, "AJ-2026-999999", "13912345678")  # as if there were no such case
    assert "拍桌子" not in shown and number not in shown and "状态：" not in shown
    await complainant.press("查进度")  # in the chat it was filed from, it is there
    assert number in complainant.text
