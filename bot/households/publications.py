"""What the county has published, per project (阳光征收, issue 14 point 4): the per-household results (条例第二十九条)
and the signing progress on /stats. Each is off until an admin switches it on at /staff/publication; every switch
is a row (who, when, on or off), never an update, so the history of what was public when stays. The newest row
of a project's item is its state; no row: not published. Listed in bot/tables.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId, table_of
from bot.db.types import UtcDateTime


class Item(StrEnum):
    RESULTS = "results"  # 分户补偿结果
    PROGRESS = "progress"  # 签约进度 (/stats)


ITEM_LABELS = {Item.RESULTS: "分户补偿结果", Item.PROGRESS: "签约进度"}


class PublicationSwitch(Base):
    __tablename__ = "publication_switches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project: Mapped[str] = mapped_column(String(32))  # bot/households/projects.py Project.id
    item: Mapped[str] = mapped_column(String(16))  # Item
    published: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_publication_switches_project_item", "project", "item", "id"),)


switches = table_of(PublicationSwitch)


@dataclass(frozen=True)
class Switch:
    project: str
    item: Item
    published: bool
    changed_by: str
    changed_at: datetime


def _switch(row: object) -> Switch:
    return Switch(
        row.project,  # type: ignore[attr-defined]
        Item(row.item),  # type: ignore[attr-defined]
        bool(row.published),  # type: ignore[attr-defined]
        row.changed_by,  # type: ignore[attr-defined]
        row.changed_at,  # type: ignore[attr-defined]
    )


async def current(conn: AsyncConnection) -> dict[tuple[str, Item], Switch]:
    """Every (project, item)'s newest switch."""
    newest = select(func.max(switches.c.id)).group_by(switches.c.project, switches.c.item).scalar_subquery()
    rows = await conn.execute(select(switches).where(switches.c.id.in_(newest)))
    return {(s.project, s.item): s for s in map(_switch, rows)}


async def state(conn: AsyncConnection, project: str, item: Item) -> Switch | None:
    row = (
        await conn.execute(
            select(switches)
            .where(switches.c.project == project, switches.c.item == item.value)
            .order_by(switches.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _switch(row)


async def is_published(conn: AsyncConnection, project: str, item: Item) -> bool:
    found = await state(conn, project, item)
    return found is not None and found.published


async def set_published(
    conn: AsyncConnection, project: str, item: Item, published: bool, *, by: str, now: datetime
) -> bool:
    """Record the switch; False (nothing written) when it is already in that state."""
    found = await state(conn, project, item)
    if (found is not None and found.published) == published:
        return False
    await conn.execute(
        switches.insert().values(project=project, item=item.value, published=published, changed_by=by, changed_at=now)
    )
    return True


async def history(conn: AsyncConnection, limit: int = 50) -> list[Switch]:
    rows = await conn.execute(select(switches).order_by(switches.c.id.desc()).limit(limit))
    return [_switch(r) for r in rows]
