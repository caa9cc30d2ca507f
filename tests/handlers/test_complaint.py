"""登记诉求 end to end over /api/chat and the console: every step validates, 返回 and 取消 work, stale buttons and
double confirmations are harmless, and a restart in the middle of the form resumes it."""

from __future__ import annotations

import io
import re

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.app import create_app
from bot.cases.models import Case
from bot.console import run_console
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.cases import case_row, event_kinds, fill_complaint
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")
cases = Case.__table__


async def count_cases(client: TestClient) -> int:
    async with client.app[keys.ENGINE].connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(cases)))


async def test_complaint_is_filed_with_a_number_routed_and_with_deadlines(chat: ChatSession, client) -> None:  # noqa: ANN001
    await chat.send(text="", start=True)
    await chat.press("登记诉求")
    assert "哪一类问题" in chat.text
    assert {"返回", "取消"} <= {b["label"] for b in chat.buttons}
    await chat.press("补偿款没按时发")
    await chat.press("西街片区")
    await chat.say("西街社区5号")
    await chat.say("协议签了两个月，补偿款还没到账")
    await chat.say("尽快支付")
    await chat.say("0571-87654321")
    assert "请核对" in chat.text and "西街片区" in chat.text and "0571-87654321" in chat.text
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    assert "县房屋征收补偿办公室" in chat.text and "办结期限" in chat.text
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["category"] == "payment_delay" and row["district"] == "xijie" and row["phone"] == "0571-87654321"
    assert row["status"] == "dispatched" and row["type"] == "complaint" and not row["urgent"]
    assert await event_kinds(client.app[keys.ENGINE], row["id"]) == ["created", "dispatched"]


async def test_typed_labels_work_like_buttons(chat: ChatSession) -> None:
    await chat.say("我要投诉")
    assert "哪一类问题" in chat.text
    await chat.say("安置房问题")
    assert "哪个片区" in chat.text
    await chat.say("南河片区")
    assert "地址" in chat.text


async def test_invalid_answers_get_clear_messages_and_the_same_question(chat: ChatSession) -> None:
    await chat.send(button="intent:complaint")
    await chat.say("随便说点什么")
    assert "请点下面的按钮选择" in chat.text and "哪一类问题" in chat.text
    await chat.press("其他问题")
    await chat.press("北山片区")
    await chat.say("北")
    assert "地址太短" in chat.text and "具体地址" in chat.text
    await chat.say("北" * 2000)
    assert "地址太长" in chat.text and "2000" in chat.text
    await chat.say("北山村12号")
    await chat.say("路坏")
    assert "太短" in chat.text
    await chat.say("村口道路坑洼很多，老人出门容易摔跤")
    await chat.say("修路")
    for bad in ("12345", "1380013800", "23800138000", "abc", "138001380001", "010-123", "😀" * 5):
        await chat.say(bad)
        assert "不是有效的电话号码" in chat.text, bad
    await chat.say("+86 138-0013-8000")
    assert "13800138000" in chat.text and "确认提交" in chat.text


async def test_back_goes_to_the_previous_question_and_keeps_answers(chat: ChatSession) -> None:
    await fill_complaint(chat)
    await chat.press("返回修改")
    assert "联系电话" in chat.text
    await chat.say("返回")
    assert "希望怎么解决" in chat.text
    await chat.say("请尽快复核")
    await chat.say("13900139000")
    assert "请尽快复核" in chat.text and "13900139000" in chat.text and "东关街18号3单元" in chat.text


async def test_back_at_the_first_question_leaves_the_form(chat: ChatSession, client) -> None:  # noqa: ANN001
    await chat.send(button="intent:complaint")
    await chat.press("返回")
    assert "已退出" in chat.text
    assert await count_cases(client) == 0


async def test_cancel_files_nothing(chat: ChatSession, client) -> None:  # noqa: ANN001
    await fill_complaint(chat)
    await chat.press("取消")
    assert "已取消" in chat.text and "没有提交" in chat.text
    await chat.send(button="complaint:confirm:yes")  # the confirm button of the cancelled form
    assert "已经提交或取消" in chat.text
    assert await count_cases(client) == 0


async def test_confirming_twice_files_one_case(chat: ChatSession, client) -> None:  # noqa: ANN001
    await fill_complaint(chat)
    confirm = next(b["id"] for b in chat.buttons if b["label"] == "确认提交")
    first = await chat.send(button=confirm, id="confirm-1")
    number = NUMBER.search(first[0]["text"]).group(0)
    again = await chat.send(button=confirm, id="confirm-1")  # the channel retried the same message
    assert again == first
    await chat.send(button=confirm, id="confirm-2")  # a second tap on the same button
    assert "已经提交或取消" in chat.text
    assert await count_cases(client) == 1
    assert number in (await chat.send(button="intent:status"))[0]["text"]


