"""The rows a dialogue batch reads and writes on every message: dedupe keys with their stored replies, residents'
states (locked), and the new states, message log and dedupe rows.

`DialogueRows` runs them through SQLAlchemy Core (PostgreSQL). `SqliteDialogueRows` runs the same statements,
compiled once for SQLite, straight on the sqlite3 connection underneath the transaction (bot/db/raw_sqlite.py):
SQLAlchemy's execution of a statement — context, parameter processing per row, result set-up — cost ~0.1 ms each
and ~10 µs per row, more than SQLite took to run them, on every batch of every message. Values go through the
columns' own types, so both paths read each other's rows; the dialogue tests run on both databases. Everything else
in the transaction (effects, new residents) still goes through SQLAlchemy, on the same connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import Outbound
from bot.db.models import DialogueState, MessageLog, ProcessedInbound, Resident
from bot.db.pairs import pair_filter
from bot.db.raw_sqlite import RawSqlite
from handlers.turn import Conversation

residents = Resident.__table__
states = DialogueState.__table__
processed = ProcessedInbound.__table__
message_log = MessageLog.__table__
Key = tuple[str, str]
Locked = tuple[int, Conversation, datetime]  # resident id, state, residents.last_seen_at

# built once (their compiled SQL is cached); run once per channel in a batch
_HANDLED = select(processed.c.channel, processed.c.dedupe_key, processed.c.replies).where(
    pair_filter(processed.c.channel, processed.c.dedupe_key))
_STATES = (
    select(residents.c.id, residents.c.channel, residents.c.user_key, residents.c.last_seen_at, states.c.state)
    .join(states, states.c.resident_id == residents.c.id)
    .where(pair_filter(residents.c.channel, residents.c.user_key))
    .order_by(residents.c.id)
    .with_for_update(of=states)
)
_SAVE_STATE = (update(states).where(states.c.resident_id == bindparam("rid"))
               .values(state=bindparam("new_state"), updated_at=bindparam("at")))
_LOG = message_log.insert()
_PROCESSED = processed.insert()


def _replies(document: dict[str, Any]) -> list[Outbound]:
    return [Outbound.from_json(r) for r in document["replies"]]


class DialogueRows:
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

    async def write(self, conn: AsyncConnection, new_states: list[dict[str, Any]], log: list[dict[str, Any]],
                    handled: list[dict[str, Any]]) -> None:
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
        return {(row.channel, row.dedupe_key): _replies(row.replies)
                for channel, dedupe_keys in keys
                for row in db.rows(_HANDLED, {"first": channel, "seconds": dedupe_keys})}

    async def locked_states(self, conn: AsyncConnection, users: Iterable[tuple[str, list[str]]]) -> dict[Key, Locked]:
        db = await RawSqlite.of(conn)  # the transaction holds SQLite's write lock: nothing else to lock
        return {(r.channel, r.user_key): (r.id, Conversation.from_json(r.state), r.last_seen_at)
                for channel, keys in users
                for r in db.rows(_STATES, {"first": channel, "seconds": keys})}

    async def write(self, conn: AsyncConnection, new_states: list[dict[str, Any]], log: list[dict[str, Any]],
                    handled: list[dict[str, Any]]) -> None:
        db = await RawSqlite.of(conn)
        db.many(_SAVE_STATE, new_states)
        db.many(_LOG, log)
        db.many(_PROCESSED, handled)


def rows_for(dialect: str) -> DialogueRows:
    return SqliteDialogueRows() if dialect == "sqlite" else DialogueRows()
