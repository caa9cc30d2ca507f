"""Where to find a person: the headquarters, the district work groups, the hotline."""

from __future__ import annotations

from bot.core.messages import Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers.menu import MENU_BUTTON


def contact_text(ctx: TurnContext) -> str:
    p = ctx.kb.params
    c = p["contacts"]
    lines = [
        f"{c['headquarters']}：{c['headquarters_address']}，电话 {c['headquarters_phone']}（{c['hours']}）",
        *(f"{d['office']}：{d['address']}，电话 {d['phone']}" for d in p["districts"]),
        f"政务服务便民热线：{c['hotline']}",
    ]
    return "\n".join(lines)


def human(state: Conversation, ctx: TurnContext) -> Turn:
    """Tell the resident how to reach a person now."""
    text = "需要工作人员帮忙，可以直接打电话或上门：\n" + contact_text(ctx) + f"\n（{ctx.kb.params['sample_notice']}）"
    return Turn(state.idle(), (Outbound(text, (MENU_BUTTON,)),))
