"""The supervisors' overview: overdue cases per department, on-time 签收 and 办结 rates and satisfaction, as a table
and inline-SVG charts — for supervisors and admins only."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.vocabulary import Category
from knowledge.base import KnowledgeBase
from tests.staff.agent import StaffAgent
from tests.support.cases import rate_as_resident
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]


def department_row(page: str, name: str) -> list[str]:
    row = page.split(f">{name}</")[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split('<td class="num">')[1:]]


async def test_overview_counts_per_department(login: Login, file, clock: FakeClock, app_engine: AsyncEngine) -> None:  # noqa: ANN001
    late = await file(description="超期未签收")
    on_time = await file(category=Category.PAYMENT_DELAY, session="r1")
    comp1 = await login("comp1")
    await comp1.act(on_time.number, "claim")
    await comp1.act(on_time.number, "reply", text="已核实，下周发放。")
    await comp1.act(on_time.number, "resolve", text="已发放。")
    assert (await rate_as_resident(app_engine, on_time.number, "3", clock())).outcome == "rated"
    await file(category=Category.OTHER)  # 东关组, still on time
    clock.advance(days=3)

    supervisor = await login("dudao")
    page = await supervisor.page("/staff/overview")
    # total, open, overdue, 签收, 办结, satisfaction, dissatisfied
    cells = department_row(page, "县房屋征收补偿办公室")
    assert cells[:3] == ["2", "1", "1"]
    assert cells[3].startswith("50.0%") and "1/2" in cells[3]  # one signed in time, one still waiting past due
    assert cells[4].startswith("100.0%") and "1/1" in cells[4]
    assert cells[5].startswith("100.0%") and cells[6] == "0"
    dongguan = department_row(page, "东关片区征收工作组")
    assert dongguan[:3] == ["1", "1", "1"]  # three days on, its 签收 deadline has passed too
    assert page.count("<svg") == 4 and "各单位超期未办结案件" in page and "按时签收率" in page
    assert late.number not in page  # figures only
    assert (await (await login("admin")).get("/staff/overview")).status == 200


async def test_every_rating_given_counts_a_reopened_case_included(
    login: Login,
    file,
    clock: FakeClock,  # noqa: ANN001
    app_engine: AsyncEngine,
    kb: KnowledgeBase,
) -> None:
    """一事一评 (issue 9 point 11): 不满意 reopens the case and still counts; the case is rated again when it is
    resolved again, and both ratings count. (Failed before case_ratings: reopening erased the 不满意 — 满意率 "— 0/0",
    不满意 0.)"""
    case = await file(category=Category.PAYMENT_DELAY, session="r1")
    comp1 = await login("comp1")
    await comp1.act(case.number, "claim")
    await comp1.act(case.number, "resolve", text="已核实，补偿款已发放。")
    assert (await rate_as_resident(app_engine, case.number, "1", clock(), kb.params)).outcome == "reopened"
    supervisor = await login("dudao")
    page = await supervisor.page("/staff/overview")
    cells = department_row(page, "县房屋征收补偿办公室")
    assert cells[5].startswith("0.0%") and "0/1" in cells[5] and cells[6] == "1"
    assert department_row(page, "合计")[5:] == ["0.0%", "1"]

    clock.advance(hours=2)
    await comp1.act(case.number, "resolve", text="再次核实，已补发差额。")
    assert (await rate_as_resident(app_engine, case.number, "3", clock(), kb.params)).outcome == "rated"
    cells = department_row(await supervisor.page("/staff/overview"), "县房屋征收补偿办公室")
    assert cells[5].startswith("50.0%") and "1/2" in cells[5] and cells[6] == "1"
    # one rating per handling round: the second round is rated once
    assert (await rate_as_resident(app_engine, case.number, "1", clock(), kb.params)).outcome == "already_rated"


async def test_overview_is_for_overseers(login: Login) -> None:
    for username in ("comp1", "paidan"):
        agent = await login(username)
        response = await agent.get("/staff/overview")
        assert response.status == 403 and "只有督导和管理员" in await response.text()
        assert "督办总览" not in (await agent.page("/staff")).split("</nav>")[0]
