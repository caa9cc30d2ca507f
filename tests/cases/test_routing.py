"""Routing: category × district rules from routing.yaml, the dispatcher queue for the rest, urgency, and the
discipline wall — staff-conduct complaints go to 纪检监察 and never reach the department they name."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.errors import Forbidden, InvalidInput, NotFound, TransitionNotAllowed
from bot.cases.models import RoutingRule
from bot.cases.queries import CaseCount, CaseFilter
from bot.cases.routing import RoutingError, read_routing_file
from bot.cases.service import CaseService
from bot.cases.vocabulary import CaseType, Category
from tests.cases.conftest import People
from tests.support.cases import case_row, file_case
from tests.support.clock import FakeClock


@pytest.mark.parametrize(
    ("category", "district", "department", "status", "urgent"),
    [
        (Category.COMPENSATION, "beishan", "comp_office", "dispatched", False),
        (Category.PAYMENT_DELAY, "unknown", "comp_office", "dispatched", False),
        (Category.RESETTLEMENT, "xijie", "housing", "dispatched", False),
        (Category.UTILITY_CUT, "nanhe", "inspection", "dispatched", True),
        (Category.SITE_SAFETY, "dongguan", "safety", "dispatched", True),
        (Category.OTHER, "dongguan", "wg_dongguan", "dispatched", False),
        (Category.OTHER, "unknown", "dispatch", "new", False),
        (Category.INQUIRY, "unknown", "dispatch", "new", False),
    ],
)
async def test_rules_and_the_dispatcher_queue(
    engine: AsyncEngine,
    depts: dict[str, int],
    clock: FakeClock,
    category: str,
    district: str,
    department: str,
    status: str,
    urgent: bool,
) -> None:
    created = await file_case(engine, clock(), category=category, district=district)
    row = await case_row(engine, created.number)
    assert (row["department_id"], row["status"], row["urgent"]) == (depts[department], status, urgent)


async def test_assistance_goes_to_the_district_work_group(
    engine: AsyncEngine, depts: dict[str, int], clock: FakeClock
) -> None:
    created = await file_case(engine, clock(), category=Category.ASSISTANCE, type=CaseType.ASSISTANCE, district="nanhe")
    row = await case_row(engine, created.number)
    assert row["department_id"] == depts["wg_nanhe"] and row["priority"] == 1


async def test_staff_conduct_always_goes_to_discipline(
    engine: AsyncEngine, depts: dict[str, int], clock: FakeClock
) -> None:
    # even a rule pointing staff-conduct complaints elsewhere cannot divert them
    async with engine.begin() as conn:
        await conn.execute(
            RoutingRule.__table__.insert().values(
                category=Category.STAFF_CONDUCT, district="*", department_id=depts["wg_dongguan"], updated_at=clock()
            )
        )
    created = await file_case(engine, clock(), category=Category.STAFF_CONDUCT, named_unit="wg_dongguan")
    row = await case_row(engine, created.number)
    assert row["department_id"] == depts["discipline"] and row["named_department_id"] == depts["wg_dongguan"]


async def test_the_named_department_never_sees_the_complaint(
    engine: AsyncEngine, service: CaseService, people: People, depts: dict[str, int], clock: FakeClock
) -> None:
    created = await file_case(
        engine, clock(), category=Category.STAFF_CONDUCT, named_unit="wg_dongguan", description="王某上门时拍桌子"
    )
    number = created.number
    for viewer in (people.dongguan, people.dispatcher, people.comp1):
        assert await service.list_cases(viewer, CaseFilter(search=number)) == []
        assert await service.list_cases(viewer, CaseFilter(search="拍桌子")) == []
        assert await service.count_cases(viewer) == CaseCount(0)
        with pytest.raises(NotFound):
            await service.get_case(viewer, number)
        with pytest.raises(NotFound):
            await service.claim(viewer, number)
    assert [c.number for c in await service.list_cases(people.discipline)] == [number]
    assert [c.number for c in await service.list_cases(people.supervisor)] == [number]
    detail = await service.claim(people.discipline, number)
    assert detail.named_department_name == "东关片区征收工作组"
    # it can be handed neither to the accused nor to anyone outside discipline inspection
    for department in ("wg_dongguan", "comp_office"):
        with pytest.raises(TransitionNotAllowed):
            await service.transfer(people.supervisor, number, depts[department])
    with pytest.raises(TransitionNotAllowed, match="不能退单"):
        await service.return_case(people.discipline, number, "不归我们管")
    ordinary = await file_case(engine, clock())
    with pytest.raises(TransitionNotAllowed):
        await service.merge(people.supervisor, number, ordinary.number)
    with pytest.raises(TransitionNotAllowed):
        await service.transfer(people.supervisor, ordinary.number, depts["discipline"])


async def test_admins_edit_rules(
    engine: AsyncEngine, service: CaseService, people: People, depts: dict[str, int], clock: FakeClock
) -> None:
    await service.set_routing_rule(people.admin, Category.OTHER, "nanhe", depts["comp_office"])
    created = await file_case(engine, clock(), category=Category.OTHER, district="nanhe")
    assert (await case_row(engine, created.number))["department_id"] == depts["comp_office"]
    rules = await service.routing_rules(people.admin)
    assert any(r.category == "other" and r.district == "nanhe" and r.department_code == "comp_office" for r in rules)
    rule = next(r for r in rules if r.category == "other" and r.district == "nanhe")
    assert await service.delete_routing_rule(people.admin, rule.id)
    with pytest.raises(InvalidInput):
        await service.set_routing_rule(people.admin, Category.STAFF_CONDUCT, "*", depts["comp_office"])
    with pytest.raises(Forbidden):
        await service.set_routing_rule(people.supervisor, Category.OTHER, "nanhe", depts["comp_office"])


def test_a_broken_routing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("departments:\n  - {code: a, name: A, kind: office}\nrules: []\n", encoding="utf-8")
    with pytest.raises(RoutingError, match="dispatch"):
        read_routing_file(path)
    base = "departments:\n  - {code: d, name: D, kind: dispatch}\n  - {code: j, name: J, kind: discipline}\n"
    path.write_text(base + "rules:\n  - {category: nonsense, district: '*', department: d}\n", encoding="utf-8")
    with pytest.raises(RoutingError, match="category"):
        read_routing_file(path)
    path.write_text(base + "rules:\n  - {category: other, district: '*', department: nowhere}\n", encoding="utf-8")
    with pytest.raises(RoutingError):
        read_routing_file(path)
    path.write_text(": not yaml [", encoding="utf-8")
    with pytest.raises(RoutingError):
        read_routing_file(path)
