"""Each morning, every department that has a group robot gets its own line of the daily digest: its open and
overdue cases (bot/cases/scheduler.py calls it with the supervisors' digest; bot/robots/posts.py queues it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import Case
from bot.cases.vocabulary import OPEN_STATUSES
from bot.core.messages import Link, Outbound
from bot.db.base import table_of
from bot.robots.models import DepartmentRobot
from bot.robots.posts import post_to_robots

cases = table_of(Case)
robots = table_of(DepartmentRobot)


async def post_digests(conn: AsyncConnection, day_key: str, heading: str, now: datetime) -> int:
    """The daily digest, to each department that has a robot: its own open and overdue cases."""
    with_robots = select(robots.c.department_id).distinct()
    overdue = func.coalesce(func.sum(sql_case((cases.c.next_due < now, 1), else_=0)), 0)
    counts = {
        row.department_id: (row.open, row.overdue)
        for row in await conn.execute(
            select(cases.c.department_id, func.count(cases.c.id).label("open"), overdue.label("overdue"))
            .where(cases.c.status.in_([s.value for s in OPEN_STATUSES]), cases.c.department_id.in_(with_robots))
            .group_by(cases.c.department_id)
        )
    }
    queued = 0
    for (department_id,) in (await conn.execute(with_robots)).all():
        open_count, overdue_count = counts.get(department_id, (0, 0))
        # one line: a folded robot message shows each notice's first line
        text = f"{heading}：本单位未办结 {open_count} 件，其中超期 {int(overdue_count)} 件。"
        queued += await post_to_robots(
            conn,
            department_id,
            f"digest:{day_key}:{department_id}",
            Outbound(text, links=(Link("打开工作台", "/staff"),)),
            now,
        )
    return queued
