"""Logging in and out of /staff: argon2 passwords, one generic message for every refusal, lock-out after five
wrong passwords for fifteen minutes, the session cookie's attributes, and where a login may lead."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from yarl import URL

from bot.cases.models import StaffUser as StaffUserRow
from bot.staff import login as login_module
from bot.staff.login import LOCK_FOR, LOGIN_FAILED, MAX_FAILURES
from bot.staff.session import COOKIE
from tests.cases.conftest import People
from tests.staff.agent import StaffAgent
from tests.staff.conftest import Agents
from tests.support.cases import PASSWORD
from tests.support.clock import FakeClock

staff_users = StaffUserRow.__table__


async def account(engine: AsyncEngine, username: str) -> dict:
    async with engine.connect() as conn:
        row = (await conn.execute(select(staff_users).where(staff_users.c.username == username))).one()
        return dict(row._mapping)


async def test_login_shows_the_queue_and_logout_ends_the_session(
    agents: Agents, people: People, app_engine: AsyncEngine, clock: FakeClock
) -> None:
    agent = await agents()
    response = await agent.get("/staff")
    assert response.status == 303 and response.headers["Location"] == "/staff/login"
    login_page = await agent.page("/staff/login")
    assert "工作人员登录" in login_page and 'name="csrf"' in login_page
    response = await agent.login("Comp1")  # usernames are not case-sensitive
    assert response.status == 303 and response.headers["Location"] == "/staff"
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/staff" in set_cookie
    assert "Secure" not in set_cookie  # ANJU_COOKIE_SECURE is off in tests
    queue = await agent.page("/staff")
    assert "comp1" in queue and "承办人员" in queue and "县房屋征收补偿办公室" in queue
    assert (await account(app_engine, "comp1"))["last_login_at"] == clock()

    response = await agent.post("/staff/logout")
    assert response.status == 303 and response.headers["Location"] == "/staff/login?bye=1"
    assert agent.cookie() is None
    assert "您已退出登录" in await agent.page("/staff/login?bye=1")
    response = await agent.get("/staff")
    assert response.status == 303 and response.headers["Location"] == "/staff/login"


async def test_every_refusal_says_the_same(agents: Agents, people: People) -> None:
    agent = await agents()
    for username, password in (
        ("comp1", "wrong password"),
        ("nobody", "correct horse battery"),
        ("x", "whatever"),
        ("comp1", ""),
        ("comp1", "p" * 300),
    ):
        response = await agent.login(username, password)
        assert response.status == 401, (username, response.status)
        text = await response.text()
        assert LOGIN_FAILED in text
    assert agent.cookie() is not None and "comp1" not in (await agent.page("/staff/login"))


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    agents: Agents, people: People, app_engine: AsyncEngine, clock: FakeClock
) -> None:
    agent = await agents()
    for attempt in range(1, MAX_FAILURES):
        assert (await agent.login("comp1", f"wrong {attempt}")).status == 401
        assert (await account(app_engine, "comp1"))["failed_logins"] == attempt
    assert (await agent.login("comp1", "wrong again")).status == 401
    row = await account(app_engine, "comp1")
    assert row["locked_until"] == clock() + LOCK_FOR and row["failed_logins"] == 0

    refused = await agent.login("comp1")  # the right password, while locked
    assert refused.status == 401 and LOGIN_FAILED in await refused.text()
    assert (await agent.login("comp2")).status == 303  # other accounts are not affected

    clock.advance(minutes=14, seconds=59)
    assert (await (await agents()).login("comp1")).status == 401
    clock.advance(seconds=2)
    assert (await (await agents()).login("comp1")).status == 303
    row = await account(app_engine, "comp1")
    assert row["locked_until"] is None and row["failed_logins"] == 0


async def test_a_right_password_resets_the_count(agents: Agents, people: People, app_engine: AsyncEngine) -> None:
    agent = await agents()
    for _ in range(MAX_FAILURES - 1):
        await agent.login("comp1", "wrong")
    assert (await agent.login("comp1")).status == 303
    assert (await account(app_engine, "comp1"))["failed_logins"] == 0
    for _ in range(MAX_FAILURES - 1):
        assert (await (await agents()).login("comp1", "wrong")).status == 401
    assert (await (await agents()).login("comp1")).status == 303


async def test_login_without_its_csrf_token_is_refused(agents: Agents, people: People) -> None:
    agent = await agents()
    await agent.page("/staff/login")
    for form in (
        {"username": "comp1", "password": "correct horse battery"},
        {"username": "comp1", "password": "correct horse battery", "csrf": "forged"},
    ):
        response = await agent.post("/staff/login", form, csrf=False)
        assert response.status == 403
    stranger = await agents()  # no cookie at all
    response = await stranger.post(
        "/staff/login", {"username": "comp1", "password": "correct horse battery", "csrf": agent.csrf}, csrf=False
    )
    assert response.status == 403
    assert (await agent.get("/staff")).status == 303  # still not logged in


async def test_a_deactivated_account_or_a_new_password_ends_sessions(
    login: Callable[[str], Awaitable[StaffAgent]], app_engine: AsyncEngine
) -> None:
    agent = await login("comp1")
    assert (await agent.get("/staff")).status == 200
    async with app_engine.begin() as conn:
        await conn.execute(
            update(staff_users)
            .where(staff_users.c.username == "comp1")
            .values(password_hash="$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
        )
    assert (await agent.get("/staff")).status == 303
    other = await login("comp2")
    async with app_engine.begin() as conn:
        await conn.execute(update(staff_users).where(staff_users.c.username == "comp2").values(active=False))
    assert (await other.get("/staff")).status == 303


async def test_a_deactivated_account_cannot_log_in(agents: Agents, people: People, app_engine: AsyncEngine) -> None:
    async with app_engine.begin() as conn:
        await conn.execute(update(staff_users).where(staff_users.c.username == "comp2").values(active=False))
    response = await (await agents()).login("comp2")
    assert response.status == 401 and LOGIN_FAILED in await response.text()


async def test_a_forged_or_expired_cookie_is_no_session(
    login: Callable[[str], Awaitable[StaffAgent]], agents: Agents, clock: FakeClock
) -> None:
    agent = await login("comp1")
    value = agent.cookie()
    assert value is not None
    version, payload, signature = value.split(".")
    forger = await agents()
    for forged in (
        f"{version}.{payload}.{signature[:-2]}AA",
        f"{version}.{payload[:-2]}.{signature}",
        "v2..",
        "garbage",
        "v1." + payload + "." + signature,
        "v3." + payload + "." + signature,
    ):
        assert (await forger.get("/staff", headers={"Cookie": f"anju_staff={forged}"})).status == 303, forged
    assert (await forger.get("/staff", headers={"Cookie": f"anju_staff={value}"})).status == 200  # a copy works
    clock.advance(hours=8, seconds=1)
    assert (await agent.get("/staff")).status == 303


async def test_login_goes_back_to_the_page_asked_for_but_never_elsewhere(agents: Agents, people: People) -> None:
    agent = await agents()
    response = await agent.get("/staff/overview")
    assert response.headers["Location"] == "/staff/login?next=/staff/overview"
    await agent.page("/staff/login?next=/staff/overview")
    response = await agent.post(
        "/staff/login", {"username": "dudao", "password": "correct horse battery", "next": "/staff/overview"}
    )
    assert response.headers["Location"] == "/staff/overview"
    for evil in (
        "https://evil.example/",
        "//evil.example/staff",
        "/staff/../chat",
        "/staffevil",
        "/chat",
        "/staff\\@evil",
        "/staff/login",
        "/staff//evil.example",
    ):
        agent = await agents()
        await agent.page("/staff/login")
        response = await agent.post(
            "/staff/login", {"username": "dudao", "password": "correct horse battery", "next": evil}
        )
        assert response.status == 303 and response.headers["Location"] == "/staff", evil


async def test_logout_ends_copies_of_the_session_and_other_computers_too(
    agents: Agents, people: People, clock: FakeClock
) -> None:
    office, home = await agents(), await agents()
    await office.login("comp1")
    assert "comp1" in await office.page("/staff")
    copied = office.cookie()
    await home.login("comp1")  # the same account on another computer
    assert "comp1" in await home.page("/staff")
    thief = await agents()
    thief.session.cookie_jar.update_cookies({COOKIE: copied}, thief.session._base_url.join(URL("/staff")))
    assert "comp1" in await thief.page("/staff")  # a copy works while the session lasts …
    clock.advance(seconds=5)
    assert (await office.post("/staff/logout")).status == 303
    for agent in (thief, home):  # … and not after the logout
        response = await agent.get("/staff")
        assert response.status == 303 and response.headers["Location"] == "/staff/login"
    clock.advance(seconds=5)
    await home.login("comp1")  # logging in again gives a new session
    assert "comp1" in await home.page("/staff")


async def test_wrong_passwords_sent_at_once_with_the_right_one_do_not_log_in(
    agents: Agents, people: People, app_engine: AsyncEngine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """60 wrong passwords and the right one at once: at most MAX_FAILURES of them are checked against the account's
    hash, the account ends locked, and the right one is refused with the others (the count is taken atomically)."""
    wrong = [await agents() for _ in range(60)]
    right = await agents()
    for agent in (*wrong, right):
        await agent.page("/staff/login")
    comp1_hash = (await account(app_engine, "comp1"))["password_hash"]
    checked: list[str] = []
    arrived, everyone = 0, asyncio.Event()
    real_check = login_module.verify_password

    def counted(password_hash: str, password: str) -> bool:
        if password_hash == comp1_hash:
            checked.append(password)
        return real_check(password_hash, password)

    async def held(password_hash: str, password: str) -> bool:  # every check waits until all 61 have been counted
        nonlocal arrived
        arrived += 1
        if arrived == len(wrong) + 1:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), timeout=60)
        return await asyncio.to_thread(counted, password_hash, password)

    monkeypatch.setattr(login_module, "verify_password", counted)
    monkeypatch.setattr(login_module, "_verify", held, raising=False)
    responses = await asyncio.gather(
        *(
            agent.post("/staff/login", {"username": "comp1", "password": f"guess {n}"})
            for n, agent in enumerate(wrong[:30])
        ),
        right.post("/staff/login", {"username": "comp1", "password": PASSWORD}),
        *(
            agent.post("/staff/login", {"username": "comp1", "password": f"guess {n}"})
            for n, agent in enumerate(wrong[30:], 30)
        ),
    )
    assert [r.status for r in responses] == [401] * 61
    assert len(checked) <= MAX_FAILURES
    assert (await account(app_engine, "comp1"))["locked_until"] == clock() + LOCK_FOR
    assert (await right.get("/staff")).status == 303  # not logged in


async def test_logout_ends_a_session_issued_in_the_same_second(
    agents: Agents, people: People, clock: FakeClock
) -> None:
    office = await agents()
    clock.advance(seconds=0.2)
    await office.login("comp1")
    copied = office.cookie()
    await office.page("/staff")
    clock.advance(seconds=0.5)  # the logout falls in the second the session was issued in
    assert (await office.post("/staff/logout")).status == 303
    thief = await agents()
    thief.session.cookie_jar.update_cookies({COOKIE: copied}, thief.session._base_url.join(URL("/staff")))
    response = await thief.get("/staff")
    assert response.status == 303 and response.headers["Location"] == "/staff/login"
    clock.advance(seconds=0.1)  # logging in again, still in that second, gives a session that works
    await office.login("comp1")
    assert "comp1" in await office.page("/staff")
