"""Turning notices to a district (评估结果公示, 选房通知, 签约期限提醒 …) off and on: typed words (关闭通知, 不要再发通知,
打开通知 …) or the button under each notice. Notices about the resident's own cases are not affected."""

from __future__ import annotations

import re

from bot.core.messages import Outbound
from bot.core.port import Conversation, Outcomes, SetDistrictNotices, Turn
from bot.district_notices.vocabulary import BUTTON_KIND as BUTTON_KIND
from bot.district_notices.vocabulary import ON_BUTTON
from handlers.menu import MENU_BUTTON

OFF_WORDS = frozenset(
    {
        "关闭通知",
        "不要再发通知",
        "不要发通知",
        "别再发通知",
        "别发通知",
        "不再接收通知",
        "不再接收此类通知",
        "不接收通知",
        "退订通知",
        "关掉通知",
    }
)
ON_WORDS = frozenset({"打开通知", "开启通知", "恢复通知", "重新接收通知", "接收通知", "重新接收"})
_NOISE = re.compile(r"[\s，。！？!?,.~～、…]+")
_POLITE = re.compile(r"^(?:请|麻烦)?(.*?)(?:了|吧|啊|呀|哦|嘛)*$")


def _normalised(text: str) -> str:
    found = _POLITE.match(_NOISE.sub("", text))
    return found.group(1) if found else ""


def words(text: str) -> bool | None:
    """True: the message asks to turn the notices on; False: off; None: it is about something else."""
    if len(text) > 20:
        return None
    typed = _normalised(text)
    if typed in OFF_WORDS:
        return False
    if typed in ON_WORDS:
        return True
    return None


def button(state: Conversation, arg: str) -> Turn | None:
    """The 不再接收此类通知 / 重新接收通知 buttons; None for an argument they do not have."""
    if arg == "off":
        return turn(state, on=False)
    if arg == "on":
        return turn(state, on=True)
    return None


def turn(state: Conversation, on: bool) -> Turn:
    """Turn the notices on or off; the reply says whether anything changed. A form in progress keeps its place."""
    effect = SetDistrictNotices(on=on)

    def replied(outcomes: Outcomes) -> Turn:
        changed = bool(outcomes.get(effect.ref))
        if on:
            text = (
                "好的，已重新打开片区通知：您家所在片区的评估结果公示、选房通知、签约期限提醒等，会发到这里。"
                if changed
                else "片区通知本来就是打开的，您家所在片区有通知时会发到这里。"
            )
            return Turn(state, (Outbound(text + "不想接收时，回复“关闭通知”。", (MENU_BUTTON,)),))
        text = (
            "好的，已关闭片区通知：以后不再给您发评估结果公示、选房通知、签约期限提醒这类通知。"
            if changed
            else "您已经关闭了片区通知。"
        )
        text += "您自己登记的诉求有进展时，仍会告诉您。想重新接收，回复“打开通知”。"
        return Turn(state, (Outbound(text, (ON_BUTTON, MENU_BUTTON)),))

    return Turn(state, (), (effect,), then=replied)
