"""A channel's own work on a message before the core sees it — fetching a photo into the attachment store,
having a voice message transcribed — put in front of the DialogueService, so that the channel's machinery around
the core (WeChat's 5-second budget and late replies, Telegram's typing indicator) covers it too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.dialogue import DialogueService
from bot.core.messages import Inbound, Outbound

Prepare = Callable[[Inbound], Awaitable[Inbound]]


class PreparedDialogue(DialogueService):
    """The dialogue service's handle / handle_once, with `prepare` run first."""

    def __init__(self, dialogue: DialogueService, prepare: Prepare) -> None:
        self._inner = dialogue
        self._prepare = prepare

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        return await self._inner.handle(await self._prepare(inbound))

    async def handle_once(self, inbound: Inbound) -> list[Outbound] | None:
        return await self._inner.handle_once(await self._prepare(inbound))

    async def close(self) -> None:
        """The wrapped service is closed by its owner (bot/app.py)."""
