"""Answers from the curated knowledge base: a matched topic with its source, or an honest "not sure"."""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import Button, Outbound
from bot.core.port import Conversation, RecordGap, Turn, TurnContext
from handlers import statutes
from handlers.dated_openings import dated_answer
from handlers.menu import MENU_BUTTON
from knowledge.entries import Entry
from knowledge.index import MatchResult

OFFER_BUTTONS = {
    "complaint": Button("intent:complaint", "登记诉求"),
    "moving_help": Button("intent:moving_help", "申请上门帮助"),
    "human": Button("intent:human", "转人工"),
}
HUMAN_BUTTON = Button("intent:human", "转人工")
MAX_RELATED = 3
SUGGESTIONS = 3
# how an answer names the flow a follow-up continues
FLOW_NAMES = {
    "complaint": "登记诉求",
    "status": "查进度",
    "moving_help": "申请上门帮助",
    "human": "转人工",
    "calculator": "估算补偿",
}
# below this score nothing in the knowledge base is even close: the question is outside the programme
OFF_TOPIC_SCORE = 0.2


def answer_topic(
    state: Conversation, entry: Entry, question: str, ctx: TurnContext, result: MatchResult | None = None
) -> Turn:
    """The entry's answer, its source line, follow-up topics and 有用 / 没用; for a follow-up, which topic it
    continues; for a message that asked two things, the other one as a button."""
    parts = [f"【{entry.title}】", dated_answer(entry, ctx.kb.params, ctx.now)]
    continued = _continued(result.continues, ctx) if result is not None and result.continues else None
    if continued:
        parts.insert(0, f"（接着{continued}说）")
    also = ctx.kb.topic(result.also) if result is not None and result.also else None
    if also is not None:
        parts.append(f"您还问到了“{also.title}”，点下面的按钮就能看。")
    if entry.quotes_county_numbers:
        parts.append(f"（{ctx.kb.params.get('sample_notice', '')}）")
    parts.append("依据：" + "；".join(entry.sources))
    buttons: list[Button] = [Button(f"topic:{also.id}", also.title)] if also is not None else []
    if entry.offer in OFFER_BUTTONS:
        buttons.append(OFFER_BUTTONS[entry.offer])
    for related_id in entry.related[:MAX_RELATED]:
        related = ctx.kb.topic(related_id)
        if related is not None and related is not also:
            buttons.append(Button(f"topic:{related.id}", related.title))
    buttons.append(statutes.button(entry.id))  # 查看条文: the exact articles this answer rests on
    # 返回菜单 too: from any answer a resident gets back to 登记诉求, 查进度 … without knowing what to type
    buttons += [Button(f"fb:1:{entry.id}", "有用"), Button(f"fb:0:{entry.id}", "没用"), MENU_BUTTON]
    new_state = replace(state.idle(), last_topic=entry.id, last_question=question, last_flow=None)
    return Turn(new_state, (Outbound("\n\n".join(p for p in parts if p), tuple(buttons)),))


def _continued(name: str, ctx: TurnContext) -> str | None:
    """How the answer names the context it continues: 上一个问题“临时安置费” or 刚才的“登记诉求”."""
    if name.startswith("flow:"):
        label = FLOW_NAMES.get(name.removeprefix("flow:"))
        return f"刚才的“{label}”" if label else None
    entry = ctx.kb.topic(name)
    return f"上一个问题“{entry.title}”" if entry is not None else None


def not_sure(state: Conversation, question: str, result: MatchResult, ctx: TurnContext) -> Turn:
    """Say we are not sure, offer the closest topics and a person; remember the question for curators."""
    gap = RecordGap(question=question, reason="abstain")
    close = [c for c in result.candidates if ctx.kb.topic(c.label) is not None][:SUGGESTIONS]
    # a question about the programme is never told it is outside it: "不太确定", the closest topics and a person
    if not result.in_domain and (result.score < OFF_TOPIC_SCORE or not close):
        text = (
            "抱歉，这个问题不在我能回答的范围里。我只回答房屋征收、补偿安置、诉求办理方面的问题。\n"
            "您可以换个说法再问，或者点“转人工”。"
        )
        return Turn(state.idle(), (Outbound(text, (HUMAN_BUTTON, MENU_BUTTON)),), (gap,))
    buttons = tuple(Button(f"topic:{c.label}", ctx.kb.entries[c.label].title) for c in close)
    if not buttons:
        text = "抱歉，我不太确定您问的是哪一项。可以换个说法再问一次，或者点“转人工”找工作人员。"
        return Turn(state.idle(), (Outbound(text, (HUMAN_BUTTON, MENU_BUTTON)),), (gap,))
    text = "抱歉，我不太确定您问的是哪一项。您是不是想问下面这些？都不是的话，可以点“转人工”。"
    return Turn(state.idle(), (Outbound(text, (*buttons, HUMAN_BUTTON, MENU_BUTTON)),), (gap,))
