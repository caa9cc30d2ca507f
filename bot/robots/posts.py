"""Department notices to the department's group robots, written to the outbox in the transaction of the change
(channel "wecom" / "dingtalk", user_key = the department id): a case that arrives (new, dispatched, transferred,
returned), a reminder, a 督办, and each morning the department's own line of the daily digest.

What a notice shows is what the Telegram group post shows (bot/cases/group_posts.py): number, type, category,
district, deadline — never the resident's phone, address or words — and a link to the case on the dashboard
(the dashboard asks for a login and applies department scoping; the link itself gives nothing away). The caller
applies the discipline wall before calling; the robots of a department only ever get that department's cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import Link, Outbound
from bot.outbox.enqueue import enqueue
from bot.robots.config import robots_of
from bot.robots.models import DepartmentRobot

CASE_LINK_LABEL = "在工作台查看"
robots = DepartmentRobot.__table__


def case_link(number: str) -> Link:
    return Link(CASE_LINK_LABEL, f"/staff/cases/{number}")


async def post_to_robots(conn: AsyncConnection, department_id: int | None, key: str, message: Outbound,
                         now: datetime) -> int:
    """Queue `message` to every robot of the department; the number queued (0: none configured, or the same
    `key` queued before)."""
    if department_id is None:
        return 0
    queued = 0
    for robot in await robots_of(conn, department_id):
        queued += await enqueue(conn, key=f"robot:{robot.platform.value}:{key}", channel=robot.platform.value,
                                user_key=str(department_id), message=message, now=now)
    return queued


async def post_digests(conn: AsyncConnection, day_key: str, heading: str, now: datetime) -> int:
    """The daily digest, to each department that has a robot: its own open and overdue cases."""
    from bot.cases.models import Case  # the case tables, read only here
    from bot.cases.vocabulary import OPEN_STATUSES

    cases = Case.__table__
    with_robots = select(robots.c.department_id).distinct()
    overdue = func.coalesce(func.sum(sql_case((cases.c.next_due < now, 1), else_=0)), 0)
    counts = {row.department_id: (row.open, row.overdue) for row in await conn.execute(
        select(cases.c.department_id, func.count(cases.c.id).label("open"), overdue.label("overdue"))
        .where(cases.c.status.in_([s.value for s in OPEN_STATUSES]), cases.c.department_id.in_(with_robots))
        .group_by(cases.c.department_id)
    )}
    queued = 0
    for (department_id,) in (await conn.execute(with_robots)).all():
        open_count, overdue_count = counts.get(department_id, (0, 0))
        text = f"{heading}\n本单位未办结 {open_count} 件，其中超期 {int(overdue_count)} 件。"
        queued += await post_to_robots(conn, department_id, f"digest:{day_key}:{department_id}",
                                       Outbound(text, links=(Link("打开工作台", "/staff"),)), now)
    return queued
