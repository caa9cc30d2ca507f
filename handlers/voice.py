"""Voice messages, once the channel has had them transcribed (bot/speech): the resident is shown what was heard
("我听到的是：…") with a way to correct it, and the words are answered as if typed; when nothing could be heard
(silence, noise, the server timed out or is not there) they are asked to type or to call the hotline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from bot.core.messages import Button, Channel, Inbound, InboundKind, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers import menu
from handlers.flows import Flow
from handlers.form import Form, with_recording

AGAIN = "voice:again"
AGAIN_LABEL = "不对，我重新说或打字"


def was_heard(inbound: Inbound) -> bool:
    """A voice message the channel transcribed (not WeChat's own `Recognition`, which counts as typed)."""
    return inbound.kind is InboundKind.VOICE and bool(inbound.text) and bool(inbound.payload.get("heard"))


async def answer_heard(inbound: Inbound, answer: Callable[[Inbound], Awaitable[Turn]]) -> Turn:
    """What was heard, then the answer to it as if it had been typed."""
    turn = await answer(replace(inbound, kind=InboundKind.TEXT))
    # what the answer keeps out of the message log (a binding code, ID digits) is not echoed back into it either
    heard = turn.log_text or inbound.text
    return _after_heard(turn, Outbound(f"我听到的是：{heard}", (Button(AGAIN, AGAIN_LABEL),)))


def _after_heard(turn: Turn, heard: Outbound) -> Turn:
    then = turn.then
    return replace(
        turn,
        replies=(heard, *turn.replies),
        then=None if then is None else (lambda outcomes: _after_heard(then(outcomes), heard)),
    )


def not_heard(state: Conversation, inbound: Inbound, ctx: TurnContext, flows: Mapping[str, Flow]) -> Turn:
    """Nothing to answer: type it, or call the hotline (an open form keeps its question)."""
    hotline = ctx.kb.params["contacts"]["hotline"]
    if inbound.payload.get("stt") == "empty":
        text = f"抱歉，这段语音我没有听清。请靠近手机再说一遍，或者打字告诉我；也可以拨打热线 {hotline}。"
    else:
        text = f"抱歉，语音暂时无法识别。请打字告诉我，或拨打热线 {hotline}。"
    if isinstance(flows.get(state.flow or ""), Form) and inbound.payload.get("recording_id"):
        state = with_recording(state, inbound)  # staff can still listen to it with the case
    return Turn(state, (Outbound(text, () if state.flow in flows else (menu.MENU_BUTTON,)),))


async def again(state: Conversation, ctx: TurnContext, flows: Mapping[str, Flow]) -> Turn:
    """不对，我重新说: in a form, back to the question the voice answered; elsewhere, a prompt to say it again."""
    flow = flows.get(state.flow or "")
    prompt = Outbound("好的，请再说一遍，或者直接打字告诉我。")
    if isinstance(flow, Form):
        word = Inbound(Channel.WEB, "", "", InboundKind.TEXT, "返回")  # the form reads only the word
        back = await flow.step(state, word, ctx)
        return replace(back, replies=(prompt, *back.replies))
    return Turn(state, (replace(prompt, buttons=(menu.MENU_BUTTON,)),))
