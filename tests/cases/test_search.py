"""Search finds the same cases on both databases, whatever the term's length: on PostgreSQL two-character terms go
through the bigram index and longer ones through pg_trgm (migration 0003), on SQLite through LIKE — the answer must
be that of a plain case-insensitive substring test on description, address, wish and number."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases import queries
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.intake import NewCase, create_case
from bot.cases.queries import CaseCount, CaseFilter
from bot.cases.service import CaseService
from bot.cases.vocabulary import CaseType, Category
from tests.cases.conftest import People
from tests.support.clock import FakeClock

# (description, address, wish)
TEXTS = (
    ("评估报告漏算了阁楼面积", "东关街18号", "复核评估"),
    ("补偿款延迟了两个月", "西街社区5号2单元", "尽快支付补偿款"),
    ("Water CUT since Monday 停水", "南河路66号附近", "恢复供水"),
    ("折扣 100%_ 不对", "北山村12号", ""),
    ("邻居家也是同样情况。", "东关南巷3号", "请上门看看"),
)
TERMS = (
    "漏算",
    "补偿",
    "停水",
    "东关",
    "18",
    "号2",
    "water",
    "WATER",
    "cut",
    "wa",
    "%_",
    "0%",
    "_ ",
    "同样",
    "情况。",
    "aj",
    "AJ-",
    "-2",
    "了东",
    "算了东关",
    "看看",
    "评估",
    "关南巷",
    "上门看看",
    "不存在",
    "无",
    "号",
    "邻",
    "x",
)


async def _file(engine: AsyncEngine, now: datetime, description: str, address: str, wish: str) -> tuple[int, str]:
    spec = NewCase(
        type=CaseType.COMPLAINT,
        category=Category.COMPENSATION,
        district="dongguan",
        channel="web",
        address=address,
        description=description,
        wish=wish,
        phone="13800138000",
    )
    async with engine.begin() as conn:
        created = await create_case(conn, spec, now, DeadlinePolicy())
    return created.id, created.number


def _expected(cases: dict[str, tuple[str, ...]], term: str) -> set[str]:
    wanted = " ".join(term.split()).lower()
    return {number for number, fields in cases.items() if any(wanted in f.lower() for f in fields)}


@pytest.mark.parametrize("term", TERMS)
async def test_search_is_a_case_insensitive_substring_test(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock, term: str
) -> None:
    cases = {}
    for description, address, wish in TEXTS:
        _, number = await _file(engine, clock(), description, address, wish)
        cases[number] = (description, address, wish, number)
    found = {c.number for c in await service.list_cases(people.supervisor, CaseFilter(search=term))}
    assert found == _expected(cases, term)
    assert await service.count_cases(people.supervisor, CaseFilter(search=term)) == CaseCount(len(found))


async def test_a_two_character_term_never_spans_two_columns(
    engine: AsyncEngine, service: CaseService, people: People, clock: FakeClock
) -> None:
    await _file(engine, clock(), "停水", "东关街1号", "修")
    for term in ("水东", "号修", "水 东"):
        assert await service.list_cases(people.supervisor, CaseFilter(search=term)) == []
    assert len(await service.list_cases(people.supervisor, CaseFilter(search="水"))) == 1


@pytest.mark.postgres
async def test_dashboard_queries_are_planned_per_call_without_jit_or_parallel_workers(engine: AsyncEngine) -> None:
    """bench.cases_postgres: a cached generic plan, JIT or parallel workers each cost a search more than the whole
    query should take. The settings hold for the query's transaction only."""
    settings = ("plan_cache_mode", "jit", "max_parallel_workers_per_gather")
    async with engine.connect() as conn:
        before = [await conn.scalar(text(f"SHOW {name}")) for name in settings]
        await queries._plan_per_call(conn)
        assert [await conn.scalar(text(f"SHOW {name}")) for name in settings] == ["force_custom_plan", "off", "0"]
        await conn.rollback()
        assert [await conn.scalar(text(f"SHOW {name}")) for name in settings] == before
