"""The pager's count (CaseService.count_cases): exact up to the cap, "more than the cap" above it — on both databases,
within the viewer's scope, with filters and with searches of two characters (the bigram index on PostgreSQL) and of
more (pg_trgm)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.queries import CaseCount, CaseFilter
from bot.cases.service import CaseService
from bot.cases.vocabulary import Category
from tests.cases.conftest import People
from tests.support.cases import file_case
from tests.support.clock import FakeClock


@pytest.fixture
async def nine(engine: AsyncEngine, people: People, clock: FakeClock) -> None:
    """Six cases for 补偿办 about a late payment, three for 东关片区工作组; all mention 补偿款."""
    for i in range(6):
        await file_case(engine, clock(), description=f"补偿款延迟发放，第{i}件")
    for i in range(3):
        await file_case(engine, clock(), category=Category.OTHER, description=f"补偿款标准看不懂，第{i}件")


@pytest.mark.usefixtures("nine")
async def test_counts_exactly_up_to_the_cap_and_says_more_above_it(service: CaseService, people: People) -> None:
    everyone = people.supervisor
    assert await service.count_cases(everyone, cap=None) == CaseCount(9, exact=True)
    assert await service.count_cases(everyone) == CaseCount(9, exact=True)  # the default cap, COUNT_CAP
    assert await service.count_cases(everyone, cap=9) == CaseCount(9, exact=True)
    assert await service.count_cases(everyone, cap=8) == CaseCount(8, exact=False)
    assert await service.count_cases(everyone, cap=1) == CaseCount(1, exact=False)
    assert await service.count_cases(everyone, cap=0) == CaseCount(0, exact=False)
    # the viewer's scope and the filters bound what is counted, capped or not
    assert await service.count_cases(people.comp1, cap=6) == CaseCount(6, exact=True)
    assert await service.count_cases(people.comp1, cap=5) == CaseCount(5, exact=False)
    assert await service.count_cases(people.dongguan, cap=2) == CaseCount(2, exact=False)
    assert await service.count_cases(people.dongguan, cap=3) == CaseCount(3, exact=True)
    other = CaseFilter(category=Category.OTHER)
    assert await service.count_cases(everyone, other, cap=3) == CaseCount(3, exact=True)
    assert await service.count_cases(everyone, other, cap=2) == CaseCount(2, exact=False)
    assert await service.count_cases(everyone, CaseFilter(statuses=("closed",)), cap=0) == CaseCount(0, exact=True)


@pytest.mark.usefixtures("nine")
@pytest.mark.parametrize(("term", "matches"), [("延迟", 6), ("补偿", 9), ("补偿款", 9), ("看不懂", 3), ("拆迁", 0)])
async def test_a_search_is_counted_up_to_the_cap(service: CaseService, people: People, term: str, matches: int) -> None:
    search = CaseFilter(search=term)
    found = await service.list_cases(people.supervisor, search)
    assert len(found) == matches
    assert await service.count_cases(people.supervisor, search, cap=matches) == CaseCount(matches, exact=True)
    assert await service.count_cases(people.supervisor, search, cap=None) == CaseCount(matches, exact=True)
    if matches:
        assert await service.count_cases(people.supervisor, search, cap=matches - 1) == CaseCount(matches - 1, False)
    mine = len([c for c in found if c.department_name == "县房屋征收补偿办公室"])
    assert await service.count_cases(people.comp1, search, cap=6) == CaseCount(mine, exact=True)
