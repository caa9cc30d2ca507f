"""The signing-reward answer opens with what applies on the day it is read (Beijing time), not the plan's first tier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messages import Inbound, InboundKind
from bot.core.port import Conversation, TurnContext
from handlers.router import respond
from knowledge.base import KnowledgeBase


async def reward_answer(kb: KnowledgeBase, now: datetime) -> tuple[str, str]:
    """The answer's first line and everything after it, the title left out."""
    turn = await respond(
        Conversation(),
        Inbound("web", "r", "签约奖励有多少", InboundKind.TEXT, "签约奖励有多少"),
        TurnContext(kb=kb, now=now),
    )
    assert turn.label == "comp.reward"
    _title, first, *rest = turn.replies[0].text.split("\n\n")
    return first, "\n\n".join(rest)


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (datetime(2026, 9, 15, 2, 0, tzinfo=UTC), "现在签约每户奖 30000 元（2026-10-15 前签约，含当天）"),
        # 2026-10-15 16:30 UTC is already 10-16 in Beijing: the first tier is over
        (datetime(2026, 10, 15, 16, 30, tzinfo=UTC), "现在签约每户奖 20000 元（2026-11-30 前签约，含当天）"),
        (datetime(2026, 12, 2, 1, 0, tzinfo=UTC), "现在签约每户奖 10000 元（2026-12-31 前签约，含当天）"),
        (datetime(2026, 8, 20, 1, 0, tzinfo=UTC), "签约从 2026-09-01 开始，2026-10-15 前签约每户奖 30000 元"),
    ],
)
async def test_the_reward_answer_opens_with_the_tier_of_today(kb: KnowledgeBase, now: datetime, opening: str) -> None:
    first, _ = await reward_answer(kb, now)
    assert first.startswith(opening)


async def test_passed_tiers_are_marked_and_never_open_the_answer(kb: KnowledgeBase) -> None:
    first, rest = await reward_answer(kb, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    assert "30000" not in first and "20000" not in first
    assert "• 2026-10-15 前（含当天）签约：30000 元（已截止）" in rest
    assert "• 2026-11-30 前（含当天）签约：20000 元（已截止）" in rest
    assert "• 2026-12-31 前（含当天）签约：10000 元\n" in rest + "\n"


async def test_after_the_last_tier_the_answer_says_there_is_no_reward(kb: KnowledgeBase) -> None:
    first, _ = await reward_answer(kb, datetime(2027, 1, 5, 1, 0, tzinfo=UTC))
    assert first.startswith("签约奖励各档都已截止")
    assert "每户奖" not in first
