"""The rows a dialogue batch reads and writes on every message: dedupe keys with their stored replies, residents'
states (locked), and the new states, message log and dedupe rows.

`DialogueRows` runs them through SQLAlchemy Core; `PostgresDialogueRows` reads and writes a whole batch in one
statement each, with array parameters (Core statements over the same tables, compiled once for asyncpg and sent
as they are). `SqliteDialogueRows` runs `DialogueRows`' statements,
compiled once for SQLite, straight on the sqlite3 connection underneath the transaction (bot/db/raw_sqlite.py):
SQLAlchemy's execution of a statement — context, parameter processing per row, result set-up — cost ~0.1 ms each
and ~10 µs per row, more than SQLite took to run them, on every batch of every message. Values go through the
columns' own types, so both paths read each other's rows; the dialogue tests run on both databases. Everything else
in the transaction (effects, new residents) still goes through SQLAlchemy, on the same connection.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ClauseElement,
    String,
    TableValuedAlias,
    Text,
    bindparam,
    cast,
    false,
    func,
    insert,
    literal_column,
    null,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from bot.core.messages import Outbound
from bot.core.port import Conversation
from bot.db import json_codec
from bot.db.base import table_of
from bot.db.models import DialogueState, MessageLog, ProcessedInbound, Resident
from bot.db.pairs import by_first, pair_filter
from bot.db.raw_sqlite import RawSqlite
from bot.db.upsert import insert_for

residents = table_of(Resident)
states = table_of(DialogueState)
processed = table_of(ProcessedInbound)
message_log = table_of(MessageLog)
Key = tuple[str, str]
Locked = tuple[int, Conversation, datetime]  # resident id, state, residents.last_seen_at

# built once (their compiled SQL is cached); run once per channel in a batch
_HANDLED = select(processed.c.channel, processed.c.dedupe_key, processed.c.replies).where(
    pair_filter(processed.c.channel, processed.c.dedupe_key)
)
_STATES = (
    select(residents.c.id, residents.c.channel, residents.c.user_key, residents.c.last_seen_at, states.c.state)
    .join(states, states.c.resident_id == residents.c.id)
    .where(pair_filter(residents.c.channel, residents.c.user_key))
    .order_by(residents.c.id)
    .with_for_update(of=states)
)
_SAVE_STATE = (
    update(states)
    .where(states.c.resident_id == bindparam("rid"))
    .values(state=bindparam("new_state"), updated_at=bindparam("at"))
)
_RESIDENT_IDS = (
    select(residents.c.id, residents.c.channel, residents.c.user_key)
    .where(pair_filter(residents.c.channel, residents.c.user_key))
    .order_by(residents.c.id)
)
_LOG = message_log.insert()
_PROCESSED = processed.insert()


def _replies(document: dict[str, Any]) -> list[Outbound]:
    return [Outbound.from_json(r) for r in document["replies"]]


class DialogueRows:
    """The rows through SQLAlchemy Core, on any database (the reference the faster paths below are checked
    against; the dialogue tests run on both databases)."""

    async def add_residents(self, conn: AsyncConnection, users: list[Key], now: datetime) -> dict[Key, int]:
        """New residents (channel, user key) with an empty state each; their ids."""
        await conn.execute(
            insert_for(conn, residents).on_conflict_do_nothing(index_elements=["channel", "user_key"]),
            [{"channel": c, "user_key": k, "created_at": now, "last_seen_at": now} for c, k in users],
        )
        new = {
            (r.channel, r.user_key): r.id
            for channel, keys in by_first(users)
            for r in await conn.execute(_RESIDENT_IDS, {"first": channel, "seconds": keys})
        }
        # a resident created meanwhile by another process without its state row committed yet is a lost race:
        # the unique key below fails and the message is retried, alone, after that process commits
        await conn.execute(
            states.insert(), [{"resident_id": rid, "state": {}, "updated_at": now} for rid in new.values()]
        )
        return new

    async def writer_session(self, conn: AsyncConnection, starting: bool) -> None:
        """The dialogue writer starts (`starting`) or ends its run of batches on `conn`, outside a transaction."""

    async def read(
        self, conn: AsyncConnection, keys: list[tuple[str, list[str]]], users: list[tuple[str, list[str]]]
    ) -> tuple[dict[Key, list[Outbound]], dict[Key, Locked]]:
        """`handled(keys)` and `locked_states(users)`: the batch's first look at the database."""
        return await self.handled(conn, keys), await self.locked_states(conn, users)

    async def handled(self, conn: AsyncConnection, keys: Iterable[tuple[str, list[str]]]) -> dict[Key, list[Outbound]]:
        """The stored replies of the messages among `keys` (channel, dedupe keys) that were handled before."""
        return {
            (row.channel, row.dedupe_key): _replies(row.replies)
            for channel, dedupe_keys in keys
            for row in await conn.execute(_HANDLED, {"first": channel, "seconds": dedupe_keys})
        }

    async def locked_states(self, conn: AsyncConnection, users: Iterable[tuple[str, list[str]]]) -> dict[Key, Locked]:
        """The known residents among `users` (channel, user keys), their states locked until commit: channel by
        channel, each in resident-id order — one order for every process."""
        return {
            (r.channel, r.user_key): (r.id, Conversation.from_json(r.state), r.last_seen_at)
            for channel, keys in users
            for r in await conn.execute(_STATES, {"first": channel, "seconds": keys})
        }

    async def write(
        self,
        conn: AsyncConnection,
        new_states: list[dict[str, Any]],
        log: list[dict[str, Any]],
        handled: list[dict[str, Any]],
    ) -> None:
        """New states ({rid, new_state, at}), message-log rows and dedupe rows (the tables' columns)."""
        if new_states:
            await conn.execute(_SAVE_STATE, new_states)
        if log:
            await conn.execute(_LOG, log)
        if handled:
            await conn.execute(_PROCESSED, handled)


