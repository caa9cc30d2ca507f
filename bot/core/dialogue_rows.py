"""The rows a dialogue batch reads and writes on every message: dedupe keys with their stored replies, residents'
states (locked), and the new states, message log and dedupe rows.

`DialogueRows` runs them through SQLAlchemy Core (PostgreSQL). `SqliteDialogueRows` runs the same SQL straight
through the sqlite3 connection underneath the transaction: SQLAlchemy's execution of a statement — context,
parameter processing per row, result set-up — cost ~0.1 ms each and ~10 µs per row, more than SQLite took to run
them, on every batch of every message. Values are stored exactly as SQLAlchemy stores them on SQLite (UTC
timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON through bot/db/json_codec), so both paths read each other's rows;
the dialogue tests run on both databases. Everything else in the transaction (effects, new residents) still goes
through SQLAlchemy, on the same connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import Outbound
from bot.core.port import Conversation
from bot.db import json_codec
from bot.db.base import table_of
from bot.db.models import DialogueState, MessageLog, ProcessedInbound, Resident
from bot.db.pairs import by_first, pair_filter
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


@lru_cache(maxsize=256)  # a batch stamps all rows of a message with the same time
def _stored(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores UtcDateTime on SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _read(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


async def _sqlite(conn: AsyncConnection) -> sqlite3.Connection:
    """The sqlite3 connection under `conn` (bot/db/loop_sqlite.py), inside the same transaction."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection.sqlite  # type: ignore[union-attr]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# searches of the (channel, key) indexes; `{marks}`: one ? per key
SQLITE_HANDLED = "SELECT dedupe_key, replies FROM processed_inbound WHERE channel = ? AND dedupe_key IN ({marks})"
SQLITE_STATES = (
    "SELECT r.id, r.user_key, r.last_seen_at, s.state FROM residents AS r "
    "JOIN dialogue_states AS s ON s.resident_id = r.id WHERE r.channel = ? AND r.user_key IN ({marks})"
)


class SqliteDialogueRows(DialogueRows):
    async def handled(self, conn: AsyncConnection, keys: Iterable[tuple[str, list[str]]]) -> dict[Key, list[Outbound]]:
        db = await _sqlite(conn)
        found: dict[Key, list[Outbound]] = {}
        for channel, dedupe_keys in keys:
            rows = db.execute(SQLITE_HANDLED.format(marks=_marks(len(dedupe_keys))), (channel, *dedupe_keys))
            found.update({(channel, key): _replies(json_codec.loads(replies)) for key, replies in rows})
        return found

    async def locked_states(self, conn: AsyncConnection, users: Iterable[tuple[str, list[str]]]) -> dict[Key, Locked]:
        db = await _sqlite(conn)  # the transaction holds SQLite's write lock: nothing else to lock
        found: dict[Key, Locked] = {}
        for channel, keys in users:
            rows = db.execute(SQLITE_STATES.format(marks=_marks(len(keys))), (channel, *keys))
            found.update(
                {
                    (channel, user): (rid, Conversation.from_json(json_codec.loads(state)), _read(seen))
                    for rid, user, seen, state in rows
                }
            )
        return found

    async def write(
        self,
        conn: AsyncConnection,
        new_states: list[dict[str, Any]],
        log: list[dict[str, Any]],
        handled: list[dict[str, Any]],
    ) -> None:
        db = await _sqlite(conn)
        dumps = json_codec.dumps
        if new_states:
            db.executemany(
                "UPDATE dialogue_states SET state = ?, updated_at = ? WHERE resident_id = ?",
                [(dumps(r["new_state"]), _stored(r["at"]), r["rid"]) for r in new_states],
            )
        if log:
            db.executemany(
                "INSERT INTO message_log (resident_id, direction, text, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (r["resident_id"], r["direction"], r["text"], dumps(r["payload"]), _stored(r["created_at"]))
                    for r in log
                ],
            )
        if handled:
            db.executemany(
                "INSERT INTO processed_inbound (channel, dedupe_key, resident_id, replies, processed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (r["channel"], r["dedupe_key"], r["resident_id"], dumps(r["replies"]), _stored(r["processed_at"]))
                    for r in handled
                ],
            )


