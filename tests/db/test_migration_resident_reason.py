"""Migration 0090 (outbox.resident_reason) on a database with queued and refused notices in it: they survive the
upgrade, with no reason (查进度 explains those by the 48-hour window), and a new refusal keeps its reason."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.migrate import alembic_config, upgrade
from bot.outbox.enqueue import outbox


def _at_0060(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0060")


async def test_notices_queued_before_0090_survive_it(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.run_sync(_at_0060)
        await conn.commit()
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    async with engine.begin() as conn:  # the outbox as 0060 has it: no resident_reason column
        for n, status in enumerate(["pending", "undeliverable"]):
            await conn.execute(
                text(
                    "INSERT INTO outbox (idempotency_key, channel, user_key, payload, status, attempts, "
                    "next_attempt_at, last_error, created_at) VALUES (:key, 'wechat', 'o-1', :payload, :status, 1, "
                    ":now, :error, :now)"
                ),
                {
                    "key": f"case-event:{n + 1}",
                    "payload": '{"text": "进展"}',
                    "status": status,
                    "now": now,
                    "error": "wechat 45015" if status == "undeliverable" else None,
                },
            )

    await upgrade(engine)
    async with engine.begin() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
        assert [(r.status, r.resident_reason) for r in rows] == [("pending", None), ("undeliverable", None)]
        await conn.execute(update(outbox).where(outbox.c.id == rows[0].id).values(resident_reason="您没有订阅"))
        assert await conn.scalar(select(outbox.c.resident_reason).where(outbox.c.id == rows[0].id)) == "您没有订阅"