class SqliteDialogueRows(DialogueRows):
    """The same statements, run straight on the sqlite3 connection under the transaction (bot/db/raw_sqlite.py)."""

    async def handled(self, conn: AsyncConnection, keys: Iterable[tuple[str, list[str]]]) -> dict[Key, list[Outbound]]:
        db = await RawSqlite.of(conn)
        return {
            (row.channel, row.dedupe_key): _replies(row.replies)
            for channel, dedupe_keys in keys
            for row in db.rows(_HANDLED, {"first": channel, "seconds": dedupe_keys})
        }

    async def locked_states(self, conn: AsyncConnection, users: Iterable[tuple[str, list[str]]]) -> dict[Key, Locked]:
        db = await RawSqlite.of(conn)  # the transaction holds SQLite's write lock: nothing else to lock
        return {
            (r.channel, r.user_key): (r.id, Conversation.from_json(r.state), r.last_seen_at)
            for channel, keys in users
            for r in db.rows(_STATES, {"first": channel, "seconds": keys})
        }

    async def write(
        self,
        conn: AsyncConnection,
        new_states: list[dict[str, Any]],
        log: list[dict[str, Any]],
        handled: list[dict[str, Any]],
    ) -> None:
        db = await RawSqlite.of(conn)
        db.many(_SAVE_STATE, new_states)
        db.many(_LOG, log)
        db.many(_PROCESSED, handled)


# PostgreSQL: arrays instead of one parameter set per row, so that each statement is prepared once (whatever the
# batch size) and SQLAlchemy processes no row; a batch's look-up is one statement and its writes another. Built in
# Core over the tables (a renamed column fails here, at import) and compiled once, for asyncpg, into SQL with
# positional `$n` parameters that runs as it is (`exec_driver_sql`: no compilation per batch).
_STAMP = postgresql.TIMESTAMP(timezone=True)


def _unnest(name: str, *columns: tuple[str, TypeEngine[Any]], ordinality: str | None = None) -> TableValuedAlias:
    """`unnest($a, $b, …) AS name(a, b, …)` over array parameters named `name_column`."""
    arrays = [bindparam(f"{name}_{column}", type_=postgresql.ARRAY(type_)) for column, type_ in columns]
    unnested = func.unnest(*arrays).table_valued(*(column for column, _ in columns), with_ordinality=ordinality)
    return unnested.render_derived(name=name)


