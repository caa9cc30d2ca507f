"""Households for the binding tests: the template's three sample households imported into the app's database, and
codes issued for them the way the dashboard issues them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.households.codes import IssuedCode, issue_codes
from bot.households.ledger import import_file
from bot.households.models import HouseholdBinding
from tests.households.ledger_files import KEY, PARAMS, csv_bytes, rows

# the sample rows (bot/households/template.py): 户号, 户主, last 6 digits of the 户主's ID number, address
DG = ("DG-0001", "示例甲", "120016", "示例县东关街1号")
XJ = ("XJ-0002", "示例乙", "080026", "示例县西街社区2栋3号")


async def import_sample(engine: AsyncEngine, now: datetime) -> None:
    outcome = await import_file(
        engine,
        "台账.csv",
        csv_bytes(rows()),
        params=PARAMS,
        key=KEY,
        by="test",
        now=now,
        today=now.date(),
        max_bytes=1024 * 1024,
        apply=True,
    )
    assert outcome.result is not None and outcome.result.created == 3, outcome.report.problems


async def issue(engine: AsyncEngine, now: datetime, district: str = "dongguan", days: int = 90) -> IssuedCode:
    async with engine.begin() as conn:
        issued = await issue_codes(conn, KEY.encode(), district, now=now, days=days, by="test")
    assert len(issued) == 1
    return issued[0]


async def binding_rows(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(select(table_of(HouseholdBinding)))).mappings()]


async def count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table_of(table)))).scalar_one()
