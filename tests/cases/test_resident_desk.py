"""What 查进度 reads from a case (bot/cases/resident_desk.py): its 最新答复 is the latest reply of staff."""

from __future__ import annotations

import re

from bot import keys
from tests.support.cases import add_user, fill_complaint
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-2026-\d{6}")


def latest_reply(text: str) -> str | None:
    found = re.search(r"最新答复（[^）]*）：\n(.+)", text)
    return found.group(1) if found else None


async def test_latest_reply_is_the_staff_reply_not_an_extension_reason(chat: ChatSession, client, clock) -> None:  # noqa: ANN001
    """Issue 9 point 15: after a 延期 查进度 showed the extension's reason as 最新答复 (failed before the fix), and
    the 已受理 notice before any reply."""
    await fill_complaint(chat)
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    service = client.app[keys.CASES]
    await service.claim(staff, number)
    await chat.send(button="intent:status")
    await chat.press(f"查看 {number}")
    assert latest_reply(chat.text) is None and "还没有工作人员的答复" in chat.text
    await service.reply(staff, number, "已安排评估公司下周复核。")
    clock.advance(hours=1)
    await service.extend(staff, number, 10, "需要委托第三方重新测绘")
    await chat.send(button="intent:status")
    await chat.press(f"查看 {number}")
    assert latest_reply(chat.text) == "已安排评估公司下周复核。"
    await service.resolve(staff, number, "已复核，面积补记12平方米。")
    await chat.send(button="intent:status")
    await chat.press(f"查看 {number}")
    assert latest_reply(chat.text) == "已复核，面积补记12平方米。"
