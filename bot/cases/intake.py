"""Creating a case: number, route, deadlines, the case row and its first events — all in the caller's transaction.

A submission carries an `intake_key` (the channel message that confirmed the form): filing the same key again
returns the case already created instead of a second one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.actors import SYSTEM, ResidentActor
from bot.cases.deadlines import DeadlinePolicy, next_due
from bot.cases.events import EventKind, append_event
from bot.cases.group_posts import PostReason, post_to_group
from bot.cases.models import Case, Department
from bot.cases.numbers import next_case_number
from bot.cases.routing import route
from bot.cases.vocabulary import CaseType, Status
from bot.db.base import table_of
from bot.db.upsert import insert_for

cases = table_of(Case)
departments = table_of(Department)


@dataclass(frozen=True)
class NewCase:
    type: CaseType
    category: str
    district: str
    channel: str
    address: str = ""
    description: str = ""
    wish: str = ""
    phone: str | None = None
    anonymous: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    named_unit: str | None = None  # staff conduct: code of the department complained about
    resident_id: int | None = None
    intake_key: str | None = None


@dataclass(frozen=True)
class CreatedCase:
    id: int
    number: str
    created: bool  # False: this submission had already filed the case
    status: Status
    urgent: bool
    department_name: str | None
    sign_for_due: datetime | None
    notify_due: datetime | None
    finish_due: datetime | None


async def create_case(conn: AsyncConnection, spec: NewCase, now: datetime, policy: DeadlinePolicy) -> CreatedCase:
    """File `spec`, or find the case its intake key already filed."""
    if spec.intake_key is not None:
        existing = await _by_intake_key(conn, spec.intake_key)
        if existing is not None:
            return existing
    where = await route(conn, spec.category, spec.district, spec.named_unit)
    deadlines = policy.initial(spec.type, where.urgent, now)
    status = Status.DISPATCHED if where.dispatched else Status.NEW
    values: dict[str, Any] = {
        "number": await next_case_number(conn, now),
        "intake_key": spec.intake_key,
        "type": spec.type,
        "category": spec.category,
        "district": spec.district,
        "address": spec.address,
        "description": spec.description,
        "wish": spec.wish,
        "phone": None if spec.anonymous else spec.phone,
        "anonymous": spec.anonymous,
        "details": spec.details,
        "resident_id": spec.resident_id,
        "channel": spec.channel,
        "status": status,
        "urgent": where.urgent,
        "priority": 2 if where.urgent else 1 if spec.type == CaseType.ASSISTANCE else 0,
        "department_id": where.department_id,
        "named_department_id": where.named_department_id,
        "sign_for_due": deadlines.sign_for_due,
        "notify_due": deadlines.notify_due,
        "finish_due": deadlines.finish_due,
        "extended_days": 0,
        "created_at": now,
        "updated_at": now,
        "dispatched_at": now if where.dispatched else None,
        "first_reply_at": None,
        "reopened_at": None,
        "reopened_count": 0,
        "alarm_at": now,
    }
    values["next_due"] = next_due(values)
    insert = insert_for(conn, cases).values(**values)
    if spec.intake_key is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["intake_key"])
    case_id = await conn.scalar(insert.returning(cases.c.id))
    if case_id is None:  # a concurrent transaction filed the same submission first
        existing = await _by_intake_key(conn, spec.intake_key or "")
        assert existing is not None
        return existing
    actor = ResidentActor(spec.resident_id) if spec.resident_id is not None else SYSTEM
    await append_event(conn, case_id, actor, EventKind.CREATED, now, data={"channel": spec.channel})
    if where.dispatched:
        await append_event(
            conn,
            case_id,
            SYSTEM,
            EventKind.DISPATCHED,
            now,
            data={"department_id": where.department_id, "by": "routing"},
        )
    await post_to_group(conn, case_id, PostReason.NEW, now, key=f"{case_id}:created")
    return await _by_id(conn, case_id, created=True)


async def _by_intake_key(conn: AsyncConnection, key: str) -> CreatedCase | None:
    case_id = await conn.scalar(select(cases.c.id).where(cases.c.intake_key == key))
    return None if case_id is None else await _by_id(conn, case_id, created=False)


async def _by_id(conn: AsyncConnection, case_id: int, created: bool) -> CreatedCase:
    row = (
        await conn.execute(
            select(
                cases.c.id,
                cases.c.number,
                cases.c.status,
                cases.c.urgent,
                departments.c.name,
                cases.c.sign_for_due,
                cases.c.notify_due,
                cases.c.finish_due,
            )
            .outerjoin(departments, departments.c.id == cases.c.department_id)
            .where(cases.c.id == case_id)
        )
    ).one()
    return CreatedCase(
        row.id,
        row.number,
        created,
        Status(row.status),
        row.urgent,
        row.name,
        row.sign_for_due,
        row.notify_due,
        row.finish_due,
    )
