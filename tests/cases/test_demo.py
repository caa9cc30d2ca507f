"""`python -m bot demo` (bot/cases/demo.py): every urgent case the demo routes has a desk with an account."""

from __future__ import annotations

from unittest.mock import patch

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.demo import SAMPLES, seed_demo
from bot.cases.models import Case, StaffUser
from bot.cases.routing import route
from bot.cases.service import CaseService
from bot.cases.staff import find_account
from bot.cases.vocabulary import URGENT_CATEGORIES, Category, Role
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.base import KnowledgeBase
from tests.support.cases import password_hash
from tests.support.clock import FakeClock

cases = Case.__table__
staff_users = StaffUser.__table__


async def test_urgent_cases_go_to_a_desk_with_a_demo_account(
    engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock
) -> None:
    """Issue 9 point 15: the demo's 断水断电 case went to 县征收指挥部督查组, which had no account (failed before)."""
    with patch("bot.cases.staff.hash_password", lambda password: password_hash()):
        await seed_demo(engine, kb.params, DEFAULT_KNOWLEDGE_DIR, clock(), "demo password 1")
    districts = [d["id"] for d in kb.params["districts"]] + ["unknown"]
    async with engine.connect() as conn:
        staffed = set(
            (
                await conn.execute(
                    select(staff_users.c.department_id).where(staff_users.c.role == Role.DEPARTMENT_STAFF)
                )
            ).scalars()
        )
        for category in URGENT_CATEGORIES:
            for district in districts:
                where = await route(conn, category, district)
                assert where.dispatched and where.department_id in staffed, (category, district)
        account = await find_account(conn, "ducha")
        sample = next(s for s in SAMPLES if s[2] == Category.UTILITY_CUT)
        number = await conn.scalar(select(cases.c.number).where(cases.c.intake_key == f"demo:{sample[0]}"))
    assert account is not None
    detail = await CaseService(engine, kb.params, clock).claim(account.user, number)  # the demo's urgent case
    assert detail.assignee_id == account.user.id and detail.urgent
