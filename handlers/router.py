"""One entry point for every inbound message: command, button, active flow, intent, knowledge, fallback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.button_ids import parse_button
from bot.core.messages import Inbound, InboundKind, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers import (
    assistance,
    binding,
    calculator,
    case_status,
    complaint,
    contacts,
    district_notices,
    feedback,
    household_answer,
    human_handoff,
    knowledge_answer,
    menu,
    photos,
    rating,
    smalltalk,
    statutes,
    voice,
)
from handlers.flows import CANCEL_WORDS, Flow
from knowledge.base import Context

MENU_LABELS = {b.label: b.id for b in menu.MENU}
# every multi-step flow, by its name (the state's `flow`, its buttons' kind): a new flow is listed here
FLOWS: Mapping[str, Flow] = {
    flow.name: flow
    for flow in (
        complaint.complaint,
        assistance.assistance,
        human_handoff.human_handoff,
        case_status.case_status,
        rating.rating_reason,
        calculator.FLOW,
        binding.binding,
    )
}


async def respond(state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
    """Decide what one inbound message means for this resident and what to answer."""
    return _remember_flow(state, await _respond(state, inbound, ctx))


def _remember_flow(before: Conversation, turn: Turn) -> Turn:
    """Keep the flow that ran as the conversation's context (a follow-up after a filed case is about the case),
    and label a flow's step with its intent."""
    flow = turn.state.flow
    if flow is None and before.flow in FLOWS and turn.label is None and turn.state.last_flow is not None:
        flow = before.flow  # the flow ended in this turn (filed, cancelled): still what the conversation is about
    if flow is None:  # no flow ran, or a topic was answered (its answer replaced the flow as the context)
        return turn
    then = turn.then
    return replace(
        turn,
        state=replace(turn.state, last_flow=flow),
        then=None if then is None else (lambda outcomes: _remember_flow(before, then(outcomes))),
        label=turn.label or f"intent:{flow}",
        score=turn.score or 1.0,
    )


