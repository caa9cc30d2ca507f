"""The one declarative Base every table registers on, and the column types they share.

Each domain keeps its tables next to its code (bot/db/models.py, bot/cases/models.py, bot/outbox/models.py …);
bot/tables.py imports them all, for the migrations' env and the schema test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from bot.db.types import UtcDateTime

JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    # every timestamp is an aware UTC datetime on both databases (SQLite keeps it as text without a zone)
    type_annotation_map = {dict[str, Any]: JsonType, datetime: UtcDateTime}  # noqa: RUF012  (read by SQLAlchemy)


def table_of(model: type[Base]) -> Table:
    """A model's Core table, typed as the Table it is (`Model.__table__` is declared a FromClause: no insert(),
    update(), primary key): the handle the modules' SQL statements are built on."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
