"""The case forms in the terminal (`python -m bot chat`): buttons are numbered, typing the number presses one."""

from __future__ import annotations

import io
import re

from bot.console import run_console
from bot.settings import Settings

NUMBER = re.compile(r"AJ-\d{4}-\d{6}")


async def talk(settings: Settings, typed: list[str], user_key: str = "local") -> str:
    out = io.StringIO()
    await run_console(settings, io.StringIO("\n".join([*typed, "q"]) + "\n"), out, user_key=user_key)
    return out.getvalue()


async def test_help_request_then_status_in_the_console(settings: Settings) -> None:
    # 申请帮助 → 替家人 → 称呼 → 子女 → 高龄老人 → 义务搬家, 选好了 → 西街 → 地址 → 周末 → 电话 → 确认提交
    shown = await talk(settings, ["4", "2", "李秀英", "1", "1", "1", "5", "2", "西街12号2楼", "2", "13900139000", "1"])
    assert "李秀英（由子女代为申请）" in shown and "情况：高龄老人" in shown and "西街片区征收工作组" in shown
    number = NUMBER.search(shown.split("已登记")[1]).group(0)
    later = await talk(settings, ["5"])  # 查进度, same terminal user
    assert number in later and "帮扶申请" in later


async def test_question_for_a_person_in_the_console(settings: Settings) -> None:
    shown = await talk(settings, ["6", "过渡费从哪天开始算？", "1"], user_key="someone")
    assert "已转给工作人员" in shown and NUMBER.search(shown)
