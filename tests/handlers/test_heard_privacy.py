"""A binding code or ID digits said aloud: the echo "我听到的是：…" keeps them out of the message log as the typed
message does (issue 14: nothing typed in the binding flow is kept in clear)."""

from __future__ import annotations

from bot.core.messages import Inbound, InboundKind, Outbound
from bot.core.port import Conversation, Turn
from handlers import voice
from handlers.binding import PRIVATE


def heard(text: str) -> Inbound:
    return Inbound("wechat", "resident", "v1", InboundKind.VOICE, text, {"heard": True})


async def test_what_an_answer_keeps_private_is_not_echoed() -> None:
    async def answer(inbound: Inbound) -> Turn:
        assert inbound.kind is InboundKind.TEXT and inbound.text == "1234 5678 9012"
        return Turn(Conversation(), (Outbound("绑定码不对"),), log_text=PRIVATE)

    turn = await voice.answer_heard(heard("1234 5678 9012"), answer)
    assert turn.replies[0].text == f"我听到的是：{PRIVATE}"
    assert all("1234" not in reply.text for reply in turn.replies)


async def test_anything_else_heard_is_shown_as_heard() -> None:
    async def answer(inbound: Inbound) -> Turn:
        return Turn(Conversation(), (Outbound("过渡费……"),))

    turn = await voice.answer_heard(heard("过渡费怎么发"), answer)
    assert turn.replies[0].text == "我听到的是：过渡费怎么发"
