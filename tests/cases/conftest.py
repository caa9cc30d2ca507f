"""Case-side fixtures: routing from the real routing.yaml, the service, and one staff account per kind of desk."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.actors import StaffUser
from bot.cases.service import CaseService
from knowledge.base import KnowledgeBase
from tests.support.cases import add_user, load_test_routing
from tests.support.clock import FakeClock


@dataclass(frozen=True)
class People:
    admin: StaffUser
    supervisor: StaffUser
    dispatcher: StaffUser
    comp1: StaffUser  # 补偿办
    comp2: StaffUser
    dongguan: StaffUser  # 东关片区工作组
    discipline: StaffUser  # 纪检监察


@pytest.fixture
async def depts(engine: AsyncEngine, clock: FakeClock) -> dict[str, int]:
    return await load_test_routing(engine, clock())


@pytest.fixture
def service(engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock) -> CaseService:
    return CaseService(engine, kb.params, clock)


@pytest.fixture
async def people(engine: AsyncEngine, depts: dict[str, int], clock: FakeClock) -> People:
    now = clock()
    return People(
        admin=await add_user(engine, "admin", "admin", None, now),
        supervisor=await add_user(engine, "dudao", "supervisor", None, now, telegram_user_id=9001),
        dispatcher=await add_user(engine, "paidan", "dispatcher", "dispatch", now),
        comp1=await add_user(engine, "comp1", "department_staff", "comp_office", now, telegram_user_id=9002),
        comp2=await add_user(engine, "comp2", "department_staff", "comp_office", now),
        dongguan=await add_user(engine, "dongguan", "department_staff", "wg_dongguan", now),
        discipline=await add_user(engine, "jijian", "department_staff", "discipline", now),
    )
