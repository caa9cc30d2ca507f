"""Households for the tests: a ledger imported the way staff import it (bot/households/ledger.py), and residents
bound to its households the way the binding flow leaves them (one household_bindings row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.db.models import Resident
from bot.households.ledger import import_file
from bot.households.models import Household, HouseholdBinding
from bot.households.template import sample_id
from tests.households.ledger_files import HEADER, KEY, PARAMS, csv_bytes
from tests.support.cases import add_resident

# two households of two districts, figures chosen so that every amount an answer shows differs between them
DONGGUAN = {
    "户号": "DG-0101",
    "片区": "东关片区",
    "地址": "示例县东关街101号",
    "户主姓名": "示例丁",
    "户主身份证号": sample_id("19580312", "011"),
    "合法建筑面积（㎡）": "80.00",
    "用途": "住宅",
    "评估价值（元）": "416000",
    "评估报告编号": "PG-DG-0101",
    "装修评估（元）": "24000",
    "补偿方式": "产权调换",
    "协议状态": "已签约",
    "签约日期": "2026-09-02",
    "选房号": "A-007",
    "选房日期": "2026-09-12",
    "交房日期": "2026-09-05",
    "已付补偿款（元）": "",
    "已付过渡费（按月）": "2026-09:960；2026-10:960",
}
XIJIE = {
    "户号": "XJ-0202",
    "片区": "西街片区",
    "地址": "示例县西街202号",
    "户主姓名": "示例戊",
    "户主身份证号": sample_id("19650708", "022"),
    "合法建筑面积（㎡）": "40.00",
    "用途": "住宅",
    "评估价值（元）": "196000",
    "评估报告编号": "PG-XJ-0202",
    "补偿方式": "货币补偿",
    "协议状态": "已签约",
    "签约日期": "2026-09-03",
    "交房日期": "2026-09-20",
    "已付补偿款（元）": "250340",
    "已付过渡费（按月）": "2026-09:3240",
}


def record(**values: str) -> dict[str, str]:
    return {**dict.fromkeys(HEADER, ""), **values}


async def import_ledger(
    engine: AsyncEngine, records: list[dict[str, str]], now: datetime, by: str = "staff:admin", name: str = "台账.csv"
) -> int:
    """Import `records` (as {header: text}); the import's id. Fails the test if the file is refused."""
    outcome = await import_file(
        engine,
        name,
        csv_bytes(records),
        params=PARAMS,
        key=KEY,
        by=by,
        now=now,
        today=now.date(),
        max_bytes=1 << 20,
        apply=True,
    )
    assert outcome.result is not None, [p.message for p in outcome.report.problems]
    return outcome.result.import_id


async def household_id(engine: AsyncEngine, household_no: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(table_of(Household).c.id).where(table_of(Household).c.household_no == household_no)
        )
    assert found is not None
    return int(found)


async def bind(
    engine: AsyncEngine, user_key: str, household_no: str, now: datetime, channel: str = "web", via: str = "code"
) -> int:
    """Bind the resident (`channel`, `user_key`) — created if new — to the household; the resident's id."""
    residents = table_of(Resident)
    async with engine.connect() as conn:
        resident = await conn.scalar(
            select(residents.c.id).where(residents.c.channel == channel, residents.c.user_key == user_key)
        )
    resident_id = int(resident) if resident is not None else await add_resident(engine, user_key, now, channel)
    target = await household_id(engine, household_no)
    async with engine.begin() as conn:
        await conn.execute(
            table_of(HouseholdBinding)
            .insert()
            .values(
                household_id=target, resident_id=resident_id, via=via, label=f"网页用户 …{user_key[-4:]}", bound_at=now
            )
        )
    return resident_id
