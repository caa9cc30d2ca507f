"""A conversation replayed through the router without a database: how the dialogue understands the last of a
resident's messages after the earlier ones (`kb match --jsonl` and `kb eval` with {"turns": […]})."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.messages import Channel, Inbound, InboundKind
from bot.core.port import Conversation, Turn, TurnContext
from handlers.router import respond
from knowledge.base import KnowledgeBase


async def replay(kb: KnowledgeBase, texts: list[str], now: datetime | None = None) -> Turn:
    """The router's turn for the last text, each earlier text having been answered first — the same step functions
    as the dialogue, with no cases on file. A turn whose replies wait on effects (a form filed) ends its flow here,
    as it does once the case is written."""
    ctx = TurnContext(kb=kb, now=now or datetime.now(UTC), message_key="replay")
    state = Conversation()
    turn = Turn(state, ())
    for n, text in enumerate(texts):
        inbound = Inbound(Channel.CONSOLE, "replay", f"replay-{n}", InboundKind.TEXT, text)
        turn = await respond(state, inbound, replace(ctx, message_key=f"replay:{n}"))
        state = turn.state if turn.then is None else replace(turn.state.idle(), last_flow=turn.state.last_flow)
    return turn
