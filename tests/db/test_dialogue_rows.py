"""PostgresDialogueRows' batch statements, built in Core over the model tables and compiled once for asyncpg, run
against a freshly migrated PostgreSQL schema: with empty batches (every column and cast they name must exist), and
with rows that the reference path, DialogueRows, must read back the same (and the other way round)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.dialogue_rows import (
    PG_ADD_RESIDENTS,
    PG_READ,
    PG_WRITE,
    DialogueRows,
    PostgresDialogueRows,
    merge_gaps,
    message_log,
    processed,
    residents,
    states,
)
from bot.core.effects import DeferredRows, feedback, gaps
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
        assert list(await PG_READ.run(conn, handled=b"[]", users=b"[]", now=NOW, add=True)) == []
        assert list(await PG_ADD_RESIDENTS.run(conn, now=NOW, users=b"[]")) == []
        await PostgresDialogueRows().write(conn, [], [], [])
        for table in (states, message_log, processed):
            assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == 0


@pytest.mark.postgres
async def test_the_look_up_adds_new_senders_with_an_empty_state_after_locking_the_known(engine: AsyncEngine) -> None:
    """A batch's first statement also adds the senders seen for the first time (one round trip less for a batch
    with a new resident): they come back among the locked states, empty, and are known the next time."""
    fast = PostgresDialogueRows()
    later = NOW + timedelta(minutes=1)
    async with engine.begin() as conn:
        known = (await fast.add_residents(conn, [("web", "known")], NOW))[("web", "known")]
        users = [("web", ["known", "new"]), ("wechat", ["other"])]
        _, locked = await fast.read(conn, [], users, add_at=later)
        assert sorted(locked) == [("web", "known"), ("web", "new"), ("wechat", "other")]
        assert locked[("web", "known")] == (known, Conversation(), NOW)
        new_id, state, seen = locked[("web", "new")]
        assert (state, seen) == (Conversation(), later) and new_id != known
        assert (await fast.read(conn, [], users, add_at=later))[1] == locked  # not added twice
        assert (await conn.execute(select(func.count()).select_from(residents))).scalar_one() == 3
        assert (await conn.execute(select(func.count()).select_from(states))).scalar_one() == 3
        _, without = await fast.read(conn, [], [("web", ["unknown"])])  # no time given: nobody added
        assert without == {}


@pytest.mark.postgres
async def test_the_batch_statements_find_their_rows_by_index_in_tables_of_thousands(engine: AsyncEngine) -> None:
    """The statements' generic plans (the writer's connections plan them once) look the batch's few rows up by
    index: a plan that reads a whole table costs a batch tens of milliseconds at ten thousand residents (it was
    what PostgreSQL chose when it expected 100 rows of the JSON, not 10)."""
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO residents (channel, user_key, created_at, last_seen_at)"
            " SELECT 'web', 'u' || i, now(), now() FROM generate_series(1, 5000) AS i"
        )
        await conn.exec_driver_sql(
            "INSERT INTO dialogue_states (resident_id, state, updated_at) SELECT id, '{}', now() FROM residents"
        )
        await conn.exec_driver_sql(
            "INSERT INTO processed_inbound (channel, dedupe_key, resident_id, replies, processed_at)"
            " SELECT 'web', 'k' || id, id, '{}', now() FROM residents"
        )
        for table in ("residents", "dialogue_states", "processed_inbound"):
            await conn.exec_driver_sql(f"ANALYZE {table}")
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("SET plan_cache_mode = force_generic_plan")
        users = b'[{"channel": "web", "user_key": "u7"}, {"channel": "web", "user_key": "nobody"}]'
        read = {"handled": b'[{"channel": "web", "dedupe_key": "k7"}]', "users": users, "now": NOW, "add": True}
        state = b'[{"resident_id": 7, "state": {}, "updated_at": "2026-03-02T09:30:00+00:00"}]'
        seen = b'[{"id": 7, "last_seen_at": "2026-03-02T09:30:00+00:00"}]'
        write = {"states": state, "log": b"[]", "processed": b"[]", "seen": seen, "ratings": b"[]", "questions": b"[]"}
        scanned = []
        for name, statement, values in (("batch_read", PG_READ, read), ("batch_write", PG_WRITE, write)):
            await driver.execute(f"PREPARE {name} AS {statement.sql}")
            arguments = ", ".join(_literal(v) for v in statement.args(**values))
            plan = await driver.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({arguments})")
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scanned += [(name, node) for node in _nodes(plan[0]["Plan"]) if "Seq Scan" in node]
        await driver.execute("RESET plan_cache_mode")
    assert scanned == []


def _literal(value: object) -> str:
    """A parameter value as SQL (EXECUTE takes no bound parameters)."""
    if isinstance(value, bytes):
        return f"decode('{value.hex()}', 'hex')"
    if isinstance(value, bool):
        return "true" if value else "false"
    assert isinstance(value, datetime)
    return f"'{value.isoformat()}'::timestamptz"


def _nodes(plan: dict) -> list[str]:
    """Every node of an EXPLAIN (FORMAT JSON) plan as "<type> <relation>"."""
    here = f"{plan['Node Type']} {plan.get('Relation Name', '')}".strip()
    return [here] + [node for child in plan.get("Plans", []) for node in _nodes(child)]


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


def _deferred(rid: int, later: datetime) -> DeferredRows:
    """Feedback and unanswered questions as a batch's effects leave them: the same question twice (two residents'
    turns), another once."""
    question = {"reason": "abstain", "topic_id": None, "count": 1}
    return DeferredRows(
        feedback=[
            {"resident_id": rid, "topic_id": "comp.fee", "helpful": False, "question": "多少钱", "created_at": NOW}
        ],
        gaps=[
            {**question, "normalised": "明天下雨吗", "sample": "明天下雨吗？", "first_seen": NOW, "last_seen": NOW},
            {**question, "normalised": "广场舞", "sample": "广场舞在哪", "first_seen": NOW, "last_seen": NOW},
            {**question, "normalised": "明天下雨吗", "sample": "明天 下雨吗", "first_seen": later, "last_seen": later},
        ],
    )


@pytest.mark.postgres
async def test_last_seen_hours_feedback_and_questions_in_the_one_write_match_the_reference(engine: AsyncEngine) -> None:
    """The effects' rows and the residents' last-seen hours that PostgresDialogueRows writes in its one statement
    (questions merged per key) leave the tables as DialogueRows' statement-by-statement path does — counted on top
    of a question already there, the first topic and time kept, the last sample and time taken."""
    later = NOW + timedelta(minutes=5)
    outcomes = []
    for rows in (DialogueRows(), PostgresDialogueRows()):
        async with engine.connect() as conn:
            transaction = await conn.begin()
            rid = (await rows.add_residents(conn, [("web", "a")], NOW))[("web", "a")]
            await rows.write(conn, [], [], [], deferred=_deferred(rid, NOW))  # the first sighting of two questions
            await rows.write(conn, [], [], [], seen=[{"rid": rid, "at": later}], deferred=_deferred(rid, later))
            gap_rows = await conn.execute(
                select(gaps.c.normalised, gaps.c.sample, gaps.c.count, gaps.c.first_seen, gaps.c.last_seen).order_by(
                    gaps.c.normalised
                )
            )
            votes = await conn.execute(select(feedback.c.topic_id, feedback.c.helpful, feedback.c.question))
            seen = await conn.scalar(select(residents.c.last_seen_at).where(residents.c.id == rid))
            outcomes.append(([tuple(r) for r in gap_rows], [tuple(v) for v in votes], seen))
            await transaction.rollback()
    assert outcomes[1] == outcomes[0]
    assert outcomes[1] == (
        [("广场舞", "广场舞在哪", 2, NOW, NOW), ("明天下雨吗", "明天 下雨吗", 4, NOW, later)],
        [("comp.fee", False, "多少钱")] * 2,
        later,
    )


def test_questions_are_merged_per_key_in_key_order_as_one_upsert_after_another_would_leave_them() -> None:
    later = NOW + timedelta(minutes=5)
    merged = merge_gaps(_deferred(1, later).gaps)
    assert [(g["normalised"], g["count"], g["sample"], g["first_seen"], g["last_seen"]) for g in merged] == [
        ("广场舞", 1, "广场舞在哪", NOW, NOW),
        ("明天下雨吗", 2, "明天 下雨吗", NOW, later),
    ]
