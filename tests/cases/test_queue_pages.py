"""A queue read page after page by position (`after=`: where the export reads its pages) holds the same cases in the
same order as the queue read at once — with deadlines shared by several cases, priorities that differ within one
deadline, closed cases (no deadline) at the end, and a filter — on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.actors import StaffUser
from bot.cases.queries import CaseFilter, CaseListItem
from bot.cases.service import CaseService
from bot.cases.vocabulary import CaseType, Category, Status
from tests.cases.conftest import People
from tests.support.cases import cases, file_case
from tests.support.clock import FakeClock


@pytest.fixture
async def queue(engine: AsyncEngine, people: People, clock: FakeClock) -> None:
    """Seventeen cases: filed in three bursts, each at one moment (deadlines shared), of three priorities (help
    requests, urgent ones), four of them closed afterwards (no deadline left)."""
    filed = []
    for burst in range(3):
        for i in range(5):
            kind = CaseType.ASSISTANCE if i % 2 else CaseType.COMPLAINT  # a priority of 1, else 0
            category = Category.UTILITY_CUT if i == 4 else Category.COMPENSATION  # urgent: priority 2
            filed.append(await file_case(engine, clock(), category=category, type=kind, description=f"第{burst}批{i}"))
        clock.advance(hours=3)
    filed.append(await file_case(engine, clock(), description="最后一件"))
    filed.append(await file_case(engine, clock(), category=Category.OTHER, description="东关的一件"))
    async with engine.begin() as conn:
        await conn.execute(
            update(cases)
            .where(cases.c.id.in_([c.id for c in filed[1:13:3]]))
            .values(status=Status.CLOSED.value, next_due=None)
        )


async def _paged(service: CaseService, viewer: StaffUser, filters: CaseFilter, size: int) -> list[CaseListItem]:
    pages: list[list[CaseListItem]] = []
    while True:
        after = pages[-1][-1].position if pages else None
        pages.append(await service.list_cases(viewer, filters, limit=size, after=after))
        if len(pages[-1]) < size:
            return [item for p in pages for item in p]


@pytest.mark.usefixtures("queue")
@pytest.mark.parametrize("size", [1, 2, 4, 7])
async def test_pages_by_position_hold_the_queue_in_its_order(service: CaseService, people: People, size: int) -> None:
    everything = CaseFilter(statuses=(*(s.value for s in Status),))
    whole = await service.list_cases(people.supervisor, everything, limit=200)
    assert len(whole) == 17
    # what makes the order hard: ties of deadline broken by priority then id, and closed cases last
    dues = [item.next_due for item in whole]
    assert dues[-4:] == [None] * 4 and None not in dues[:-4]
    assert len({(item.next_due, item.priority) for item in whole[:-4]}) < len(whole) - 4
    assert len({item.priority for item in whole}) > 1
    assert [i.number for i in await _paged(service, people.supervisor, everything, size)] == [i.number for i in whole]

    some = CaseFilter(category=Category.COMPENSATION, open_only=True)  # open cases of one category
    found = await service.list_cases(people.comp1, some, limit=200)
    assert 0 < len(found) < 13
    assert [i.number for i in await _paged(service, people.comp1, some, size)] == [i.number for i in found]
