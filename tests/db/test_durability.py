"""A case number is shown only after its transaction is on disk (issue 9, point 9): every connection the app opens
commits durably — SQLite synchronous=FULL (NORMAL loses the last commits on a power cut), PostgreSQL
synchronous_commit on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine


async def test_commits_wait_for_the_disk(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one() == 2  # FULL
        else:
            assert (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar_one() == "on"
