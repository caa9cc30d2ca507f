"""Greetings, thanks and acknowledgements: answered kindly, never matched against the knowledge base."""

from __future__ import annotations

from bot.core.messages import Outbound
from bot.core.port import Conversation, Turn
from handlers.menu import MENU, MENU_BUTTON
from knowledge.text import compact

GREETINGS = frozenset("你好 您好 在吗 在不在 有人吗 有人在吗 哈喽 嗨 喂 早上好 下午好 晚上好 hi hello".split())
THANKS = frozenset("谢谢 谢谢你 谢谢您 多谢 感谢 辛苦了 麻烦你了 谢了 thanks".split())
ACKNOWLEDGEMENTS = frozenset("好 好的 好吧 嗯 嗯嗯 哦 噢 行 知道了 明白了 懂了 ok 收到 可以 没事了 没有了".split())
LONGEST = 40  # characters, punctuation and emoji included: anything longer is a question, not small talk


def reply(state: Conversation, text: str) -> Turn | None:
    """A kind answer to small talk, or None when the text is a real question."""
    if len(text) > LONGEST:
        return None
    key = compact(text)
    if key in GREETINGS:
        return Turn(state, (Outbound("您好！我是安居助手。有房屋征收、补偿安置方面的问题，直接打字问我就行。", MENU),))
    if key in THANKS:
        return Turn(state, (Outbound("不客气！还有别的问题随时问我。", (MENU_BUTTON,)),))
    if key in ACKNOWLEDGEMENTS:
        return Turn(state, (Outbound("好的。还有别的问题可以接着问，或者点“返回菜单”。", (MENU_BUTTON,)),))
    return None