async def test_stale_button_of_an_earlier_question_is_not_taken_as_an_answer(chat: ChatSession) -> None:
    await chat.send(button="intent:complaint")
    category_buttons = list(chat.buttons)
    await chat.press("其他问题")
    stale = next(b["id"] for b in category_buttons if b["label"] == "安置房问题")
    await chat.send(button=stale)
    assert "过期" in chat.text and "哪个片区" in chat.text
    await chat.send(button="complaint:district:no-such-district")
    assert "哪个片区" in chat.text
    await chat.send(button="complaint:bogus")
    assert "哪个片区" in chat.text


async def test_urgent_category_warns_and_files_an_urgent_case(chat: ChatSession, client) -> None:  # noqa: ANN001
    await chat.send(button="intent:complaint")
    await chat.press("断水断电")
    assert "紧急事项" in chat.text and "110" in chat.text
    await fill_complaint(chat, category="断水断电")
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    assert "紧急事项" in chat.text
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["urgent"] and row["priority"] == 2
    assert (row["sign_for_due"] - row["created_at"]).total_seconds() == 4 * 3600


async def test_staff_conduct_can_be_anonymous_and_goes_to_discipline(chat: ChatSession, client) -> None:  # noqa: ANN001
    await chat.send(button="intent:complaint")
    await chat.press("工作人员作风")
    assert "纪检监察" in chat.text and "哪个单位" in chat.text
    await chat.press("东关片区征收工作组")
    await chat.press("东关片区")
    await chat.say("东关街20号")
    await chat.say("工作组有人上门时拍桌子吓唬老人")
    await chat.say("调查处理")
    assert "实名" in chat.text and "匿名" in chat.text
    await chat.press("匿名反映")
    assert "确认提交" in [b["label"] for b in chat.buttons]  # no phone asked
    assert "反映方式：匿名" in chat.text and "电话" not in chat.text.split("请核对")[1]
    assert "被反映单位：东关片区征收工作组" in chat.text and "地点：东关街20号" in chat.text
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["anonymous"] and row["phone"] is None
    assert "纪检" in chat.text
    named = await case_row(client.app[keys.ENGINE], number)
    assert named["named_department_id"] is not None and named["named_department_id"] != named["department_id"]


async def test_anonymous_conduct_complaint_needs_no_street_address(chat: ChatSession, client) -> None:  # noqa: ANN001
    """Issue 9 point 15: an anonymous conduct complaint demanded an exact street address (4+ characters, "东关街18号
    3单元"), and its summary did not show the unit complained about (both failed before the fix)."""
    await chat.send(button="intent:complaint")
    await chat.press("工作人员作风")
    await chat.press("说不清")
    await chat.press("东关片区")
    assert "大概" in chat.text and "门牌号" in chat.text and "不方便说" in [b["label"] for b in chat.buttons]
    await chat.say("附")
    assert "大概位置" in chat.text
    await chat.press("不方便说")
    assert "发生了什么" in chat.text
    await chat.press("返回")
    await chat.say("路口")  # two characters are enough for a rough place
    assert "发生了什么" in chat.text
    await chat.press("返回")
    await chat.press("不方便说")
    await chat.say("有人收了红包才给量面积")
    await chat.say("调查处理")
    await chat.press("匿名反映")
    summary = chat.text.split("请核对")[1]
    assert "被反映单位：说不清" in summary and "地点：不方便说" in summary and "电话" not in summary
    await chat.send(button="complaint:nav:back")  # 返回修改: the anonymous choice again
    await chat.press("匿名反映")
    await chat.press("确认提交")
    row = await case_row(client.app[keys.ENGINE], NUMBER.search(chat.text).group(0))
    assert row["anonymous"] and row["address"] == "" and row["phone"] is None and row["category"] == "staff_conduct"


async def test_other_complaints_still_need_a_street_address(chat: ChatSession) -> None:
    await chat.send(button="intent:complaint")
    await chat.press("其他问题")
    await chat.press("北山片区")
    assert "具体地址" in chat.text and "不方便说" not in [b["label"] for b in chat.buttons]
    await chat.say("路口")
    assert "地址太短" in chat.text
    await chat.send(button="complaint:address:none")  # a forged skip
    assert "过期" in chat.text and "具体地址" in chat.text


