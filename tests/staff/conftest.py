"""Staff dashboard fixtures: the app (tests/conftest.py `client`, on SQLite and PostgreSQL), routing from the real
routing.yaml, one account per kind of desk, residents whose web chat receives the outbox, and staff agents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.cases.intake import CreatedCase
from bot.cases.staff import find_account
from bot.staff.session import COOKIE
from bot.staff.state import STAFF
from knowledge.base import KnowledgeBase
from tests.cases.conftest import People
from tests.staff.agent import StaffAgent
from tests.support.cases import add_resident, add_user, file_case, load_test_routing
from tests.support.clock import FakeClock

Agents = Callable[[], Awaitable[StaffAgent]]


@pytest.fixture
def app_engine(client) -> AsyncEngine:  # noqa: ANN001
    return client.app[keys.ENGINE]


@pytest.fixture
async def depts(app_engine: AsyncEngine, clock: FakeClock) -> dict[str, int]:
    return await load_test_routing(app_engine, clock())


@pytest.fixture
async def people(app_engine: AsyncEngine, depts: dict[str, int], clock: FakeClock) -> People:
    now = clock()
    return People(
        admin=await add_user(app_engine, "admin", "admin", None, now),
        supervisor=await add_user(app_engine, "dudao", "supervisor", None, now),
        dispatcher=await add_user(app_engine, "paidan", "dispatcher", "dispatch", now),
        comp1=await add_user(app_engine, "comp1", "department_staff", "comp_office", now),
        comp2=await add_user(app_engine, "comp2", "department_staff", "comp_office", now),
        dongguan=await add_user(app_engine, "dongguan", "department_staff", "wg_dongguan", now),
        discipline=await add_user(app_engine, "jijian", "department_staff", "discipline", now),
    )


@pytest.fixture
async def agents(client) -> AsyncIterator[Agents]:  # noqa: ANN001
    made: list[StaffAgent] = []

    async def make() -> StaffAgent:
        made.append(StaffAgent(client))
        return made[-1]

    yield make
    for agent in made:
        await agent.close()


@pytest.fixture
async def login(
    client,
    agents: Agents,
    people: People,
    app_engine: AsyncEngine,  # noqa: ANN001
) -> Callable[[str], Awaitable[StaffAgent]]:
    """An agent logged in as `username`. The session is issued directly, as the login form would issue it: argon2
    takes most of a second per login on a small machine (tests/staff/test_login.py goes through the form)."""

    async def as_user(username: str) -> StaffAgent:
        agent = await agents()
        async with app_engine.connect() as conn:
            account = await find_account(conn, username)
        assert account is not None
        cookies = client.app[STAFF].cookies
        value = cookies.dumps(cookies.for_staff(account.user.id, account.password_hash))
        agent.session.cookie_jar.update_cookies({COOKIE: value}, client.server.make_url("/staff"))
        await agent.page("/staff")
        return agent

    return as_user


@pytest.fixture
def file(
    app_engine: AsyncEngine, clock: FakeClock, kb: KnowledgeBase, people: People
) -> Callable[..., Awaitable[CreatedCase]]:
    """File a case the way the forms do (routing applies); `session=` gives it a web-chat resident."""

    async def filing(session: str | None = None, **kwargs: Any) -> CreatedCase:
        if session is not None:
            kwargs["resident_id"] = await add_resident(app_engine, session, clock())
        return await file_case(app_engine, clock(), kb.params, **kwargs)

    return filing
