"""WeChat's customer-service window: messages may be sent only within 48 hours of the resident's last
message (dialogue_states.updated_at, written with every message the dialogue core handles), and only so many
per window. Checked before
calling the API, so that messages that cannot go are recorded as undeliverable without spending quota."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue import Clock
from bot.core.messages import Channel
from bot.db.models import DialogueState, Resident
from bot.outbox.ports import Undeliverable

residents = Resident.__table__
states = DialogueState.__table__


class ServiceWindow:
    def __init__(self, engine: AsyncEngine, hours: int, quota: int, clock: Clock) -> None:
        self._engine = engine
        self._span = timedelta(hours=hours)
        self._quota = quota
        self._clock = clock
        self._used: dict[str, tuple[datetime, int]] = {}  # openid → (window opened at, messages sent in it)

    async def check(self, openid: str) -> datetime:
        """The start of the resident's open window; Undeliverable when it is closed or its quota is used."""
        async with self._engine.connect() as conn:
            last_seen = await conn.scalar(
                select(states.c.updated_at).join_from(residents, states, states.c.resident_id == residents.c.id)
                .where(residents.c.channel == Channel.WECHAT.value, residents.c.user_key == openid)
            )
        if last_seen is None:
            raise Undeliverable("wechat: the resident never wrote to the account")
        if self._clock() - last_seen > self._span:
            raise Undeliverable(f"wechat: no message from the resident for {self._span.total_seconds() / 3600:.0f} h")
        opened, used = self._used.get(openid, (last_seen, 0))
        if opened == last_seen and used >= self._quota:
            raise Undeliverable("wechat: message quota of this window used up")
        return last_seen

    def sent(self, openid: str, opened: datetime) -> None:
        previous_opened, used = self._used.get(openid, (opened, 0))
        self._used[openid] = (opened, used + 1 if previous_opened == opened else 1)
        if len(self._used) > 50_000:
            self._used.clear()

    def exhausted(self, openid: str, opened: datetime) -> None:
        """The API said the quota is used (45047), whatever we counted."""
        self._used[openid] = (opened, self._quota)