async def test_a_category_named_in_the_question_is_not_asked_again(chat: ChatSession, client) -> None:  # noqa: ANN001
    """Issue 9 point 15: after "我要投诉拆迁队断水断电" and its answer, 登记诉求 asked for the category again (failed
    before the fix)."""
    await chat.say("我要投诉拆迁队断水断电")
    await chat.press("登记诉求")
    assert "哪一类问题" not in chat.text and "断水断电断路或威胁恐吓" in chat.text
    assert "紧急事项" in chat.text and "哪个片区" in chat.text  # the urgent category's warning, then the next question
    await chat.press("返回")  # a wrong guess is one tap away
    assert "哪一类问题" in chat.text
    await chat.press("断水断电")
    await chat.press("南河片区")
    await chat.say("南河路66号")
    await chat.say("昨晚拆迁队把我家的水停了")
    await chat.say("马上恢复供水")
    await chat.say("13800138003")
    await chat.press("确认提交")
    row = await case_row(client.app[keys.ENGINE], NUMBER.search(chat.text).group(0))
    assert row["category"] == "utility_cut" and row["urgent"]
    await chat.press("返回菜单")
    await chat.press("登记诉求")  # the question was used once: a new complaint starts afresh
    assert "哪一类问题" in chat.text


async def test_a_question_naming_two_categories_or_none_asks(chat: ChatSession) -> None:
    await chat.say("投诉工作人员断水断电")
    await chat.send(button="intent:complaint")
    assert "哪一类问题" in chat.text
    await chat.say("取消")
    await chat.say("我要投诉")
    assert "哪一类问题" in chat.text


async def test_anonymous_is_offered_only_for_staff_conduct(chat: ChatSession) -> None:
    await fill_complaint(chat)
    assert "匿名" not in chat.text


async def test_restart_in_the_middle_of_the_form_resumes_it(
    chat: ChatSession,
    client,
    aiohttp_client,  # noqa: ANN001
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    await chat.send(button="intent:complaint")
    await chat.press("其他问题")
    await chat.press("北山片区")
    await chat.say("北山村12号")
    stale_buttons = list(chat.buttons)
    await client.close()  # the server goes away …
    restarted = await aiohttp_client(create_app(settings, clock=clock, knowledge=kb))  # … and a new one starts
    again = ChatSession(restarted, session=chat.session)
    await again.say("村口道路坑洼很多，老人出门容易摔跤")
    assert "希望怎么解决" in again.text
    await again.send(button=stale_buttons[0]["id"])  # 返回 from before the restart still works
    assert "发生了什么" in again.text
    await again.say("村口道路坑洼很多，老人出门容易摔跤")
    await again.say("修路")
    await again.say("13800138000")
    await again.press("确认提交")
    assert NUMBER.search(again.text)


async def test_case_numbers_are_unique_and_sequential(client) -> None:  # noqa: ANN001
    numbers = []
    for _ in range(3):
        chat = ChatSession(client)
        await fill_complaint(chat)
        await chat.press("确认提交")
        numbers.append(NUMBER.search(chat.text).group(0))
    assert len(set(numbers)) == 3
    assert sorted(numbers) == numbers


async def test_photo_and_location_in_the_form(client) -> None:  # noqa: ANN001
    from bot.core.messages import Channel, Inbound, InboundKind

    dialogue = client.app[keys.DIALOGUE]

    async def send(kind: InboundKind, text: str = "", n: list[int] = [0], **payload) -> str:  # noqa: B006, ANN003
        n[0] += 1
        replies = await dialogue.handle(Inbound(Channel.TELEGRAM, "42", f"u{n[0]}", kind, text, payload))
        return "\n".join(r.text for r in replies)

    await send(InboundKind.BUTTON, "intent:complaint")
    await send(InboundKind.BUTTON, "complaint:category:site_safety")
    assert "地址" not in await send(InboundKind.LOCATION, "位置：30.1,120.2")  # not an answer to the district
    await send(InboundKind.BUTTON, "complaint:district:nanhe")
    assert "发生了什么" in await send(InboundKind.LOCATION, "位置：30.100000,120.200000（南河路66号）")
    assert "收到图片" in await send(InboundKind.IMAGE, "围挡倒了", file_id="photo-1")
    await send(InboundKind.TEXT, "施工围挡倒在人行道上，很危险")
    await send(InboundKind.TEXT, "马上处理")
    text = await send(InboundKind.TEXT, "13800138000")
    assert "图片：1 张" in text and "南河路66号" in text
    text = await send(InboundKind.BUTTON, "complaint:confirm:yes")
    number = NUMBER.search(text).group(0)
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["details"]["attachments"][0]["file_id"] == "photo-1"
    assert row["channel"] == "telegram"


async def test_console_files_a_complaint(settings: Settings) -> None:
    typed = ["3", "1", "1", "东关街18号3单元", "评估报告漏算了阁楼面积", "重新测量", "138 0013 8000", "1", "q"]
    out = io.StringIO()
    await run_console(settings, io.StringIO("\n".join(typed) + "\n"), out)
    shown = out.getvalue()
    assert "请核对诉求登记" in shown and "13800138000" in shown
    assert NUMBER.search(shown.split("已登记")[1])
