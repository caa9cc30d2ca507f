"""INSERT … ON CONFLICT for both dialects, so callers write one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_for(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT construct, which knows ON CONFLICT."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


async def insert_ignore(conn: AsyncConnection, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> bool:
    """Insert unless a row with the same `keys` exists; True if a row was inserted."""
    stmt = insert_for(conn, table).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    result = await conn.execute(stmt)
    return result.rowcount == 1


async def upsert(
    conn: AsyncConnection, table: Table, values: Mapping[str, Any], keys: Sequence[str], update: Mapping[str, Any]
) -> None:
    """Insert, or on conflict over `keys` apply `update` (which may refer to `table.c` columns)."""
    stmt = insert_for(conn, table).values(**values).on_conflict_do_update(index_elements=list(keys), set_=dict(update))
    await conn.execute(stmt)
