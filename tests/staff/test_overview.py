"""The supervisors' overview: overdue cases per department, on-time 签收 and 办结 rates and satisfaction, as a table
and inline-SVG charts — for supervisors and admins only."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import Case
from bot.cases.vocabulary import Category
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]
cases = Case.__table__


def department_row(page: str, name: str) -> list[str]:
    row = page.split(f">{name}</")[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split('<td class="num">')[1:]]


async def test_overview_counts_per_department(login: Login, file, clock: FakeClock, app_engine: AsyncEngine) -> None:  # noqa: ANN001
    late = await file(description="超期未签收")
    on_time = await file(category=Category.PAYMENT_DELAY)
    comp1 = await login("comp1")
    await comp1.act(on_time.number, "claim")
    await comp1.act(on_time.number, "reply", text="已核实，下周发放。")
    await comp1.act(on_time.number, "resolve", text="已发放。")
    async with app_engine.begin() as conn:
        await conn.execute(update(cases).where(cases.c.id == on_time.id).values(rating=3))
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


async def test_overview_is_for_overseers(login: Login) -> None:
    for username in ("comp1", "paidan"):
        agent = await login(username)
        response = await agent.get("/staff/overview")
        assert response.status == 403 and "只有督导和管理员" in await response.text()
        assert "督办总览" not in (await agent.page("/staff")).split("</nav>")[0]
