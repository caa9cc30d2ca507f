"""The rows a dialogue batch reads and writes on every message: dedupe keys with their stored replies, residents'
states (locked), and the new states, message log, dedupe rows, residents' last-seen hours and the effects' rows
(feedback, unanswered questions).

`DialogueRows` runs them through SQLAlchemy Core; `PostgresDialogueRows` reads and writes a whole batch in one
statement each, each table's rows one JSON parameter (Core statements over the same tables, compiled once for
asyncpg and sent as they are). `SqliteDialogueRows` runs `DialogueRows`' statements,
compiled once for SQLite, straight on the sqlite3 connection underneath the transaction (bot/db/raw_sqlite.py):
SQLAlchemy's execution of a statement — context, parameter processing per row, result set-up — cost ~0.1 ms each
and ~10 µs per row, more than SQLite took to run them, on every batch of every message. Values go through the
columns' own types, so both paths read each other's rows; the dialogue tests run on both databases. Everything else
in the transaction (effects, new residents; on SQLite last-seen hours, feedback and unanswered questions) still goes
through SQLAlchemy, on the same connection.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    BindParameter,
    Boolean,
    ClauseElement,
    ColumnElement,
    LargeBinary,
    Table,
    TableValuedAlias,
    Text,
    and_,
    bindparam,
    cast,
    exists,
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

from bot.core.effects import DeferredRows, feedback, gaps, write_deferred
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
_LAST_SEEN = update(residents).where(residents.c.id == bindparam("rid")).values(last_seen_at=bindparam("at"))
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
        self,
        conn: AsyncConnection,
        keys: list[tuple[str, list[str]]],
        users: list[tuple[str, list[str]]],
        add_at: datetime | None = None,
    ) -> tuple[dict[Key, list[Outbound]], dict[Key, Locked]]:
        """`handled(keys)` and `locked_states(users)`: the batch's first look at the database. With `add_at` a
        path may also add the senders not known yet (`add_residents` at that time) and return them among the
        locked; the caller adds those still missing."""
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
        seen: list[dict[str, Any]] = [],  # noqa: B006 - never changed
        deferred: DeferredRows | None = None,
    ) -> None:
        """New states ({rid, new_state, at}), message-log rows and dedupe rows (the tables' columns), residents'
        last-seen hours ({rid, at}) and the effects' rows (feedback, unanswered questions)."""
        if new_states:
            await conn.execute(_SAVE_STATE, new_states)
        if log:
            await conn.execute(_LOG, log)
        if handled:
            await conn.execute(_PROCESSED, handled)
        await self._write_others(conn, seen, deferred)

    async def _write_others(
        self, conn: AsyncConnection, seen: list[dict[str, Any]], deferred: DeferredRows | None
    ) -> None:
        if seen:
            await conn.execute(_LAST_SEEN, seen)
        if deferred is not None:
            await write_deferred(conn, deferred)


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
        seen: list[dict[str, Any]] = [],  # noqa: B006 - never changed
        deferred: DeferredRows | None = None,
    ) -> None:
        db = await RawSqlite.of(conn)
        db.many(_SAVE_STATE, new_states)
        db.many(_LOG, log)
        db.many(_PROCESSED, handled)
        await self._write_others(conn, seen, deferred)


# PostgreSQL: each table's rows of a batch go as one parameter, a JSON array of objects keyed by the table's columns,
# turned back into rows of the table's own type in SQL (`_rows`), so that each statement is prepared once whatever
# the batch size and neither SQLAlchemy nor asyncpg handles a row: one orjson call per table (the rows' JSON
# documents nested as they are, not encoded one by one), where asyncpg's array parameters cost ~1–3 µs an element
# (it checks each one for being a nested array) — callgrind: 6 % of the server's instructions. A batch's look-up
# (and its new residents) is one statement and its writes (states, message log, dedupe rows, last-seen hours,
# feedback, unanswered questions) one more. Built in Core over the tables (a renamed column fails here, at import)
# and compiled once, for asyncpg, into SQL with positional `$n` parameters that runs as it is (`exec_driver_sql`: no
# compilation per batch).
_STAMP = postgresql.TIMESTAMP(timezone=True)
_DOCUMENT = postgresql.JSONB()


def _rows(table: Table, name: str) -> TableValuedAlias:
    """`unnest(ARRAY(SELECT jsonb_populate_recordset(NULL::table, …$name…))) AS name`: rows of `table`'s type from
    the objects in the parameter `name` (a key per column; a column without one, or JSON null: NULL).

    unnest because the planner expects ~10 rows of it, as of the array parameters before; of jsonb_populate_recordset
    itself it expects 100, and joins 100 rows to a table of some ten thousand by reading the whole table (measured:
    30–150 ms a batch instead of 0.1). The parameter is the JSON's UTF-8 bytes (`bytea`, decoded by PostgreSQL): as
    text it would be decoded into a Python string and encoded again."""
    document = cast(func.convert_from(bindparam(name, type_=LargeBinary), literal_column("'UTF8'")), _DOCUMENT)
    records = select(func.jsonb_populate_recordset(literal_column(f"NULL::{table.name}"), document))
    return func.unnest(func.array(records.scalar_subquery())).table_valued(*table.c.keys()).alias(name)


