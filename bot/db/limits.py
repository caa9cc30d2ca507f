"""Limits several worker processes share, kept in the database (PostgreSQL; SQLite is single-process and keeps
them in memory):

- `rate_slots`: start slots of paced requests (Telegram's 30 messages/s for a bot, one message/s to a chat). A
  reservation takes the key's next slot — no earlier than `next_at` (the previous reservation plus an interval)
  and `free_at` (an interval after the last response) — in one atomic statement, timed by the database's clock,
  so that the workers (even on several machines) need not agree on the time.
- `channel_quotas`: messages sent to one resident in the channel's current window (WeChat: so many per 48-hour
  customer-service window), taken before a message is sent and given back when it could not be."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Float, Integer, String, case, func, literal, literal_column, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import UtcDateTime


class RateSlot(Base):
    __tablename__ = "rate_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)  # epoch seconds (database clock): the earliest next start
    free_at: Mapped[float] = mapped_column(Float)  # epoch seconds: an interval after the last response


class ChannelQuota(Base):
    __tablename__ = "channel_quotas"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the window the count belongs to
    used: Mapped[int] = mapped_column(Integer)


slots = RateSlot.__table__
quotas = ChannelQuota.__table__
_NOW = literal_column("extract(epoch from clock_timestamp())", Float)


def shares_limits(engine: AsyncEngine) -> bool:
    """Whether this database holds limits for several processes (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


class SharedSlots:
    """Start slots shared by every process on the database (PostgreSQL only)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def reserve(self, key: str, interval: float) -> float:
        """Take `key`'s next start slot; the seconds to wait for it (0: now)."""
        new = postgresql.insert(slots).values(key=key, next_at=_NOW + interval, free_at=0.0)
        stmt = new.on_conflict_do_update(
            index_elements=["key"],
            set_={"next_at": func.greatest(slots.c.next_at, slots.c.free_at, _NOW) + interval},
        ).returning(slots.c.next_at - interval - _NOW)
        async with self._engine.begin() as conn:
            wait = await conn.scalar(stmt)
        return max(float(wait), 0.0)

    async def busy(self, key: str, interval: float) -> None:
        """A request for `key` left now without a reservation (a reply): the next starts an interval later."""
        await self._push(key, interval, slots.c.next_at, "next_at")

    async def finished(self, key: str, interval: float) -> None:
        """Its response came: the next request for `key` starts an interval from now at the earliest."""
        await self._push(key, interval, slots.c.free_at, "free_at")

    async def _push(self, key: str, interval: float, column: ColumnElement[float], name: str) -> None:
        values = {"key": key, "next_at": 0.0, "free_at": 0.0, name: _NOW + interval}
        stmt = postgresql.insert(slots).values(**values).on_conflict_do_update(
            index_elements=["key"], set_={name: func.greatest(column, _NOW + interval)})
        async with self._engine.begin() as conn:
            await conn.execute(stmt)


class SharedQuota:
    """Messages per resident per window, counted for every process on the database (PostgreSQL only)."""

    def __init__(self, engine: AsyncEngine, channel: str, quota: int) -> None:
        self._engine = engine
        self._channel = channel
        self._quota = quota

    async def take(self, user_key: str, opened: datetime) -> bool:
        """One message of the window opened at `opened`; False when its quota is used up. A newer window starts
        counting from one again."""
        new = postgresql.insert(quotas).values(channel=self._channel, user_key=user_key, opened_at=opened, used=1)
        stmt = new.on_conflict_do_update(
            index_elements=["channel", "user_key"],
            set_={"opened_at": literal(opened, UtcDateTime),
                  "used": case((quotas.c.opened_at != opened, 1), else_=quotas.c.used + 1)},
            where=(quotas.c.opened_at != opened) | (quotas.c.used < self._quota),
        ).returning(quotas.c.used)
        async with self._engine.begin() as conn:
            return (await conn.scalar(stmt)) is not None

    async def give_back(self, user_key: str, opened: datetime) -> None:
        """A taken message did not go out."""
        async with self._engine.begin() as conn:
            await conn.execute(update(quotas).where(
                quotas.c.channel == self._channel, quotas.c.user_key == user_key, quotas.c.opened_at == opened,
                quotas.c.used > 0).values(used=quotas.c.used - 1))

    async def exhaust(self, user_key: str, opened: datetime) -> None:
        """The platform said the quota is used, whatever we counted."""
        stmt = postgresql.insert(quotas).values(channel=self._channel, user_key=user_key, opened_at=opened,
                                                used=self._quota)
        stmt = stmt.on_conflict_do_update(index_elements=["channel", "user_key"],
                                          set_={"opened_at": opened, "used": self._quota})
        async with self._engine.begin() as conn:
            await conn.execute(stmt)
