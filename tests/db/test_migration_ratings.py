"""Migration 0008 (case_ratings) recovers from the append-only history the ratings that reopening used to erase."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import CaseRating
from bot.cases.service import CaseService
from bot.db.migrate import alembic_config, upgrade
from knowledge.base import KnowledgeBase
from tests.support.cases import add_resident, add_user, file_case, load_test_routing, rate_as_resident
from tests.support.clock import FakeClock

ratings = CaseRating.__table__


def _before_0008(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0008").down_revision)


async def test_ratings_erased_by_a_reopening_come_back_from_the_history(
    engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock
) -> None:
    await load_test_routing(engine, clock())
    staff = await add_user(engine, "comp1", "department_staff", "comp_office", clock())
    service = CaseService(engine, kb.params, clock)
    resident = await add_resident(engine, "m1", clock())
    case = await file_case(engine, clock(), kb.params, resident_id=resident)
    await service.claim(staff, case.id)
    await service.resolve(staff, case.id, "已核实。")
    assert (await rate_as_resident(engine, case.number, "1", clock(), kb.params)).outcome == "reopened"
    clock.advance(days=1)
    await service.resolve(staff, case.id, "已补记面积。")
    assert (await rate_as_resident(engine, case.number, "2", clock(), kb.params)).outcome == "rated"
    async with engine.begin() as conn:  # the state of a database before 0008: nothing but the history
        await conn.execute(delete(ratings))
    async with engine.connect() as conn:
        await conn.run_sync(_before_0008)
        await conn.commit()

    await upgrade(engine)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ratings.c.case_id, ratings.c.round, ratings.c.rating, ratings.c.department_id).order_by(
                    ratings.c.round
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [(case.id, 0, 1, staff.department_id), (case.id, 1, 2, staff.department_id)]
