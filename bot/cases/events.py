"""The append-only history of a case. A public event is also told to the resident: its message goes into the
outbox in the same transaction, keyed by the event id, so it is sent once or — after a crash — later, never lost."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.actors import Actor, actor_columns
from bot.cases.models import CaseEvent
from bot.core.messages import Outbound
from bot.db.base import table_of
from bot.db.models import Resident
from bot.outbox.enqueue import enqueue

events = table_of(CaseEvent)
residents = table_of(Resident)


class EventKind(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    VIEWED = "viewed"
    CLAIMED = "claimed"
    STARTED = "started"
    REPLIED = "replied"
    NOTED = "noted"
    TRANSFERRED = "transferred"
    RETURNED = "returned"
    EXTENDED = "extended"
    RESOLVED = "resolved"
    MERGED = "merged"
    REOPENED = "reopened"
    RATED = "rated"
    RATING_REASON = "rating_reason"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    ATTACHED = "attached"  # the resident sent a photo for the open case


EVENT_LABELS = {
    EventKind.CREATED: "登记",
    EventKind.DISPATCHED: "派单",
    EventKind.VIEWED: "查看",
    EventKind.CLAIMED: "签收",
    EventKind.STARTED: "开始办理",
    EventKind.REPLIED: "答复居民",
    EventKind.NOTED: "内部备注",
    EventKind.TRANSFERRED: "转办",
    EventKind.RETURNED: "退单",
    EventKind.EXTENDED: "延期",
    EventKind.RESOLVED: "办结",
    EventKind.MERGED: "并单",
    EventKind.REOPENED: "重新办理",
    EventKind.RATED: "评价",
    EventKind.RATING_REASON: "不满意的原因",
    EventKind.REMINDED: "到期提醒",
    EventKind.ESCALATED: "督办",
    EventKind.ATTACHED: "补充材料",
}


async def append_event(
    conn: AsyncConnection,
    case_id: int,
    actor: Actor,
    kind: EventKind,
    now: datetime,
    *,
    text: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    resident_id: int | None = None,
    notify: Outbound | None = None,
) -> int:
    """Add one event; for a public event with `notify`, queue that message to the case's resident. The event id."""
    event_id = await conn.scalar(
        events.insert()
        .values(
            case_id=case_id,
            kind=kind,
            public=public,
            text=text,
            data=data or {},
            created_at=now,
            **actor_columns(actor),
        )
        .returning(events.c.id)
    )
    if public and notify is not None and resident_id is not None:
        await notify_resident(conn, resident_id, f"case-event:{event_id}", notify, now)
    return int(event_id)


async def notify_resident(conn: AsyncConnection, resident_id: int, key: str, message: Outbound, now: datetime) -> bool:
    """Queue `message` to the resident on the channel they filed from."""
    row = (
        await conn.execute(select(residents.c.channel, residents.c.user_key).where(residents.c.id == resident_id))
    ).first()
    if row is None:
        return False
    return await enqueue(
        conn, key=key, channel=row.channel, user_key=row.user_key, message=message, now=now, resident_id=resident_id
    )
