"""On PostgreSQL, 20 staff claiming from one queue of 1,000 cases at the same time never get the same case
(`FOR UPDATE SKIP LOCKED`), and every case is claimed exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.events import EventKind
from bot.cases.models import Case, CaseEvent
from bot.cases.numbers import format_case_number
from bot.cases.service import CaseService
from tests.support.cases import add_user
from tests.support.clock import FakeClock

cases = Case.__table__
events = CaseEvent.__table__
CASES, CLAIMERS = 1000, 20


@pytest.mark.postgres
async def test_twenty_claimers_never_claim_a_case_twice(
    engine: AsyncEngine, service: CaseService, depts: dict[str, int], clock: FakeClock
) -> None:
    now = clock()
    rows = [
        {
            "number": format_case_number(2026, i),
            "type": "complaint",
            "category": "compensation",
            "district": "dongguan",
            "address": "",
            "description": f"第{i}件",
            "wish": "",
            "anonymous": False,
            "details": {},
            "channel": "web",
            "status": "dispatched",
            "urgent": False,
            "priority": 0,
            "department_id": depts["comp_office"],
            "extended_days": 0,
            "next_due": now,
            "created_at": now,
            "updated_at": now,
            "dispatched_at": now,
            "reopened_count": 0,
            "sign_for_due": now,
            "notify_due": now,
            "finish_due": now,
        }
        for i in range(1, CASES + 1)
    ]
    async with engine.begin() as conn:
        await conn.execute(cases.insert(), rows)
    claimers = [await add_user(engine, f"claimer{i}", "department_staff", "comp_office", now) for i in range(CLAIMERS)]

    async def claim_all(user) -> list[int]:  # noqa: ANN001
        mine = []
        while (detail := await service.claim_next(user)) is not None:
            assert detail.assignee_id == user.id
            mine.append(detail.id)
        return mine

    claimed = await asyncio.gather(*(claim_all(u) for u in claimers))
    everything = [case_id for mine in claimed for case_id in mine]
    assert len(everything) == CASES and len(set(everything)) == CASES
    assert sum(1 for mine in claimed if mine) > 1  # the work was actually shared
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(cases).where(cases.c.status == "accepted")) == CASES
        per_case = Counter(
            (await conn.execute(select(events.c.case_id).where(events.c.kind == EventKind.CLAIMED))).scalars()
        )
    assert set(per_case.values()) == {1} and len(per_case) == CASES
    owner = {case_id: u.id for u, mine in zip(claimers, claimed, strict=True) for case_id in mine}
    async with engine.connect() as conn:
        stored = dict((await conn.execute(select(cases.c.id, cases.c.assignee_id))).all())
    assert stored == owner
