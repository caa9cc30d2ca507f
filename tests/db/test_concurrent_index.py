"""bot/migrations/indexes.py: on PostgreSQL a migration's index is built CONCURRENTLY — an insert made while it is
being built goes through at once, where a plain CREATE INDEX makes it wait for the whole build."""

from __future__ import annotations

import asyncio

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.migrations.indexes import create_index, drop_index

ROWS = 400_000


def migrate(sync_conn: Connection, concurrently: bool, name: str) -> None:
    """One migration step, run the way env.py runs migrations (in the migration context's transaction)."""
    context = MigrationContext.configure(sync_conn)
    with Operations.context(context), context.begin_transaction():
        if concurrently:
            create_index(name, "big_rows", ["body"])
        else:
            Operations(context).create_index(name, "big_rows", ["body"])


async def insert_during_build(engine: AsyncEngine, concurrently: bool, name: str) -> str:
    """Start building the index, wait until PostgreSQL reports the build under way, then insert one row with a
    short lock timeout: "inserted", "blocked" — or "missed" if the build ended before the insert was tried."""
    async with engine.connect() as builder, engine.connect() as watcher, engine.connect() as writer:
        build = asyncio.create_task(builder.run_sync(migrate, concurrently, name))
        outcome = "missed"
        while not build.done():
            running = await watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_progress_create_index p JOIN pg_class c ON c.oid = p.relid "
                    "WHERE c.relname = 'big_rows' AND p.phase LIKE 'building index%'"
                )
            )
            await watcher.rollback()
            if running:
                try:
                    async with writer.begin():
                        await writer.execute(text("SET LOCAL lock_timeout = '300ms'"))
                        await writer.execute(text("INSERT INTO big_rows (body) VALUES ('written meanwhile')"))
                    outcome = "inserted" if not build.done() else "missed"
                except DBAPIError as exc:
                    assert "lock timeout" in str(exc)
                    outcome = "blocked"
                break
            await asyncio.sleep(0.005)
        await build
        await builder.commit()
    return outcome


@pytest.mark.postgres
async def test_writes_go_on_while_a_migration_builds_an_index(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE big_rows (id bigserial PRIMARY KEY, body text NOT NULL)"))
        await conn.execute(
            text(
                "INSERT INTO big_rows (body) SELECT md5(i::text) || md5((i * 7)::text) "
                f"FROM generate_series(1, {ROWS}) AS i"
            )
        )
    assert await insert_during_build(engine, False, "ix_big_rows_plain") == "blocked"  # the test can tell
    assert await insert_during_build(engine, True, "ix_big_rows_body") == "inserted"
    async with engine.connect() as conn:
        valid = await conn.scalar(
            text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = 'ix_big_rows_body'"
            )
        )
    assert valid is True


@pytest.mark.postgres
async def test_a_failed_concurrent_build_is_built_again(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE big_rows (id bigserial PRIMARY KEY, body text NOT NULL)"))
        await conn.execute(text("INSERT INTO big_rows (body) VALUES ('a'), ('a')"))
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="could not create unique index"):
            await conn.run_sync(lambda c: _unique(c))
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM big_rows WHERE id = (SELECT max(id) FROM big_rows)"))
    async with engine.connect() as conn:  # the INVALID leftover is dropped and the index built anew
        await conn.run_sync(lambda c: _unique(c))
        await conn.commit()
        valid = await conn.scalar(
            text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = 'ix_big_rows_unique'"
            )
        )
        assert valid is True
        await conn.commit()  # a migration starts outside any transaction (env.py)
        await conn.run_sync(lambda c: _drop(c))
        await conn.commit()
        assert await conn.scalar(text("SELECT count(*) FROM pg_class WHERE relname = 'ix_big_rows_unique'")) == 0


def _unique(sync_conn: Connection) -> None:
    context = MigrationContext.configure(sync_conn)
    with Operations.context(context), context.begin_transaction():
        create_index("ix_big_rows_unique", "big_rows", ["body"], unique=True)


def _drop(sync_conn: Connection) -> None:
    context = MigrationContext.configure(sync_conn)
    with Operations.context(context), context.begin_transaction():
        drop_index("ix_big_rows_unique", "big_rows")


async def test_sqlite_builds_it_in_the_migration(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE big_rows (id integer PRIMARY KEY, body text NOT NULL)"))
    async with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            return  # PostgreSQL: the tests above
        await conn.run_sync(migrate, True, "ix_big_rows_body")
        await conn.commit()
        names = [r[0] for r in await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))]
    assert "ix_big_rows_body" in names


async def test_a_migration_using_the_helper_runs_like_every_other(engine: AsyncEngine, tmp_path) -> None:  # noqa: ANN001
    """The real path (`db upgrade`, all pending revisions in one run through env.py): a revision after 0010 that
    builds its index with the helper; the revisions before it are committed, the version recorded after it."""
    import shutil

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.db.migrate import MIGRATIONS_DIR, alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()  # the test's revision comes after it

    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_test_index.py").write_text(
        "from bot.migrations.indexes import create_index\n"
        f"revision = '0099'\ndown_revision = '{head}'\nbranch_labels = None\ndepends_on = None\n\n"
        "def upgrade() -> None:\n    create_index('ix_message_log_test', 'message_log', ['created_at'])\n\n"
        "def downgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )

    def run(sync_conn: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(scripts))
        config.attributes["connection"] = sync_conn
        command.downgrade(config, "0005")  # so that 0010 … 0099 run in one go, as on an upgrade
        command.upgrade(config, "head")

    async with engine.connect() as conn:
        await conn.run_sync(run)
        await conn.commit()
        assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == "0099"
        if conn.dialect.name == "postgresql":
            found = await conn.scalar(
                text(
                    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c "
                    "ON c.oid = i.indexrelid WHERE c.relname = 'ix_message_log_test'"
                )
            )
        else:
            found = await conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'ix_message_log_test'"))
    assert found
