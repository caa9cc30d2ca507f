"""Follow-ups over /api/chat: the context is the dialogue state committed with each turn, so it carries from one
message to the next (and across a restart), after an answer and after a filed case."""

from __future__ import annotations

from knowledge.base import KnowledgeBase
from tests.support.cases import fill_complaint
from tests.support.transcript import ChatSession


async def test_a_follow_up_after_an_answer_continues_its_topic(chat: ChatSession, kb: KnowledgeBase) -> None:
    await chat.say("评估结果俺不认")
    title = kb.entries["comp.appraisal_dispute"].title
    assert f"【{title}】" in chat.text
    await chat.say("那得多少天内提")
    assert chat.text.startswith(f"（接着上一个问题“{title}”说）")
    assert f"【{title}】" in chat.text


async def test_a_new_question_breaks_the_context(chat: ChatSession, kb: KnowledgeBase) -> None:
    await chat.say("评估结果俺不认")
    await chat.say("安置房建在哪里")
    assert f"【{kb.entries['comp.swap_location'].title}】" in chat.text and "接着" not in chat.text
    await chat.say("离原来的地方远不远")  # now the follow-up is about the new topic
    assert f"【{kb.entries['comp.swap_location'].title}】" in chat.text


async def test_a_follow_up_after_a_filed_case_is_about_the_case(chat: ChatSession, kb: KnowledgeBase) -> None:
    await fill_complaint(chat)
    await chat.press("确认提交")
    assert "AJ-" in chat.text
    await chat.say("要多久")
    assert chat.text.startswith("（接着刚才的“登记诉求”说）")
    assert f"【{kb.entries['petition.deadlines'].title}】" in chat.text