def rows_parameter(rows: list[dict[str, Any]]) -> bytes:
    """The value of a `_rows` parameter: the rows as a JSON array (datetimes in ISO 8601 with their offset)."""
    return json_codec.dumps_utc(rows)


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


def _new_residents(
    users: TableValuedAlias, now: BindParameter[datetime], unknown: ColumnElement[bool]
) -> tuple[CTE, CTE]:
    """Residents `users` (channel, user_key) where `unknown`, each with an empty state: their ids and keys, and the
    states' insert (a CTE the statement must carry)."""
    added = (
        postgresql.insert(residents)
        .from_select(
            [residents.c.channel, residents.c.user_key, residents.c.created_at, residents.c.last_seen_at],
            select(users.c.channel, users.c.user_key, now, now).where(unknown),
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
    return added, stated


def _read() -> ClauseElement:
    """The stored replies of handled keys (state_row false) and the known residents' states, locked in resident-id
    order (state_row true); JSON documents as text (decoded here, once, without SQLAlchemy's result processing).
    With `add` true, the senders not known yet are added with an empty state each (as `add_residents` does), once
    the known ones' states are locked, and come back as state rows too."""
    k = _rows(processed, "handled")
    u = _rows(residents, "users")
    now = bindparam("now", type_=_STAMP)
    locked = (
        select(residents.c.id, residents.c.channel, residents.c.user_key, residents.c.last_seen_at, states.c.state)
        .join(states, states.c.resident_id == residents.c.id)
        .where(tuple_(residents.c.channel, residents.c.user_key).in_(select(u.c.channel, u.c.user_key)))
        .order_by(residents.c.id)
        .with_for_update(of=states)
        .cte("locked")
    )
    added, stated = _new_residents(
        u,
        now,
        and_(
            bindparam("add", type_=Boolean),
            # evaluated before the first insert: the known residents' states are all locked first, in one order for
            # every process, as when the new residents were a statement of their own
            select(func.count()).select_from(locked).scalar_subquery() >= literal_column("0"),
            ~exists().where(locked.c.channel == u.c.channel, locked.c.user_key == u.c.user_key),
        ),
    )
    replies = select(
        false().label("state_row"),
        processed.c.channel,
        processed.c.dedupe_key.label("key"),
        cast(processed.c.replies, Text).label("document"),
        cast(null(), BigInteger).label("id"),
        cast(null(), _STAMP).label("last_seen_at"),
    ).where(tuple_(processed.c.channel, processed.c.dedupe_key).in_(select(k.c.channel, k.c.dedupe_key)))
    return replies.union_all(
        select(
            true(), locked.c.channel, locked.c.user_key, cast(locked.c.state, Text), locked.c.id, locked.c.last_seen_at
        ),
        select(true(), added.c.channel, added.c.user_key, literal_column("'{}'"), added.c.id, now),
    ).add_cte(stated)


def _write() -> ClauseElement:
    """A batch's rows, each table's in one parameter: new states, message-log rows (in their order, "id": ids follow
    it), dedupe rows, residents' last-seen hours ({id, last_seen_at}), feedback (ratings) and unanswered questions
    (one row per question: `merge_gaps`)."""
    n = _rows(states, "states")
    saved = (
        update(states)
        .where(states.c.resident_id == n.c.resident_id)
        .values({states.c.state: n.c.state, states.c.updated_at: n.c.updated_at})
        .cte("saved")
    )
    log = _rows(message_log, "log")
    logged_columns = ("resident_id", "direction", "text", "payload", "created_at")
    logged = (
        insert(message_log)
        .from_select(
            list(logged_columns),
            # a payload of None is JSON null, as SQLAlchemy's JSON type writes it (the row's field is NULL)
            select(
                log.c.resident_id,
                log.c.direction,
                log.c.text,
                func.coalesce(log.c.payload, cast(literal_column("'null'"), _DOCUMENT)),
                log.c.created_at,
            ).order_by(log.c.id),
        )
        .cte("logged")
    )
    h = _rows(processed, "processed")
    handled_columns = ("channel", "dedupe_key", "resident_id", "replies", "processed_at")
    handled = (
        insert(processed).from_select(list(handled_columns), select(*(h.c[c] for c in handled_columns))).cte("handled")
    )
    s = _rows(residents, "seen")
    refreshed = (
        update(residents)
        .where(residents.c.id == s.c.id)
        .values({residents.c.last_seen_at: s.c.last_seen_at})
        .cte("refreshed")
    )
    f = _rows(feedback, "ratings")
    rated_columns = ("resident_id", "topic_id", "helpful", "question", "created_at")
    rated = insert(feedback).from_select(list(rated_columns), select(*(f.c[c] for c in rated_columns))).cte("rated")
    g = _rows(gaps, "questions")
    gap_columns = ("normalised", "reason", "topic_id", "sample", "count", "first_seen", "last_seen")
    counted = postgresql.insert(gaps).from_select(
        list(gap_columns),
        # in key order: two batches upserting the same questions lock them in the same order
        select(*(g.c[c] for c in gap_columns)).order_by(g.c.normalised, g.c.reason),
    )
    gapped = counted.on_conflict_do_update(
        index_elements=[gaps.c.normalised, gaps.c.reason],
        set_={
            "count": gaps.c.count + counted.excluded["count"],
            "last_seen": counted.excluded.last_seen,
            "sample": counted.excluded.sample,
        },
    ).cte("gapped")
    return select(literal_column("1")).add_cte(saved, logged, handled, refreshed, rated, gapped)


def merge_gaps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unanswered questions as one upsert can take them: one row per (normalised, reason), in key order, with what
    upserting the rows one after another leaves — the first one's topic and first_seen, the last one's sample and
    last_seen, the counts summed."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["normalised"], row["reason"])
        first = merged.get(key)
        if first is None:
            merged[key] = dict(row)
        else:
            first.update(count=first["count"] + row["count"], sample=row["sample"], last_seen=row["last_seen"])
    return [merged[key] for key in sorted(merged)]


def _add_residents() -> ClauseElement:
    """New residents with an empty state each; the ids of those not there before."""
    added, stated = _new_residents(_rows(residents, "users"), bindparam("now", type_=_STAMP), true())
    return select(added.c.id, added.c.channel, added.c.user_key).add_cte(stated)


PG_READ = DriverSql.of(_read())
PG_WRITE = DriverSql.of(_write())
PG_ADD_RESIDENTS = DriverSql.of(_add_residents())


def _pairs(pairs: Iterable[tuple[str, Iterable[str]]], second: str) -> bytes:
    """(channel, [keys]) pairs as `_rows` objects: {"channel": …, second: key}."""
    return rows_parameter([{"channel": a, second: b} for a, bs in pairs for b in bs])


class PostgresDialogueRows(DialogueRows):
    """The same rows in two statements per batch on PostgreSQL, sent as they are (`exec_driver_sql`: no
    compilation, no per-row parameter processing), each table's rows one JSON parameter."""

    async def writer_session(self, conn: AsyncConnection, starting: bool) -> None:
        # generic plans on the writer's connection: the two statements are planned once, not at every batch (a
        # custom plan for their row parameters is no better and costs PostgreSQL more than running them); reset
        # before the connection goes back to the pool
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None  # an open connection
        await driver.execute("SET plan_cache_mode = force_generic_plan" if starting else "RESET plan_cache_mode")

    async def read(
        self,
        conn: AsyncConnection,
        keys: list[tuple[str, list[str]]],
        users: list[tuple[str, list[str]]],
        add_at: datetime | None = None,
    ) -> tuple[dict[Key, list[Outbound]], dict[Key, Locked]]:
        handled: dict[Key, list[Outbound]] = {}
        locked: dict[Key, Locked] = {}
        loads = json_codec.loads
        for state_row, channel, key, document, rid, seen in await PG_READ.run(
            conn,
            handled=_pairs(keys, "dedupe_key"),
            users=_pairs(users, "user_key"),
            now=add_at,
            add=add_at is not None,
        ):
            if state_row:
                locked[(channel, key)] = (rid, Conversation.from_json(loads(document)), seen)
            else:
                handled[(channel, key)] = _replies(loads(document))
        return handled, locked

    async def add_residents(self, conn: AsyncConnection, users: list[Key], now: datetime) -> dict[Key, int]:
        rows = await PG_ADD_RESIDENTS.run(conn, now=now, users=_pairs(((c, (k,)) for c, k in users), "user_key"))
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
        seen: list[dict[str, Any]] = [],  # noqa: B006 - never changed
        deferred: DeferredRows | None = None,
    ) -> None:
        for i, row in enumerate(log):
            row["id"] = i  # the order of the log's ids (the rows' own ids come from the table)
        await PG_WRITE.run(
            conn,
            states=rows_parameter(
                [{"resident_id": r["rid"], "state": r["new_state"], "updated_at": r["at"]} for r in new_states]
            ),
            log=rows_parameter(log),
            processed=rows_parameter(handled),
            seen=rows_parameter([{"id": r["rid"], "last_seen_at": r["at"]} for r in seen]),
            ratings=rows_parameter(deferred.feedback if deferred else []),
            questions=rows_parameter(merge_gaps(deferred.gaps) if deferred else []),
        )


def rows_for(dialect: str) -> DialogueRows:
    if dialect == "sqlite":
        return SqliteDialogueRows()
    return PostgresDialogueRows() if dialect == "postgresql" else DialogueRows()
