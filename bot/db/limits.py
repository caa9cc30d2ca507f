"""Limits several worker processes share, kept in the database (PostgreSQL; SQLite is single-process and keeps
them in memory):

- `rate_leases`: the requests of a paced key in flight or answered less than a period ago (Telegram's 30
  messages/s for a bot: 30 leases; one message/s to a chat: one). A lease is held from before a request starts
  until a period after its response, taken and given back in atomic statements timed by the database's clock,
  so that the workers (even on several machines) need not agree on the time — or by a clock the owner passes in
  (the department robots, whose whole pace runs on the app's clock; tests move it).
- `channel_quotas`: messages sent to one resident in the channel's current window (WeChat: so many per 48-hour
  customer-service window), taken before a message is sent and given back when it could not be."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Float, Integer, String, case, literal, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, table_of
from bot.db.types import UtcDateTime


class RateLease(Base):
    __tablename__ = "rate_leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 0 … limit − 1
    busy_until: Mapped[float] = mapped_column(Float)  # epoch seconds (database clock): free again from then


class ChannelQuota(Base):
    __tablename__ = "channel_quotas"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the window the count belongs to
    used: Mapped[int] = mapped_column(Integer)


quotas = table_of(ChannelQuota)


def shares_limits(engine: AsyncEngine) -> bool:
    """Whether this database holds limits for several processes (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


class SharedWindow:
    """At most `limit` requests of a key in flight or answered less than a period ago, counted for every process
    on the database (PostgreSQL only): a request holds one of the key's `limit` leases from before it starts until
    a period after its response (`take` … `give_back`). The other end counts a request when it arrives, between
    those two moments; so any `limit` + 1 arrivals within a period would have needed `limit` + 1 leases at once.
    A lease taken by a process that died frees itself `lease` seconds later.

    Times are the database's clock, unless `clock` (epoch seconds) is given: then every process must pass the
    same clock (the app's, for windows long enough that machines' clock differences vanish in their margin)."""

    def __init__(self, engine: AsyncEngine, lease: float = 30.0, clock: Callable[[], float] | None = None) -> None:
        self._engine = engine
        self._lease = lease
        self._clock = clock
        self._made: set[tuple[str, int]] = set()  # keys whose lease rows exist

    def _now(self) -> float | None:
        """None: the database's clock."""
        return self._clock() if self._clock is not None else None

    async def take(self, key: str, limit: int) -> tuple[int | None, float]:
        """One of `key`'s free leases: (its number, 0); or (None, seconds until the first frees — longer than a
        period while all are held by requests still on their way)."""
        async with self._engine.begin() as conn:
            if limit == 1:  # one row (a chat's): taken or created in one statement
                n = await conn.scalar(_TAKE_ONE, {"key": key, "lease": self._lease, "now": self._now()})
            else:
                if (key, limit) not in self._made:
                    await conn.execute(_MAKE, {"key": key, "limit": limit})
                    self._made.add((key, limit))
                n = await conn.scalar(_TAKE, {"key": key, "limit": limit, "lease": self._lease, "now": self._now()})
            if n is not None:
                return n, 0.0
            wait = await conn.scalar(_FIRST_FREE, {"key": key, "limit": limit, "now": self._now()})
        return None, max(float(wait or 0.0), 0.0)

    async def give_back(self, key: str, n: int, period: float) -> None:
        """The request holding lease `n` has its response: the lease is free a period from now."""
        async with self._engine.begin() as conn:
            await conn.execute(_GIVE_BACK, {"key": key, "n": n, "period": period, "now": self._now()})

    async def mark(self, key: str, period: float) -> None:
        """A request for `key` that does not wait (a reply to a resident) left or was answered now: the key's
        first lease is busy for at least a period from now."""
        async with self._engine.begin() as conn:
            await conn.execute(_MARK, {"key": key, "period": period, "now": self._now()})


# times are epoch seconds: the clock passed in (:now), else the database's, extract(epoch from clock_timestamp())
_NOW = "coalesce(CAST(:now AS double precision), extract(epoch from clock_timestamp()))"
_TAKE_ONE = text(f"""
    INSERT INTO rate_leases (key, n, busy_until)
    VALUES (:key, 0, {_NOW} + :lease)
    ON CONFLICT (key, n) DO UPDATE SET busy_until = excluded.busy_until
    WHERE rate_leases.busy_until <= {_NOW}
    RETURNING n""")
_MAKE = text("""
    INSERT INTO rate_leases (key, n, busy_until)
    SELECT :key, n, 0 FROM generate_series(0, :limit - 1) AS n
    ON CONFLICT DO NOTHING""")
_TAKE = text(f"""
    WITH free AS (
        SELECT n FROM rate_leases
        WHERE key = :key AND n < :limit AND busy_until <= {_NOW}
        ORDER BY busy_until LIMIT 1
        FOR UPDATE SKIP LOCKED)
    UPDATE rate_leases AS l SET busy_until = {_NOW} + :lease
    FROM free WHERE l.key = :key AND l.n = free.n
    RETURNING l.n""")
_FIRST_FREE = text(f"""
    SELECT min(busy_until) - {_NOW} FROM rate_leases
    WHERE key = :key AND n < :limit""")
_GIVE_BACK = text(f"""
    UPDATE rate_leases SET busy_until = {_NOW} + :period
    WHERE key = :key AND n = :n""")
_MARK = text(f"""
    INSERT INTO rate_leases (key, n, busy_until)
    VALUES (:key, 0, {_NOW} + :period)
    ON CONFLICT (key, n) DO UPDATE SET busy_until = greatest(rate_leases.busy_until, excluded.busy_until)""")


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
            set_={
                "opened_at": literal(opened, UtcDateTime),
                "used": case((quotas.c.opened_at != opened, 1), else_=quotas.c.used + 1),
            },
            where=(quotas.c.opened_at != opened) | (quotas.c.used < self._quota),
        ).returning(quotas.c.used)
        async with self._engine.begin() as conn:
            return (await conn.scalar(stmt)) is not None

    async def give_back(self, user_key: str, opened: datetime) -> None:
        """A taken message did not go out."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(quotas)
                .where(
                    quotas.c.channel == self._channel,
                    quotas.c.user_key == user_key,
                    quotas.c.opened_at == opened,
                    quotas.c.used > 0,
                )
                .values(used=quotas.c.used - 1)
            )

    async def exhaust(self, user_key: str, opened: datetime) -> None:
        """The platform said the quota is used, whatever we counted."""
        stmt = postgresql.insert(quotas).values(
            channel=self._channel, user_key=user_key, opened_at=opened, used=self._quota
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "user_key"], set_={"opened_at": opened, "used": self._quota}
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)
