"""A photo sent outside a form: added to the resident's newest open case (staff see it on the case page), or —
with no open case — acknowledged, with the way to send it as part of a new 诉求."""

from __future__ import annotations

from bot.cases.vocabulary import OPEN_STATUSES
from bot.core.messages import Inbound, Outbound
from bot.core.port import AttachToCase, Conversation, Outcomes, Turn, TurnContext
from handlers import menu

NO_CASE = "收到您的图片。登记诉求时发来的图片会作为材料附在诉求里；现在请告诉我您想办什么。"


async def outside_form(state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
    attachment_id = str(inbound.payload.get("attachment_id") or "")
    open_cases = [c for c in await ctx.cases.for_resident() if c.status in OPEN_STATUSES] if attachment_id else []
    if not open_cases:
        return Turn(state, (Outbound(NO_CASE, menu.MENU),))
    number = open_cases[0].number  # the newest
    photo = {
        "channel": inbound.channel,
        "file_id": str(inbound.payload.get("file_id") or "")[:200],
        "caption": inbound.text[:200],
        "attachment_id": attachment_id[:32],
    }
    effect = AttachToCase(number, photo)

    def told(outcomes: Outcomes) -> Turn:
        if outcomes.get(effect.ref):
            text = f"收到图片，已附在您的诉求 {number} 里，承办的工作人员能看到。"
        else:
            text = f"收到图片，但诉求 {number} 已附满图片，这张没有附上。如有需要，请在答复时告诉工作人员。"
        return Turn(state, (Outbound(text, menu.MENU),))

    return Turn(state, (), (effect,), then=told)
