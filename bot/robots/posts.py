"""Department notices to the department's group robots, written to the outbox in the transaction of the change
(channel "wecom" / "dingtalk", user_key = the department id): a case that arrives (new, dispatched, transferred,
returned), a reminder, a 督办, and each morning the department's own line of the daily digest
(bot/cases/department_digest.py).

What a notice shows is what the Telegram group post shows (bot/cases/group_posts.py): number, type, category,
district, deadline — never the resident's phone, address or words — and a link to the case on the dashboard
(the dashboard asks for a login and applies department scoping; the link itself gives nothing away). The caller
applies the discipline wall before calling; the robots of a department only ever get that department's cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import Link, Outbound
from bot.outbox.enqueue import enqueue
from bot.robots.config import robots_of

CASE_LINK_LABEL = "在工作台查看"


def case_link(number: str) -> Link:
    return Link(CASE_LINK_LABEL, f"/staff/cases/{number}")


async def post_to_robots(
    conn: AsyncConnection, department_id: int | None, key: str, message: Outbound, now: datetime
) -> int:
    """Queue `message` to every robot of the department; the number queued (0: none configured, or the same
    `key` queued before)."""
    if department_id is None:
        return 0
    queued = 0
    for robot in await robots_of(conn, department_id):
        queued += await enqueue(
            conn,
            key=f"robot:{robot.platform.value}:{key}",
            channel=robot.platform.value,
            user_key=str(department_id),
            message=message,
            now=now,
        )
    return queued