async def _respond(state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
    if inbound.kind is InboundKind.START:
        return menu.welcome(state, ctx)
    if inbound.kind is InboundKind.BUTTON:
        return await _button(state, inbound.text, ctx)
    text = inbound.text
    if inbound.kind is InboundKind.VOICE and not text:
        return voice.not_heard(state, inbound, ctx, FLOWS)
    if voice.was_heard(inbound):  # "我听到的是：…", then the answer as if typed
        return await voice.answer_heard(inbound, lambda typed: _respond(state, typed, ctx))
    if (on := district_notices.words(text)) is not None:  # 关闭通知 / 打开通知, also while a form is open
        return district_notices.turn(state, on)
    if (flow := FLOWS.get(state.flow or "")) is not None:
        turn = await flow.step(state, inbound, ctx)
        if turn.replies or turn.state.flow is not None:
            return turn
        state = turn.state  # the flow closed without a reply: the message is not for it, answer it here
    if inbound.kind is InboundKind.LOCATION:
        return Turn(state, (Outbound("收到您的位置。登记诉求或申请上门帮助时，可以把位置发给我当作地址。", menu.MENU),))
    if inbound.kind is InboundKind.IMAGE:  # added to the resident's open case, if there is one
        return await photos.outside_form(state, inbound, ctx)
    if text.lower() in CANCEL_WORDS:
        return Turn(state, (Outbound("现在没有正在办理的事项。需要什么可以直接说，或点下面的按钮。", menu.MENU),))
    if not text:
        return Turn(state, (Outbound("请打字告诉我您的问题，或点下面的按钮。", menu.MENU),))
    if text.lower() in menu.MENU_WORDS:
        return menu.welcome(state, ctx)
    if text in MENU_LABELS:
        return await _button(state, MENU_LABELS[text], ctx)
    return await _question(state, text, ctx)


async def _question(state: Conversation, text: str, ctx: TurnContext) -> Turn:
    small_talk = smalltalk.reply(state, text)
    if small_talk is not None:
        return small_talk
    aspect = ctx.kb.own_question(text)  # about the resident's own household: "俺家能补多少", "过渡费发到几月了"
    if aspect is None:
        return await _general(state, text, ctx)
    own = await ctx.households.own_file()
    if own is not None:
        return household_answer.answer(state, own, aspect, text, ctx)
    return household_answer.with_bind_offer(await _general(state, text, ctx))


async def _general(state: Conversation, text: str, ctx: TurnContext) -> Turn:
    """What the knowledge base answers: an intent, a topic, or not sure."""
    result = ctx.kb.match(text, context_of(state, ctx))
    if result.label is None:
        return knowledge_answer.not_sure(state, text, result, ctx)
    if result.label.startswith("intent:"):
        turn = await _intent(state, result.label.removeprefix("intent:"), ctx, question=text)
        return replace(turn, label=result.label, score=result.score)
    turn = knowledge_answer.answer_topic(state, ctx.kb.entries[result.label], text, ctx, result)
    return replace(turn, label=result.label, score=result.score)


def context_of(state: Conversation, ctx: TurnContext) -> Context | None:
    """What the conversation is about: the flow that ran last (its topics), else the last topic answered and its
    related topics — with the question that led there."""
    if state.last_flow in FLOW_TOPICS:
        topics = tuple(t for t in FLOW_TOPICS[state.last_flow] if ctx.kb.topic(t) is not None)
        question = state.last_question or FLOW_QUESTIONS.get(state.last_flow, "")
        return Context(question, topics, f"flow:{state.last_flow}", only_topics=True) if topics and question else None
    entry = ctx.kb.topic(state.last_topic) if state.last_topic else None
    if entry is None:
        return None
    question = f"{entry.title} {state.last_question or ''}".strip()
    return Context(question, (entry.id, *entry.related), entry.id)


async def _button(state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
    kind, arg = parse_button(button_id)
    if button_id == voice.AGAIN:  # what was heard was wrong: in a form, back to its question
        return await voice.again(state, ctx, FLOWS)
    if kind == statutes.BUTTON_KIND:  # 查看条文 of an answer, also while a form is open: the form keeps its place
        return statutes.show(state, arg, ctx)
    if kind == district_notices.BUTTON_KIND and (turn := district_notices.button(state, arg)) is not None:
        return turn  # 不再接收此类通知 under a notice
    if (flow := FLOWS.get(state.flow or "")) is not None and kind not in {"menu", "intent", "topic", "rate"}:
        turn = await flow.button(state, button_id, ctx)
        if turn.replies or turn.state.flow is not None:
            return turn
        state = turn.state  # the flow closed without a reply: the button is not for it
    if kind == "rate":
        return rating.rate(state, arg, ctx)
    if kind in FLOWS:  # a button of a flow that is not running (an earlier message): the flow answers it
        return await FLOWS[kind].button(state, button_id, ctx)
    if button_id == "menu":
        return menu.welcome(state, ctx)
    if button_id == "menu:ask":
        return menu.ask_prompt(state, ctx)
    if kind == "topic" and ctx.kb.topic(arg) is not None:
        return knowledge_answer.answer_topic(state, ctx.kb.entries[arg], state.last_question or "", ctx)
    if kind == "fb":
        helpful, topic_id = parse_button(arg)
        if helpful in {"0", "1"} and ctx.kb.topic(topic_id) is not None:
            return feedback.record(state, topic_id, helpful == "1", ctx)
    if kind == "intent":
        return await _intent(state, arg, ctx)
    return Turn(state, (Outbound("这个按钮已经过期了，请重新选择。", menu.MENU),))


async def _intent(state: Conversation, name: str, ctx: TurnContext, question: str = "") -> Turn:
    """Start the flow for an intent, or, where no flow serves it yet, say how to get it done."""
    if name in FLOWS:  # the question that started it goes along — or, from a button, the question just answered
        # (断水断电怎么办 → 登记诉求): a flow may take answers from it (85平, the category)
        return await FLOWS[name].start(replace(state.idle(), last_question=question or state.last_question), ctx)
    if name in INTENT_TOPICS and ctx.kb.topic(INTENT_TOPICS[name]) is not None:
        turn = knowledge_answer.answer_topic(state, ctx.kb.entries[INTENT_TOPICS[name]], question, ctx)
        extra = Outbound("也可以直接联系工作人员：\n" + contacts.contact_text(ctx), (menu.MENU_BUTTON,))
        return Turn(turn.state, (*turn.replies, extra), turn.effects)
    if name == "human":
        return contacts.human(state, ctx)
    return Turn(state, (Outbound("这个按钮已经过期了，请重新选择。", menu.MENU),))


# after a flow, the topics a follow-up is about ("要多久" after filing a case: the handling deadlines), and the
# question that stands for the flow when the resident started it with a button
FLOW_TOPICS: dict[str, tuple[str, ...]] = {
    "complaint": ("petition.deadlines", "petition.how", "petition.review", "petition.privacy"),
    "status": ("petition.deadlines", "petition.review", "petition.how"),
    "moving_help": ("help.elderly_disabled", "comp.relocation_fee", "help.contact"),
    "human": ("help.contact", "petition.how"),
    "calculator": ("comp.scope", "comp.valuation", "comp.monetary_vs_swap", "comp.reward", "comp.payment_time"),
}
FLOW_QUESTIONS = {
    "complaint": "登记诉求",
    "status": "查诉求进度",
    "moving_help": "申请上门帮助搬家",
    "human": "找工作人员",
    "calculator": "估算补偿",
}

# intents without a flow of their own are answered by the topic that explains how to do it in person
# (complaint, moving_help, status and human now have flows)
INTENT_TOPICS: dict[str, str] = {}
