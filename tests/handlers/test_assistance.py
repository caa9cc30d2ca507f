"""申请帮助 end to end over /api/chat: for oneself or someone else, multi-select services, priority and the
1-working-day contact deadline."""

from __future__ import annotations

import re

from bot import keys
from tests.support.cases import case_row
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")


async def test_help_request_for_a_parent(chat: ChatSession, client) -> None:  # noqa: ANN001
    await chat.send(text="", start=True)
    await chat.press("申请帮助")
    await chat.press("替家人")
    await chat.say("王大爷")
    assert "您是王大爷的什么人" in chat.text
    await chat.press("子女")
    await chat.press("孤寡")
    assert "可以多选" in chat.text
    await chat.press("选好了")
    assert "至少选一项" in chat.text
    await chat.press("义务搬家")
    assert "已选：义务搬家" in chat.text and "✓ 义务搬家" in [b["label"] for b in chat.buttons]
    await chat.press("帮忙打包")
    await chat.press("✓ 帮忙打包")  # untick
    assert "已选：义务搬家" in chat.text and "打包" not in chat.text.split("已选：")[1].split("。")[0]
    await chat.say("代办手续")  # typed works too
    await chat.press("选好了")
    await chat.press("东关片区")
    await chat.say("东关街3号2楼")
    await chat.press("周末")
    await chat.say("13900139000")
    # the relation is the applicant's (issue 9 point 15: "王大爷（子女）" read as if he were the child)
    assert "申请对象：王大爷（由子女代为申请）" in chat.text and "（子女）" not in chat.text
    assert "义务搬家、代办手续" in chat.text and "周末" in chat.text
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    assert "东关片区征收工作组" in chat.text
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["type"] == "assistance" and row["priority"] == 1 and row["status"] == "dispatched"
    assert row["description"].startswith("子女代王大爷申请")
    assert row["details"]["services"] == ["moving", "paperwork"] and row["details"]["name"] == "王大爷"
    # contact within one working day: Tuesday 15 Sep 2026 → end of Wednesday 16 Sep (Beijing)
    assert row["notify_due"].isoformat() == "2026-09-16T16:00:00+00:00"


async def test_help_request_for_oneself_skips_name_and_relation(chat: ChatSession) -> None:
    await chat.send(button="intent:moving_help")
    await chat.press("给我自己")
    assert "什么情况" in chat.text
    await chat.press("残疾")
    await chat.press("上门讲解政策")
    await chat.press("选好了")
    await chat.press("不清楚")
    await chat.say("北山村委会旁边")
    await chat.say("周三上午")
    await chat.say("0571 87654321")
    assert "申请对象：本人" in chat.text and "0571-87654321" in chat.text
    await chat.press("返回修改")
    await chat.press("返回")
    assert "哪些时间方便" in chat.text
    await chat.say("下")
    assert "方便的时间" in chat.text
    await chat.say("下周都行")
    await chat.say("0571 87654321")
    await chat.press("确认提交")
    assert NUMBER.search(chat.text) and "已登记" in chat.text


async def test_a_plain_elderly_option(chat: ChatSession, client) -> None:  # noqa: ANN001
    """Issue 9 point 15: an old person who lives with family is 高龄老人 — no need to claim 孤寡或独居 (failed before)."""
    await chat.send(button="intent:moving_help")
    await chat.press("给我自己")
    labels = [b["label"] for b in chat.buttons]
    assert labels[:2] == ["高龄老人", "孤寡或独居老人"]
    await chat.press("高龄老人")
    await chat.press("义务搬家")
    await chat.press("选好了")
    await chat.press("东关片区")
    await chat.say("东关街3号2楼")
    await chat.press("工作日")
    await chat.say("13900139000")
    assert "情况：高龄老人" in chat.text
    await chat.press("确认提交")
    row = await case_row(client.app[keys.ENGINE], NUMBER.search(chat.text).group(0))
    assert row["details"]["situation"] == "elderly" and "情况：高龄老人" in row["description"]
