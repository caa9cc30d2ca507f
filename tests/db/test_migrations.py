"""The migrations and the models agree on both databases, and 0002 can be rolled back and applied again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import POSTGRESQL_ONLY_INDEXES
from bot.db.migrate import alembic_config, upgrade
from bot.tables import metadata

CASE_TABLES = {
    "departments",
    "staff_users",
    "routing_rules",
    "cases",
    "case_events",
    "case_number_counters",
    "staff_notices",
    "outbox",
    "web_inbox",
}


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out the PostgreSQL-only search indexes (GIN, pg_trgm), which the models cannot express for SQLite."""
    return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)


def _differences(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _modelled})
    return compare_metadata(context, metadata)


async def test_models_match_the_migrations(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []


async def test_downgrade_and_upgrade_again(engine: AsyncEngine) -> None:
    def downgrade(connection: Connection) -> set[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        return set(inspect(connection).get_table_names())

    async with engine.connect() as conn:
        tables = await conn.run_sync(downgrade)
        await conn.commit()
    assert not tables & CASE_TABLES and "residents" in tables
    await upgrade(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables >= CASE_TABLES
