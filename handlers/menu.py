"""The main menu and the greeting: six large buttons for what residents come for."""

from __future__ import annotations

from bot.core.messages import Button, Outbound
from bot.core.port import Conversation, Turn, TurnContext

MENU = (
    Button("menu:ask", "咨询政策"),
    Button("intent:calculator", "估算补偿"),
    Button("intent:complaint", "登记诉求"),
    Button("intent:moving_help", "申请帮助"),
    Button("intent:status", "查进度"),
    Button("intent:human", "转人工"),
)
MENU_BUTTON = Button("menu", "返回菜单")
# typed words that mean "show me the menu"
MENU_WORDS = frozenset(
    {"菜单", "主菜单", "目录", "开始", "返回菜单", "返回", "/start", "/menu", "start", "menu", "help", "/help", "帮助"}
)
POPULAR_TOPICS = ("comp.scope", "comp.monetary_vs_swap", "comp.relocation_fee", "comp.transition_fee", "proc.timeline")


def welcome(state: Conversation, ctx: TurnContext) -> Turn:
    """Greet and show the menu."""
    county = ctx.kb.params.get("county", "")
    text = (
        f"您好，我是{county}房屋征收“安居助手”。\n"
        "政策问题可以直接打字问我，比如“搬迁费怎么算”“过渡费发多久”。\n"
        "也可以点下面的按钮。"
    )
    return Turn(state.idle(), (Outbound(text, MENU),))


def ask_prompt(state: Conversation, ctx: TurnContext) -> Turn:
    """Invite a typed question and offer the most asked topics."""
    buttons = tuple(Button(f"topic:{t}", ctx.kb.entries[t].title) for t in POPULAR_TOPICS if ctx.kb.topic(t))
    text = "请直接打字说出您的问题，一句话就行。大家常问的有："
    return Turn(state.idle(), (Outbound(text, (*buttons, MENU_BUTTON)),))
