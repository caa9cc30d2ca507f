"""A county with two projects (城关: 东关 and 西街; 南河: 南河 and 北山), a ledger of invented households imported the
way staff import it, and residents bound to households — for the 阳光征收 tests (results pages, /stats progress)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.households.ledger import import_file
from bot.households.models import HouseholdBinding
from bot.households.template import sample_id
from knowledge.base import KnowledgeBase
from tests.households.ledger_files import HEADER, KEY, PARAMS, csv_bytes
from tests.support.cases import add_resident

PROJECTS = [
    {"id": "chengguan", "name": "示例县城关棚户区改造项目", "districts": ["dongguan", "xijie"]},
    {"id": "nanhe", "name": "示例县南河棚户区改造项目", "districts": ["nanhe", "beishan"]},
]
TWO_PROJECTS = {**PARAMS, "projects": PROJECTS}
DISTRICTS = ["dongguan", "xijie", "nanhe", "beishan"]
DISTRICT_NAMES = {d["id"]: d["name"] for d in PARAMS["districts"]}
NAMES = ["张建国", "李秀英", "王小明", "欧阳明月", "赵四", "钱多多", "孙悟空", "周杰", "吴桂兰", "郑成功", "冯宝宝"]
SIGNING_START = date(2026, 9, 1)  # knowledge/params.yaml programme.signing_start
TODAY = date(2026, 9, 15)  # tests/support/clock.py FakeClock's day (Beijing)
PREFIX = {"dongguan": "DG", "xijie": "XJ", "nanhe": "NH", "beishan": "BS"}


def two_project_kb(kb: KnowledgeBase) -> KnowledgeBase:
    return dataclasses.replace(kb, params=TWO_PROJECTS)


def household(i: int) -> dict[str, Any]:
    """Household `i`: its facts as the tests expect them (Python values), varied by i."""
    district = DISTRICTS[i % len(DISTRICTS)]
    signed = i % 3 != 0
    agreement = None
    if signed:
        agreement = date(2026, 8, 28) if i % 7 == 0 else SIGNING_START + timedelta(days=i % 15)
    selected = signed and i % 4 == 0
    handover = None
    if signed and i % 5 == 0:
        handover = date(2026, 10, 1) if i % 10 == 0 else date(2026, 9, 12)  # a planned day does not count yet
    return {
        "no": f"{PREFIX[district]}-{i:04d}",
        "district": district,
        "name": NAMES[i % len(NAMES)],
        "legal_area": Decimal(f"{60 + i % 50}.50"),
        "recognised_area": Decimal("8.00") if i % 6 == 0 else None,
        "option": ("货币补偿" if i % 2 else "产权调换") if signed or i % 9 == 0 else "",
        "assessed_value": Decimal(300000 + 1000 * i) if i % 8 != 7 else None,
        "decoration_value": Decimal(20000 + 10 * i) if i % 5 else None,
        "signed": signed,
        "agreement_date": agreement,
        "selection_date": date(2026, 9, 10) if selected else None,
        "handover_date": handover,
    }


def record(h: dict[str, Any], i: int) -> dict[str, str]:
    """Household `h` as a row of the ledger file."""
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "户号": h["no"],
            "片区": DISTRICT_NAMES[h["district"]],
            "地址": f"示例县测试路{i}号",
            "户主姓名": h["name"],
            "户主身份证号": sample_id("19600101", f"{i % 1000:03d}"),
            "合法建筑面积（㎡）": str(h["legal_area"]),
            "认定面积（㎡）": str(h["recognised_area"] or ""),
            "用途": "住宅",
            "评估价值（元）": str(h["assessed_value"] or ""),
            "评估报告编号": f"PG-{i:04d}" if h["assessed_value"] is not None else "",
            "装修评估（元）": str(h["decoration_value"] or ""),
            "补偿方式": h["option"],
            "协议状态": "已签约" if h["signed"] else "未签约",
            "签约日期": h["agreement_date"].isoformat() if h["agreement_date"] else "",
            "选房号": f"X-{i:03d}" if h["selection_date"] else "",
            "选房日期": h["selection_date"].isoformat() if h["selection_date"] else "",
            "交房日期": h["handover_date"].isoformat() if h["handover_date"] else "",
        }
    )
    return row


def ledger(n: int) -> list[dict[str, Any]]:
    return [household(i) for i in range(n)]


async def import_ledger(engine: AsyncEngine, found: list[dict[str, Any]], now: datetime) -> None:
    data = csv_bytes([record(h, i) for i, h in enumerate(found)])
    outcome = await import_file(
        engine,
        "台账.csv",
        data,
        params=TWO_PROJECTS,
        key=KEY,
        by="staff:admin",
        now=now,
        today=TODAY,
        max_bytes=20 * 1024 * 1024,
        apply=True,
    )
    assert outcome.result is not None, [p.line() for p in outcome.report.problems][:5]


async def bind(engine: AsyncEngine, session: str, household_no: str, now: datetime) -> int:
    """A web chat session's resident bound to the household `household_no` (as the binding flow leaves it)."""
    from sqlalchemy import select

    from bot.db.base import table_of
    from bot.db.models import Resident
    from bot.households.models import Household

    residents, households, bindings = table_of(Resident), table_of(Household), table_of(HouseholdBinding)
    async with engine.begin() as conn:
        resident = await conn.scalar(
            select(residents.c.id).where(residents.c.channel == "web", residents.c.user_key == session)
        )
        household_id = await conn.scalar(select(households.c.id).where(households.c.household_no == household_no))
        assert household_id is not None
    if resident is None:
        resident = await add_resident(engine, session, now)
    async with engine.begin() as conn:
        await conn.execute(
            bindings.insert().values(
                household_id=household_id, resident_id=resident, via="code", label="网页用户", bound_at=now
            )
        )
    return int(resident)


def in_project(found: list[dict[str, Any]], project: str) -> list[dict[str, Any]]:
    districts = next(p["districts"] for p in PROJECTS if p["id"] == project)
    return sorted((h for h in found if h["district"] in districts), key=lambda h: h["no"])


def masked(name: str) -> str:
    return name[0] + "*" * (len(name) - 1)
