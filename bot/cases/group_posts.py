"""Posts to department group chats: a case that arrives in a department (new, dispatched, transferred, returned to the
dispatcher queue) or becomes overdue is posted to that department's Telegram group with a 签收 button, and to its
WeCom / DingTalk group robots with a link to the case on the dashboard (bot/robots/posts.py).

Written to the outbox inside the transaction of the change (channel "telegram", user_key = the group's chat id), so
a post is sent once the change is committed and never for a change that was rolled back. What a post shows: number,
type, category, district, deadline — never the resident's phone, address or words (a group chat is a wider audience
than the case page, which records who viewed it).

The discipline wall: a case goes only to the group of the department holding it; a staff-conduct complaint only to
纪检监察's group, and never to the group of the department it names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import Case, Department
from bot.cases.vocabulary import CATEGORY_LABELS, TYPE_LABELS, Category, DepartmentKind, Status
from bot.cases.workdays import format_due
from bot.core.messages import Button, Outbound
from bot.db.base import table_of
from bot.outbox.enqueue import enqueue
from bot.robots.posts import case_link, post_to_robots

cases = table_of(Case)
departments = table_of(Department)
CHANNEL = "telegram"
CLAIM_PREFIX = "claim:"  # button id: "claim:<case id>"
CLAIM_LABEL = "签收"


class PostReason(StrEnum):
    NEW = "new"  # arrived in the department (filed, dispatched, transferred, returned)
    OVERDUE = "overdue"  # a deadline has passed (the scheduler's 督办)


def claim_button(case_id: int) -> Button:
    return Button(f"{CLAIM_PREFIX}{case_id}", CLAIM_LABEL)


def claimed_case_id(button_id: str) -> int | None:
    """The case of a 签收 button id, or None for any other button."""
    raw = button_id.removeprefix(CLAIM_PREFIX)
    if raw == button_id or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


async def post_to_group(conn: AsyncConnection, case_id: int, reason: PostReason, now: datetime, key: str) -> bool:
    """Queue the case's post to its department's group; False when there is no group (or the wall forbids it).
    `key` names the change (the same change posts once, however often it is retried)."""
    row = (
        await conn.execute(
            select(
                cases.c.id,
                cases.c.number,
                cases.c.type,
                cases.c.category,
                cases.c.district,
                cases.c.urgent,
                cases.c.department_id,
                cases.c.named_department_id,
                cases.c.sign_for_due,
                cases.c.finish_due,
                cases.c.assignee_id,
                cases.c.status,
                departments.c.kind,
                departments.c.telegram_group_chat_id,
            )
            .join(departments, departments.c.id == cases.c.department_id)
            .where(cases.c.id == case_id)
        )
    ).first()
    if row is None:
        return False
    if row.department_id == row.named_department_id:
        return False  # never to the department complained about (dispatch refuses it too)
    if (row.category == Category.STAFF_CONDUCT) != (row.kind == DepartmentKind.DISCIPLINE):
        return False  # staff-conduct complaints only in 纪检监察's group
    district = await _district_label(conn, row.district)
    text = summary(
        row.number,
        row.type,
        row.category,
        district,
        row.urgent,
        reason,
        row.finish_due
        if reason is PostReason.OVERDUE and row.assignee_id is not None
        else row.sign_for_due or row.finish_due,
    )
    # 签收 only for a case waiting to be signed for (the dispatcher queue's new cases are 派单 in the dashboard)
    buttons = (claim_button(row.id),) if row.status == Status.DISPATCHED and row.assignee_id is None else ()
    # beside (or instead of) the Telegram group: the department's WeCom / DingTalk robots, with a dashboard link
    posted = await post_to_robots(conn, row.department_id, key, Outbound(text, links=(case_link(row.number),)), now) > 0
    if row.telegram_group_chat_id is None:
        return posted
    return (
        await enqueue(
            conn,
            key=f"group:{key}",
            channel=CHANNEL,
            user_key=str(row.telegram_group_chat_id),
            message=Outbound(text, buttons),
            now=now,
        )
        or posted
    )


def summary(
    number: str, type_: str, category: str, district: str, urgent: bool, reason: PostReason, due: datetime | None
) -> str:
    head = {PostReason.NEW: "新案件", PostReason.OVERDUE: "超期督办"}[reason]
    lines = [
        f"{'【紧急】' if urgent else ''}【{head}】{number}",
        f"类型：{TYPE_LABELS.get(type_, type_)}",  # type: ignore[call-overload]
        f"类别：{CATEGORY_LABELS.get(category, category)}",  # type: ignore[call-overload]
        f"片区：{district}",
    ]
    if due is not None:
        lines.append(f"期限：{format_due(due)}")
    lines.append("详情请在工作台查看。")
    return "\n".join(lines)


async def _district_label(conn: AsyncConnection, district: str) -> str:
    """The district's name as its work group is called (东关片区征收工作组 → 东关片区), else its code."""
    name: str | None = await conn.scalar(
        select(departments.c.name)
        .where(departments.c.kind == DepartmentKind.WORK_GROUP, departments.c.district == district)
        .limit(1)
    )
    if not name:
        return district
    return name.split("征收")[0].removesuffix("工作组") or name
