"""The 5-second rule: WeChat waits 5 s for a passive reply, then retries (three times in all). The core gets
`budget` seconds (~3.5); if it needs longer, the webhook answers "success" and the replies go out through the
customer-service API when they are ready.

A retry of a message still being handled joins it instead of starting again; a retry of a message whose replies
were sent late answers "success" (the late delivery owns them)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.core.dialogue import DialogueService
from bot.core.messages import Inbound, Outbound
from bot.outbox.ports import RetryLater, Undeliverable

log = logging.getLogger(__name__)
REMEMBER = 10_000
LATE_ATTEMPTS = 3
MAX_LATE_WAIT = 60.0
Deliver = Callable[[str, Outbound], Awaitable[None]]


class LateReplies:
    def __init__(
        self, dialogue: DialogueService, deliver: Deliver, budget: float, merge: Callable[[list[Outbound]], Outbound]
    ) -> None:
        self._dialogue = dialogue
        self._deliver = deliver
        self._budget = budget
        self._merge = merge
        self._running: dict[str, asyncio.Task[list[Outbound]]] = {}
        self._deferred: OrderedDict[str, None] = OrderedDict()
        self._deliveries: set[asyncio.Task[None]] = set()

    async def replies_within_budget(self, inbound: Inbound) -> list[Outbound] | None:
        """The replies, or None when they will be delivered late (or already were)."""
        key = inbound.dedupe_key
        if key in self._deferred:
            return None
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._dialogue.handle(inbound))
            self._running[key] = task
            task.add_done_callback(lambda _t: self._running.pop(key, None))
        done, _ = await asyncio.wait({task}, timeout=self._budget)
        if done:
            return task.result()
        if key not in self._deferred:
            self._remember(key)
            delivery = asyncio.ensure_future(self._deliver_late(inbound.user_key, task))
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._deliveries.discard)
        return None

    async def _deliver_late(self, openid: str, task: asyncio.Task[list[Outbound]]) -> None:
        try:
            replies = await task
        except Exception:
            log.exception("WeChat message from %s failed after its passive reply window", openid)
            return
        if not replies:
            return
        message = self._merge(replies)
        for attempt in range(LATE_ATTEMPTS):
            try:
                await self._deliver(openid, message)
                return
            except RetryLater as exc:
                if attempt == LATE_ATTEMPTS - 1:
                    log.error("WeChat late reply to %s not delivered: %s", openid, exc)
                    return
                await asyncio.sleep(min(exc.seconds, MAX_LATE_WAIT))
            except Undeliverable as exc:
                log.warning("WeChat late reply to %s undeliverable: %s", openid, exc)
                return

    def _remember(self, key: str) -> None:
        self._deferred[key] = None
        while len(self._deferred) > REMEMBER:
            self._deferred.popitem(last=False)

    async def close(self) -> None:
        """Let late replies that are under way finish (at shutdown)."""
        if self._deliveries:
            await asyncio.wait(self._deliveries, timeout=10)
        for task in list(self._deliveries):
            task.cancel()
