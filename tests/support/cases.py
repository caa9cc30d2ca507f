"""Case-side test helpers: routing loaded from the real routing.yaml, staff accounts per role, cases filed the way
the forms file them, and a form filled in over /api/chat."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from unittest.mock import patch

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.actors import StaffUser
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.intake import CreatedCase, NewCase, create_case
from bot.cases.models import Case, CaseEvent
from bot.cases.passwords import hash_password
from bot.cases.resident_desk import ResidentDesk
from bot.cases.routing import ROUTING_FILE, department_ids, load_routing
from bot.cases.staff import add_staff
from bot.cases.vocabulary import CaseType, Category
from bot.core.port import RateCase, RatingResult
from bot.outbox.models import OutboxMessage
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from tests.support.transcript import ChatSession

cases = Case.__table__
events = CaseEvent.__table__
outbox = OutboxMessage.__table__
PASSWORD = "correct horse battery"


async def load_test_routing(engine: AsyncEngine, now: datetime) -> dict[str, int]:
    """The real routing.yaml in the database; department ids by code."""
    async with engine.begin() as conn:
        await load_routing(conn, DEFAULT_KNOWLEDGE_DIR / ROUTING_FILE, now)
        return await department_ids(conn)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


async def add_user(
    engine: AsyncEngine,
    username: str,
    role: str,
    department: str | None,
    now: datetime,
    telegram_user_id: int | None = None,
) -> StaffUser:
    """A staff account (one argon2 hash per test run: hashing is deliberately slow)."""
    with patch("bot.cases.staff.hash_password", lambda password: password_hash()):
        async with engine.begin() as conn:
            return await add_staff(
                conn,
                username=username,
                display_name=username,
                role=role,
                password=PASSWORD,
                department_code=department,
                now=now,
                telegram_user_id=telegram_user_id,
            )


async def file_case(
    engine: AsyncEngine,
    now: datetime,
    params: dict[str, Any] | None = None,
    *,
    category: str = Category.COMPENSATION,
    district: str = "dongguan",
    type: CaseType = CaseType.COMPLAINT,
    phone: str | None = "13800138000",
    resident_id: int | None = None,
    named_unit: str | None = None,
    channel: str = "web",
    description: str = "评估面积少算了",
    intake_key: str | None = None,
) -> CreatedCase:
    spec = NewCase(
        type=type,
        category=category,
        district=district,
        channel=channel,
        address="东关街18号",
        description=description,
        wish="复核",
        phone=phone,
        resident_id=resident_id,
        named_unit=named_unit,
        intake_key=intake_key,
    )
    policy = DeadlinePolicy.from_params(params or {})
    async with engine.begin() as conn:
        return await create_case(conn, spec, now, policy)


async def rate_as_resident(
    engine: AsyncEngine, number: str, rating: str, now: datetime, params: dict[str, Any] | None = None
) -> RatingResult:
    """The case's resident taps 满意 ("3"), 基本满意 ("2") or 不满意 ("1"), as the chat's rating buttons do."""
    async with engine.begin() as conn:
        resident_id = await conn.scalar(select(cases.c.resident_id).where(cases.c.number == number))
        assert resident_id is not None, "only a case filed by a resident is rated"
        return await ResidentDesk(params or {}).rate(conn, resident_id, RateCase("rating", number, rating), now)


async def case_row(engine: AsyncEngine, number: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (await conn.execute(select(cases).where(cases.c.number == number))).one()
        return dict(row._mapping)


async def event_kinds(engine: AsyncEngine, case_id: int) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(events.c.kind).where(events.c.case_id == case_id).order_by(events.c.id))
        return [r.kind for r in rows]


async def outbox_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(outbox).order_by(outbox.c.id))]


COMPLAINT_ANSWERS = ("东关街18号3单元", "评估报告漏算了阁楼面积十二平方米", "重新测量并复核评估")


async def fill_complaint(
    chat: ChatSession,
    category: str = "补偿金额",
    phone: str = "13800138000",
    answers: tuple[str, str, str] = COMPLAINT_ANSWERS,
    district: str = "东关片区",
) -> None:
    """Fill the complaint form up to its confirmation screen (a non-staff-conduct category)."""
    await chat.send(button="intent:complaint")
    await chat.press(category)
    await chat.press(district)
    for answer in answers:
        await chat.say(answer)
    await chat.say(phone)
    assert "确认提交" in [b["label"] for b in chat.buttons], chat.text


async def add_resident(engine: AsyncEngine, user_key: str, now: datetime, channel: str = "web") -> int:
    from bot.db.models import Resident

    residents = Resident.__table__
    async with engine.begin() as conn:
        return int(
            await conn.scalar(
                residents.insert()
                .values(channel=channel, user_key=user_key, created_at=now, last_seen_at=now)
                .returning(residents.c.id)
            )
        )
