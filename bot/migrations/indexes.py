"""Index helpers for migrations that touch big tables (cases, message_log, outbox …).

On PostgreSQL `create_index` builds the index CONCURRENTLY, outside the migration's transaction (Alembic's
autocommit block): the table keeps taking inserts and updates while it is built — a plain CREATE INDEX on a million
cases holds writes for minutes. A concurrent build that failed half-way leaves an INVALID index behind; running the
migration again drops it and builds it anew. SQLite builds the index in the migration's transaction as usual.

Use them in a migration like `op.create_index`:

    from bot.migrations.indexes import create_index, drop_index

    def upgrade() -> None:
        create_index('ix_cases_resident', 'cases', ['resident_id', 'created_at'])

A migration that uses them should do nothing else in the same revision that needs the transaction (they commit
what came before them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy import text

_INVALID = text(
    "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name AND NOT i.indisvalid"
)


def create_index(name: str, table: str, columns: Sequence[Any], **kw: Any) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index(name, table, list(columns), **kw)
        return
    with op.get_context().autocommit_block():
        if bind.execute(_INVALID, {"name": name}).scalar():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.create_index(name, table, list(columns), postgresql_concurrently=True, if_not_exists=True, **kw)


def drop_index(name: str, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
