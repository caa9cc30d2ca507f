"""Answers whose first line depends on the day they are read: the signing reward of today, not of the plan's
first day. Entries name theirs with `dated:` in their front matter; the rest of the answer stays as rendered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.cases.workdays import local_day
from bot.compensation import CompensationParams, ParamsError, parse_params
from bot.compensation.params import RewardTier
from knowledge.entries import Entry

PASSED = "（已截止）"


def dated_answer(entry: Entry, params: dict[str, Any], now: datetime) -> str:
    """The entry's answer as it reads on `now`'s day in Beijing time (unchanged when it has no dated opening or
    the county's plan cannot be read)."""
    opening = OPENINGS.get(entry.dated or "")
    if opening is None:
        return entry.answer
    try:
        plan = parse_params(params).on(local_day(now))
    except ParamsError:
        return entry.answer
    return opening(entry.answer, plan)


def _signing_reward(answer: str, plan: CompensationParams) -> str:
    """Opens with the reward for signing today; tiers already over are marked in the list."""
    today = plan.as_of
    assert today is not None
    if not plan.signing_reward:
        return answer
    if plan.tiers_closed:
        first = plan.closed_tiers_text()
    else:
        tier = plan.open_tiers[0]
        if today < plan.programme.signing_start:
            first = (
                f"签约从 {plan.programme.signing_start.isoformat()} 开始，{tier.until.isoformat()} 前签约每户奖 "
                f"{tier.amount:f} 元；签得越早奖励越多。"
            )
        else:
            first = f"现在签约每户奖 {tier.amount:f} 元（{tier.until.isoformat()} 前签约，含当天）；签得越早奖励越多。"
    _, _, rest = answer.partition("\n\n")
    lines = [_marked(line, plan.signing_reward, today) for line in rest.splitlines()]
    return "\n\n".join(p for p in (first, "\n".join(lines)) if p)


def _marked(line: str, tiers: tuple[RewardTier, ...], today: date) -> str:
    """A tier's line of the list, marked when its last day has passed."""
    for tier in tiers:
        if tier.until < today and line.startswith(f"• {tier.until.isoformat()} 前") and not line.endswith(PASSED):
            return line + PASSED
    return line


OPENINGS: dict[str, Callable[[str, CompensationParams], str]] = {"signing_reward": _signing_reward}