@dataclass(frozen=True)
class DriverSql:
    """A statement compiled once for asyncpg: its SQL and the names of its `$1`, `$2`, … parameters."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: ClauseElement) -> DriverSql:
        compiled = statement.compile(dialect=asyncpg.dialect())  # type: ignore[no-untyped-call]
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def args(self, **values: Any) -> tuple[Any, ...]:
        """The parameters in their positions (each value named as in the statement, each name required)."""
        if values.keys() != set(self.names):
            raise TypeError(f"parameters {sorted(values)} for a statement taking {sorted(self.names)}")
        return tuple(values[name] for name in self.names)

    async def run(self, conn: AsyncConnection, **values: Any) -> Iterable[tuple[Any, ...]]:
        """Its rows, the SQL sent as it is (`exec_driver_sql`) with the values in their positions."""
        return typing.cast(Iterable[tuple[Any, ...]], await conn.exec_driver_sql(self.sql, self.args(**values)))


def _read() -> ClauseElement:
    """The stored replies of handled keys (state_row false) and the known residents' states, locked in resident-id
    order (state_row true); JSON documents as text (decoded here, once, without SQLAlchemy's result processing)."""
    k = _unnest("k", ("channel", String()), ("key", String()))
    u = _unnest("u", ("channel", String()), ("key", String()))
    locked = (
        select(residents.c.id, residents.c.channel, residents.c.user_key, residents.c.last_seen_at, states.c.state)
        .join(states, states.c.resident_id == residents.c.id)
        .where(tuple_(residents.c.channel, residents.c.user_key).in_(select(u.c.channel, u.c.key)))
        .order_by(residents.c.id)
        .with_for_update(of=states)
        .cte("locked")
    )
    replies = select(
        false().label("state_row"),
        processed.c.channel,
        processed.c.dedupe_key.label("key"),
        cast(processed.c.replies, Text).label("document"),
        cast(null(), BigInteger).label("id"),
        cast(null(), _STAMP).label("last_seen_at"),
    ).where(tuple_(processed.c.channel, processed.c.dedupe_key).in_(select(k.c.channel, k.c.key)))
    return replies.union_all(
        select(
            true(), locked.c.channel, locked.c.user_key, cast(locked.c.state, Text), locked.c.id, locked.c.last_seen_at
        )
    )


def _write() -> ClauseElement:
    """New states, message-log rows (in their order: ids follow it) and dedupe rows, JSON documents sent as text."""
    n = _unnest("n", ("rid", BigInteger()), ("state", Text()), ("at", _STAMP))
    saved = (
        update(states)
        .where(states.c.resident_id == n.c.rid)
        .values({states.c.state: cast(n.c.state, postgresql.JSONB), states.c.updated_at: n.c.at})
        .cte("saved")
    )
    log = _unnest(
        "l",
        ("rid", BigInteger()),
        ("direction", String()),
        ("text", Text()),
        ("payload", Text()),
        ("at", _STAMP),
        ordinality="n",
    )
    logged = (
        insert(message_log)
        .from_select(
            [
                message_log.c.resident_id,
                message_log.c.direction,
                message_log.c.text,
                message_log.c.payload,
                message_log.c.created_at,
            ],
            select(log.c.rid, log.c.direction, log.c.text, cast(log.c.payload, postgresql.JSONB), log.c.at).order_by(
                log.c.n
            ),
        )
        .cte("logged")
    )
    h = _unnest(
        "h", ("channel", String()), ("key", String()), ("rid", BigInteger()), ("replies", Text()), ("at", _STAMP)
    )
    handled = (
        insert(processed)
        .from_select(
            [
                processed.c.channel,
                processed.c.dedupe_key,
                processed.c.resident_id,
                processed.c.replies,
                processed.c.processed_at,
            ],
            select(h.c.channel, h.c.key, h.c.rid, cast(h.c.replies, postgresql.JSONB), h.c.at),
        )
        .cte("handled")
    )
    return select(literal_column("1")).add_cte(saved, logged, handled)


def _add_residents() -> ClauseElement:
    """New residents with an empty state each; the ids of those not there before."""
    now = bindparam("now", type_=_STAMP)
    u = _unnest("u", ("channel", String()), ("user_key", String()))
    added = (
        postgresql.insert(residents)
        .from_select(
            [residents.c.channel, residents.c.user_key, residents.c.created_at, residents.c.last_seen_at],
            select(u.c.channel, u.c.user_key, now, now),
        )
        .on_conflict_do_nothing(index_elements=[residents.c.channel, residents.c.user_key])
        .returning(residents.c.id, residents.c.channel, residents.c.user_key)
        .cte("added")
    )
    stated = (
        insert(states)
        .from_select(
            [states.c.resident_id, states.c.state, states.c.updated_at],
            select(added.c.id, func.jsonb_build_object(), now),  # jsonb_build_object(): the empty state, {}
        )
        .cte("stated")
    )
    return select(added.c.id, added.c.channel, added.c.user_key).add_cte(stated)


PG_READ = DriverSql.of(_read())
PG_WRITE = DriverSql.of(_write())
PG_ADD_RESIDENTS = DriverSql.of(_add_residents())


def _flat(pairs: list[tuple[str, list[str]]]) -> tuple[list[str], list[str]]:
    return [a for a, bs in pairs for _ in bs], [b for _, bs in pairs for b in bs]


class PostgresDialogueRows(DialogueRows):
    """The same rows in two statements per batch on PostgreSQL, sent as they are (`exec_driver_sql`: no
    compilation, no per-row parameter processing), with array parameters."""

    async def writer_session(self, conn: AsyncConnection, starting: bool) -> None:
        # generic plans on the writer's connection: the two statements are planned once, not at every batch (a
        # custom plan for their unnest arrays is no better and costs PostgreSQL more than running them); reset
        # before the connection goes back to the pool
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None  # an open connection
        await driver.execute("SET plan_cache_mode = force_generic_plan" if starting else "RESET plan_cache_mode")

    async def read(
        self, conn: AsyncConnection, keys: list[tuple[str, list[str]]], users: list[tuple[str, list[str]]]
    ) -> tuple[dict[Key, list[Outbound]], dict[Key, Locked]]:
        handled: dict[Key, list[Outbound]] = {}
        locked: dict[Key, Locked] = {}
        loads = json_codec.loads
        (k_channel, k_key), (u_channel, u_key) = _flat(keys), _flat(users)
        rows = await PG_READ.run(conn, k_channel=k_channel, k_key=k_key, u_channel=u_channel, u_key=u_key)
        for state_row, channel, key, document, rid, seen in rows:
            if state_row:
                locked[(channel, key)] = (rid, Conversation.from_json(loads(document)), seen)
            else:
                handled[(channel, key)] = _replies(loads(document))
        return handled, locked

    async def add_residents(self, conn: AsyncConnection, users: list[Key], now: datetime) -> dict[Key, int]:
        rows = await PG_ADD_RESIDENTS.run(
            conn, now=now, u_channel=[c for c, _ in users], u_user_key=[k for _, k in users]
        )
        new = {(channel, key): rid for rid, channel, key in rows}
        if len(new) < len(users):  # created meanwhile by another process: their ids, or the lost race (above)
            new.update(await super().add_residents(conn, [u for u in users if u not in new], now))
        return new

    async def write(
        self,
        conn: AsyncConnection,
        new_states: list[dict[str, Any]],
        log: list[dict[str, Any]],
        handled: list[dict[str, Any]],
    ) -> None:
        dumps = json_codec.dumps
        await PG_WRITE.run(
            conn,
            n_rid=[r["rid"] for r in new_states],
            n_state=[dumps(r["new_state"]) for r in new_states],
            n_at=[r["at"] for r in new_states],
            l_rid=[r["resident_id"] for r in log],
            l_direction=[r["direction"] for r in log],
            l_text=[r["text"] for r in log],
            l_payload=[dumps(r["payload"]) for r in log],
            l_at=[r["created_at"] for r in log],
            h_channel=[r["channel"] for r in handled],
            h_key=[r["dedupe_key"] for r in handled],
            h_rid=[r["resident_id"] for r in handled],
            h_replies=[dumps(r["replies"]) for r in handled],
            h_at=[r["processed_at"] for r in handled],
        )


def rows_for(dialect: str) -> DialogueRows:
    if dialect == "sqlite":
        return SqliteDialogueRows()
    return PostgresDialogueRows() if dialect == "postgresql" else DialogueRows()