# PostgreSQL: arrays instead of one parameter set per row, so that each statement is prepared once (whatever the
# batch size) and SQLAlchemy processes no row; a batch's look-up is one statement and its writes another
PG_READ = """
WITH locked AS (
    SELECT r.id, r.channel, r.user_key, r.last_seen_at, s.state
    FROM residents AS r JOIN dialogue_states AS s ON s.resident_id = r.id
    WHERE (r.channel, r.user_key) IN (SELECT * FROM unnest($3::varchar[], $4::varchar[]))
    ORDER BY r.id
    FOR UPDATE OF s
)
SELECT false AS state_row, p.channel, p.dedupe_key AS key, p.replies::text AS document,
       NULL::bigint AS id, NULL::timestamptz AS last_seen_at
FROM processed_inbound AS p
WHERE (p.channel, p.dedupe_key) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))
UNION ALL
SELECT true, channel, user_key, state::text, id, last_seen_at FROM locked
"""
PG_WRITE = """
WITH saved AS (
    UPDATE dialogue_states AS d SET state = n.state::jsonb, updated_at = n.at
    FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS n(rid, state, at)
    WHERE d.resident_id = n.rid
), logged AS (
    INSERT INTO message_log (resident_id, direction, text, payload, created_at)
    SELECT rid, direction, text, payload::jsonb, at
    FROM unnest($4::bigint[], $5::varchar[], $6::text[], $7::text[], $8::timestamptz[])
         WITH ORDINALITY AS l(rid, direction, text, payload, at, n)
    ORDER BY n
), handled AS (
    INSERT INTO processed_inbound (channel, dedupe_key, resident_id, replies, processed_at)
    SELECT channel, key, rid, replies::jsonb, at
    FROM unnest($9::varchar[], $10::varchar[], $11::bigint[], $12::text[], $13::timestamptz[])
         AS h(channel, key, rid, replies, at)
)
SELECT 1
"""


PG_ADD_RESIDENTS = """
WITH added AS (
    INSERT INTO residents (channel, user_key, created_at, last_seen_at)
    SELECT channel, user_key, $3, $3 FROM unnest($1::varchar[], $2::varchar[]) AS u(channel, user_key)
    ON CONFLICT (channel, user_key) DO NOTHING
    RETURNING id, channel, user_key
), stated AS (
    INSERT INTO dialogue_states (resident_id, state, updated_at) SELECT id, '{}'::jsonb, $3 FROM added
)
SELECT id, channel, user_key FROM added
"""


def _columns(rows: list[dict[str, Any]], *names: str) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in names]


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
        await driver.execute("SET plan_cache_mode = force_generic_plan" if starting else "RESET plan_cache_mode")

    async def read(
        self, conn: AsyncConnection, keys: list[tuple[str, list[str]]], users: list[tuple[str, list[str]]]
    ) -> tuple[dict[Key, list[Outbound]], dict[Key, Locked]]:
        handled: dict[Key, list[Outbound]] = {}
        locked: dict[Key, Locked] = {}
        loads = json_codec.loads
        for state_row, channel, key, document, rid, seen in await conn.exec_driver_sql(
            PG_READ, (*_flat(keys), *_flat(users))
        ):
            if state_row:
                locked[(channel, key)] = (rid, Conversation.from_json(loads(document)), seen)
            else:
                handled[(channel, key)] = _replies(loads(document))
        return handled, locked

    async def add_residents(self, conn: AsyncConnection, users: list[Key], now: datetime) -> dict[Key, int]:
        result = await conn.exec_driver_sql(PG_ADD_RESIDENTS, ([c for c, _ in users], [k for _, k in users], now))
        new = {(channel, key): rid for rid, channel, key in result}
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
        await conn.exec_driver_sql(
            PG_WRITE,
            (
                [r["rid"] for r in new_states],
                [dumps(r["new_state"]) for r in new_states],
                [r["at"] for r in new_states],
                *_columns(log, "resident_id", "direction", "text"),
                [dumps(r["payload"]) for r in log],
                [r["created_at"] for r in log],
                *_columns(handled, "channel", "dedupe_key", "resident_id"),
                [dumps(r["replies"]) for r in handled],
                [r["processed_at"] for r in handled],
            ),
        )


def rows_for(dialect: str) -> DialogueRows:
    if dialect == "sqlite":
        return SqliteDialogueRows()
    return PostgresDialogueRows() if dialect == "postgresql" else DialogueRows()
