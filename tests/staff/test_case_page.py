"""The case page (bot/staff/case_page.py): what a help request's form collected, in words that read right."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from tests.staff.agent import StaffAgent
from tests.support.transcript import ChatSession

Login = Callable[[str], Awaitable[StaffAgent]]
NUMBER = re.compile(r"AJ-2026-\d{6}")


def facts(page: str) -> dict[str, str]:
    return {dt: re.sub(r"<[^>]+>", "", dd).strip() for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", page)}


async def test_a_help_request_names_who_needs_help_and_who_applied(chat: ChatSession, login: Login) -> None:
    """Issue 9 point 15: the page said 与申请人关系：子女 — as if 王秀英 were the applicant's child (failed before)."""
    await chat.send(button="intent:moving_help")
    await chat.press("替家人")
    await chat.say("王秀英")
    await chat.press("子女")
    await chat.press("高龄老人")
    await chat.press("义务搬家")
    await chat.press("选好了")
    await chat.press("东关片区")
    await chat.say("东关街3号2楼")
    await chat.press("周末")
    await chat.say("13900139000")
    await chat.press("确认提交")
    number = NUMBER.search(chat.text).group(0)
    page = facts(await (await login("dongguan")).page(f"/staff/cases/{number}"))
    assert page["被帮扶人"] == "王秀英" and page["申请人"] == "子女（代为申请）" and page["困难情况"] == "高龄老人"
    assert "与申请人关系" not in page
