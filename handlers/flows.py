"""What multi-step flows (forms) share; they are listed in handlers/router.py (FLOWS). A flow owns the conversation until it finishes or is cancelled.

Flows are async only so that they can read through the narrow ports in TurnContext; they never write:
what a turn changes is returned as effects and committed by the core with the new state."""

from __future__ import annotations

from typing import Protocol

from bot.core.messages import Inbound
from bot.core.port import Conversation, Turn, TurnContext

CANCEL_WORDS = frozenset({"取消", "退出", "不办了", "/cancel", "cancel"})
BACK_WORDS = frozenset({"返回", "上一步", "back"})
# a video, file, link, sticker … sent where a form asks a question (the adapter marks it `unsupported`)
NEEDS_TEXT = "这一步需要打字回答：您发来的不是文字，我读不了。请回答下面的问题。"


def is_unsupported(inbound: Inbound) -> bool:
    """A message the channel could not turn into text or a known kind (Inbound.payload["unsupported"])."""
    return bool(inbound.payload.get("unsupported"))


class Flow(Protocol):
    @property
    def name(self) -> str:
        """The flow's key in FLOWS and the prefix of its button ids."""

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Begin the flow: ask the first question."""

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """Take a typed answer to the current question."""

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """Take a tapped answer to the current question."""
