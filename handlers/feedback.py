"""有用 / 没用 on an answer: stored; 没用 also puts the question on the curators' list."""

from __future__ import annotations

from bot.core.messages import Outbound
from bot.core.port import Conversation, RecordFeedback, RecordGap, Turn, TurnContext
from handlers.knowledge_answer import HUMAN_BUTTON
from handlers.menu import MENU_BUTTON


def record(state: Conversation, topic_id: str, helpful: bool, ctx: TurnContext) -> Turn:
    """Thank the resident; on 没用 offer a person and remember the question."""
    question = state.last_question if state.last_topic == topic_id and state.last_question else ""
    effects: list = [RecordFeedback(topic_id=topic_id, helpful=helpful, question=question)]
    if helpful:
        return Turn(state, (Outbound("谢谢您的反馈！还有别的问题可以接着问。", (MENU_BUTTON,)),), tuple(effects))
    effects.append(
        RecordGap(question=question or ctx.kb.entries[topic_id].title, reason="unhelpful", topic_id=topic_id)
    )
    text = "抱歉没能帮上忙，我们会改进这条回答。您可以换个说法再问，或者点“转人工”找工作人员。"
    return Turn(state, (Outbound(text, (HUMAN_BUTTON, MENU_BUTTON)),), tuple(effects))
