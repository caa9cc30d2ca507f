"""Households of the sample county imported the way staff import them, and residents bound to them directly (the
binding flow is tested on its own): what notices to a district need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.workdays import local_day
from bot.db.models import Resident
from bot.households.ledger import import_file
from bot.households.models import Household, HouseholdBinding
from tests.households.ledger_files import KEY, PARAMS, csv_bytes, many

residents = Resident.__table__
households = Household.__table__
bindings = HouseholdBinding.__table__


async def import_households(engine: AsyncEngine, now: datetime, n: int = 8) -> dict[str, str]:
    """`n` households T-000000 … (districts in turn: 东关, 西街, 南河, 北山); 户号 → district id."""
    outcome = await import_file(
        engine,
        "台账.csv",
        csv_bytes(many(n)),
        params=PARAMS,
        key=KEY,
        by="test",
        now=now,
        today=local_day(now),
        max_bytes=10 * 1024 * 1024,
        apply=True,
    )
    assert outcome.result is not None, [p.line() for p in outcome.report.problems]
    async with engine.connect() as conn:
        return {r.household_no: r.district for r in await conn.execute(select(households))}


async def resident_id(engine: AsyncEngine, channel: str, user_key: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(residents.c.id).where(residents.c.channel == channel, residents.c.user_key == user_key)
        )
    assert found is not None, (channel, user_key)
    return int(found)


async def bind(engine: AsyncEngine, resident: int, household_no: str, label: str, now: datetime) -> None:
    async with engine.begin() as conn:
        household = await conn.scalar(select(households.c.id).where(households.c.household_no == household_no))
        await conn.execute(
            bindings.insert().values(
                household_id=household, resident_id=resident, via="code", label=label, bound_at=now
            )
        )
