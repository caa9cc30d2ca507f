"""PostgresDialogueRows' batch statements, built in Core over the model tables and compiled once for asyncpg, run
against a freshly migrated PostgreSQL schema: with empty batches (every column and cast they name must exist), and
with rows that the reference path, DialogueRows, must read back the same (and the other way round)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue_rows import (
    PG_ADD_RESIDENTS,
    PG_READ,
    PG_WRITE,
    DialogueRows,
    PostgresDialogueRows,
    message_log,
    processed,
    states,
)
from bot.core.messages import Button, Outbound
from bot.core.port import Conversation

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_each_statement_is_compiled_to_positional_parameters_named_once() -> None:
    for statement in (PG_READ, PG_WRITE, PG_ADD_RESIDENTS):
        assert len(set(statement.names)) == len(statement.names)
        for position in range(1, len(statement.names) + 1):
            assert f"${position}::" in statement.sql
        assert f"${len(statement.names) + 1}" not in statement.sql
    assert "FOR UPDATE OF dialogue_states" in PG_READ.sql
    assert "ON CONFLICT (channel, user_key) DO NOTHING" in PG_ADD_RESIDENTS.sql
    with pytest.raises(TypeError):
        PG_ADD_RESIDENTS.args(now=NOW)  # a parameter missing: never sent out of place


@pytest.mark.postgres
async def test_the_statements_run_on_a_fresh_schema_with_empty_batches(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert list(await PG_READ.run(conn, handled="[]", users="[]")) == []
        assert list(await PG_ADD_RESIDENTS.run(conn, now=NOW, users="[]")) == []
        await PostgresDialogueRows().write(conn, [], [], [])
        for table in (states, message_log, processed):
            assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == 0


@pytest.mark.postgres
async def test_rows_written_in_one_batch_read_back_the_same_on_both_paths(engine: AsyncEngine) -> None:
    fast, reference = PostgresDialogueRows(), DialogueRows()
    reply = Outbound("您好，请问要办理什么？", (Button("menu", "返回菜单"),))
    async with engine.begin() as conn:
        ids = await fast.add_residents(conn, [("web", "a"), ("web", "b"), ("wechat", "c")], NOW)
        assert sorted(ids) == [("web", "a"), ("web", "b"), ("wechat", "c")] and len(set(ids.values())) == 3
        a = ids[("web", "a")]
        await fast.write(
            conn,
            [{"rid": a, "new_state": Conversation(flow="consult", step="ask").to_json(), "at": NOW}],
            [
                {"resident_id": a, "direction": "in", "text": "你好", "payload": {"kind": "text"}, "created_at": NOW},
                {"resident_id": a, "direction": "out", "text": reply.text, "payload": None, "created_at": NOW},
            ],
            [
                {
                    "channel": "web",
                    "dedupe_key": "m1",
                    "resident_id": a,
                    "replies": {"replies": [reply.to_json()]},
                    "processed_at": NOW,
                }
            ],
        )
        keys, users = [("web", ["m1", "m2"])], [("web", ["a", "b", "nobody"]), ("wechat", ["c"])]
        handled, locked = await fast.read(conn, keys, users)
        assert (handled, locked) == await reference.read(conn, keys, users)
        assert handled == {("web", "m1"): [reply]}
        assert locked[("web", "a")] == (a, Conversation(flow="consult", step="ask"), NOW)
        assert locked[("web", "b")][1] == Conversation() and sorted(locked) == [
            ("web", "a"),
            ("web", "b"),
            ("wechat", "c"),
        ]
        logged = (
            await conn.execute(select(message_log.c.direction, message_log.c.payload).order_by(message_log.c.id))
        ).all()
        assert [tuple(r) for r in logged] == [("in", {"kind": "text"}), ("out", None)]
