"""Apply Alembic migrations on an async engine (at start-up, in tests, and by `python -m bot db upgrade`).

Several processes may start at once on one PostgreSQL database (`serve --workers N`, or several machines): the
upgrade runs under a session-level `pg_advisory_lock`, so one process migrates while the others wait for it and
then find the schema at head (nothing to do). SQLite is single-process (`serve` refuses `--workers` > 1 on it)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# any constant unique to this application's migrations (the scheduler's lock is another one)
MIGRATION_LOCK = 0x616E6A76
log = logging.getLogger(__name__)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> bool:
    """Bring the schema up to `revision` inside one connection; True when this call applied migrations (logged
    as "schema upgraded"), False when the schema was already there."""

    def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
        before = _revision(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        return before, _revision(connection)

    async with engine.connect() as conn:
        locked = conn.dialect.name == "postgresql"
        if locked:  # waits while another process migrates
            await conn.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
            await conn.commit()
        try:
            before, after = await conn.run_sync(_upgrade)
            await conn.commit()
        finally:
            if locked:
                await conn.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
                await conn.commit()
    if before != after:
        log.info("schema upgraded from %s to %s", before or "empty", after)
        return True
    return False
