"""Robot messages: one notice with its dashboard link, or a burst folded into one message within the size limit."""

from __future__ import annotations

from bot.channels.robots.render import MAX_BYTES, render
from bot.core.messages import Link, Outbound

BASE = "https://anju.example.gov.cn"


def test_one_notice_keeps_its_lines_and_link() -> None:
    title, text = render(
        [
            Outbound(
                "【新案件】AJ-2026-000001\n类别：其他", links=(Link("在工作台查看", "/staff/cases/AJ-2026-000001"),)
            )
        ],
        BASE,
    )
    assert title == "【新案件】AJ-2026-000001"
    assert text == f"【新案件】AJ-2026-000001\n\n类别：其他\n\n[在工作台查看]({BASE}/staff/cases/AJ-2026-000001)"


def test_without_a_public_address_no_link_is_made_up() -> None:
    _, text = render([Outbound("提醒", links=(Link("在工作台查看", "/staff/cases/AJ-2026-000001"),))], "")
    assert text == "提醒"


def test_a_large_burst_is_cut_to_the_limit_and_says_how_many_more() -> None:
    messages = [
        Outbound(
            f"【新案件】AJ-2026-{n:06d} " + "很长的类别名称" * 8,
            links=(Link("在工作台查看", f"/staff/cases/AJ-2026-{n:06d}"),),
        )
        for n in range(30)
    ]
    title, text = render(messages, BASE)
    assert title == "安居助手：30 条通知" and len(text.encode()) <= MAX_BYTES
    assert "AJ-2026-000000" in text and "条，请在工作台查看。" in text and "AJ-2026-000029" not in text


def test_markdown_in_a_text_cannot_make_a_link() -> None:
    _, text = render([Outbound("[点我](http://evil.example) **粗体**")], BASE)
    assert "](" not in text and "**" not in text
