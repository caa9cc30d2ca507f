"""WeChat's customer-service window: messages may be sent only within 48 hours of the resident's last
message (dialogue_states.updated_at, written with every message the dialogue core handles), and only so many
per window. Checked before
calling the API, so that messages that cannot go are recorded as undeliverable without spending quota.

The count per window is kept in the database on PostgreSQL (bot/db/limits.py: every worker of `serve --workers N`
counts the same messages; one is taken before it is sent and given back if it did not go), in memory on SQLite
(one process)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue import Clock
from bot.core.messages import Channel
from bot.db.limits import SharedQuota, shares_limits
from bot.db.models import DialogueState, Resident
from bot.outbox.ports import Undeliverable

QUOTA_USED = "wechat: message quota of this window used up"
residents = Resident.__table__
states = DialogueState.__table__


class WindowClosed(Undeliverable):
    """No customer-service message can go now (48 hours without a message from the resident, or the window's
    quota used): a case notice may still go as a template message (bot/channels/wechat/templates.py)."""


class ServiceWindow:
    def __init__(self, engine: AsyncEngine, hours: int, quota: int, clock: Clock) -> None:
        self._engine = engine
        self._span = timedelta(hours=hours)
        self._quota = quota
        self._clock = clock
        self._used: dict[str, tuple[datetime, int]] = {}  # openid → (window opened at, messages sent in it)
        self._shared = SharedQuota(engine, Channel.WECHAT.value, quota) if shares_limits(engine) else None

    async def check(self, openid: str) -> datetime:
        """The start of the resident's open window; Undeliverable when it is closed or its quota is used."""
        async with self._engine.connect() as conn:
            last_seen = await conn.scalar(
                select(states.c.updated_at)
                .join_from(residents, states, states.c.resident_id == residents.c.id)
                .where(residents.c.channel == Channel.WECHAT.value, residents.c.user_key == openid)
            )
        if last_seen is None:
            raise WindowClosed("wechat: the resident never wrote to the account")
        if self._clock() - last_seen > self._span:
            raise WindowClosed(f"wechat: no message from the resident for {self._span.total_seconds() / 3600:.0f} h")
        opened, used = self._used.get(openid, (last_seen, 0))
        if self._shared is None and opened == last_seen and used >= self._quota:
            raise WindowClosed(QUOTA_USED)
        return last_seen

    async def take(self, openid: str, opened: datetime) -> None:
        """Count one message of the window opened at `opened`, before it is sent; Undeliverable when none is left."""
        if self._shared is not None:
            if not await self._shared.take(openid, opened):
                raise WindowClosed(QUOTA_USED)
            return
        previous_opened, used = self._used.get(openid, (opened, 0))
        used = used if previous_opened == opened else 0
        if used >= self._quota:
            raise WindowClosed(QUOTA_USED)
        self._used[openid] = (opened, used + 1)
        if len(self._used) > 50_000:
            self._used.clear()

    async def give_back(self, openid: str, opened: datetime) -> None:
        """A message taken did not go out (to be retried)."""
        if self._shared is not None:
            await self._shared.give_back(openid, opened)
            return
        previous_opened, used = self._used.get(openid, (opened, 0))
        if previous_opened == opened and used > 0:
            self._used[openid] = (opened, used - 1)

    async def exhausted(self, openid: str, opened: datetime) -> None:
        """The API said the quota is used (45047), whatever we counted."""
        if self._shared is not None:
            await self._shared.exhaust(openid, opened)
        self._used[openid] = (opened, self._quota)
