"""Every POST of the dashboard needs the CSRF token of the session that sent it: without it, or with a wrong one or
another session's, the answer is 403 and nothing changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cases.conftest import People
from tests.staff.agent import StaffAgent
from tests.support.cases import case_row, event_kinds

Login = Callable[[str], Awaitable[StaffAgent]]


async def test_forms_without_their_token_are_refused(
    login: Login,
    file,
    people: People,  # noqa: ANN001
    app_engine: AsyncEngine,
) -> None:
    case = await file()
    comp1, admin, other = await login("comp1"), await login("admin"), await login("comp2")
    attempts = [
        (comp1, f"/staff/cases/{case.number}/claim", {}),
        (comp1, f"/staff/cases/{case.number}/note", {"text": "备注"}),
        (comp1, "/staff/claim-next", {}),
        (comp1, "/staff/logout", {}),
        (admin, "/staff/routing", {"category": "compensation", "district": "dongguan", "department": "1"}),
        (admin, "/staff/routing/1/delete", {}),
    ]
    for agent, path, form in attempts:
        for token in (None, "", "wrong-token", other.csrf):
            data = dict(form) if token is None else {**form, "csrf": token}
            response = await agent.post(path, data, csrf=False)
            assert response.status == 403, (path, token)
            assert "页面已过期或来源无法确认" in await response.text()
    row = await case_row(app_engine, case.number)
    assert row["status"] == "dispatched" and row["assignee_id"] is None
    assert "noted" not in await event_kinds(app_engine, case.id)
    assert (await comp1.get("/staff")).status == 200  # logout was refused too
    assert (await comp1.act(case.number, "claim")).status == 303  # with the token it works


async def test_pages_are_not_cached_framed_or_scripted(login: Login) -> None:
    agent = await login("comp1")
    response = await agent.get("/staff")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in await response.text()
