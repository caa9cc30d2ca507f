"""The household page (/staff/households/<id>, issue 14 point 3): the ledger row, its change history, the bound
residents and the same estimate the resident reads in the chat; scoped by district — another district's staff,
and staff of a department without a district, get the same 404 as for a household that does not exist; linked
from the case page of a bound resident's case."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.vocabulary import Category
from tests.cases.conftest import People
from tests.staff.agent import StaffAgent
from tests.support.cases import add_user, file_case
from tests.support.clock import FakeClock
from tests.support.households import DONGGUAN, XIJIE, bind, household_id, import_ledger, record

Login = Callable[[str], Awaitable[StaffAgent]]


def text_of(page: str, element_id: str) -> str:
    """The text of the element with this id (tags removed, whitespace evened out)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert found is not None, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2))).strip()


async def ledger(engine: AsyncEngine, clock: FakeClock) -> tuple[int, int]:
    first = clock()
    await import_ledger(engine, [record(**DONGGUAN), record(**XIJIE)], first, by="staff:admin")
    clock.advance(days=66)  # 2026-11-20
    changed = {
        **DONGGUAN,
        "地址": "示例县东关街101号（东）",
        "已付过渡费（按月）": "2026-09:960；2026-10:960；2026-11:960",
    }
    await import_ledger(engine, [record(**changed), record(**XIJIE)], clock(), by="staff:wang", name="十月台账.csv")
    return await household_id(engine, "DG-0101"), await household_id(engine, "XJ-0202")


async def test_the_page_shows_the_row_its_history_the_members_and_the_estimate(
    login: Login, app_engine: AsyncEngine, clock: FakeClock, people: People
) -> None:
    dongguan_id, _ = await ledger(app_engine, clock)
    await bind(app_engine, "member-one", "DG-0101", clock(), via="code")
    await bind(app_engine, "member-two", "DG-0101", clock() + timedelta(hours=1), channel="wechat", via="id_tail")
    page = await (await login("dongguan")).page(f"/staff/households/{dongguan_id}")
    facts = text_of(page, "ledger")
    assert "示例丁" in facts and "80 m²" in facts and "416,000.00 元（评估报告 PG-DG-0101）" in facts
    assert re.search(r"尾号 \d{3}[\dX]", facts) and "195803" not in page  # never the ID number itself
    history = text_of(page, "history")
    assert "地址 示例县东关街101号 示例县东关街101号（东） staff:wang" in history
    assert "已付过渡费（按月） 2026-09:960.00；2026-10:960.00 2026-09:960.00；2026-10:960.00；2026-11:960.00" in history
    members = text_of(page, "members")
    assert "已绑定的居民（2）" in page and "绑定码" in members and "户号＋户主姓名＋身份证后 6 位" in members
    estimate = text_of(page, "estimate")
    # the same figures the chat shows (tests/handlers/test_household_answer.py works them out)
    assert "518,860.00" in estimate and "499,880.00" in estimate and "163,880.00" in estimate
    assert "3 个月共 2,880.00 元" in text_of(page, "transition")


async def test_other_districts_and_desks_without_a_district_get_404(
    login: Login, app_engine: AsyncEngine, clock: FakeClock, people: People
) -> None:
    dongguan_id, xijie_id = await ledger(app_engine, clock)
    await add_user(app_engine, "xijie", "department_staff", "wg_xijie", clock())
    dongguan, xijie = await login("dongguan"), await login("xijie")
    assert "户号 XJ-0202" in await xijie.page(f"/staff/households/{xijie_id}")
    not_there = await dongguan.page(f"/staff/households/{xijie_id}", status=404)
    assert "没有找到这一户" in not_there and "XJ-0202" not in not_there
    assert "DG-0101" not in await xijie.page(f"/staff/households/{dongguan_id}", status=404)
    for desk in ("comp1", "paidan", "jijian"):  # 补偿办, the dispatcher desk, 纪检监察: no district
        await (await login(desk)).page(f"/staff/households/{dongguan_id}", status=404)
    supervisor = await login("dudao")
    for ident in (dongguan_id, xijie_id):
        await supervisor.page(f"/staff/households/{ident}")
    missing = await supervisor.page(f"/staff/households/{xijie_id + 1000}", status=404)
    assert "没有找到这一户" in missing


async def test_the_case_page_links_a_bound_residents_household(
    login: Login, app_engine: AsyncEngine, clock: FakeClock, people: People
) -> None:
    dongguan_id, _ = await ledger(app_engine, clock)
    bound = await bind(app_engine, "bound-resident", "DG-0101", clock())
    case = await file_case(app_engine, clock(), category=Category.OTHER, district="dongguan", resident_id=bound)
    other = await file_case(app_engine, clock(), category=Category.OTHER, district="dongguan")
    staff = await login("dongguan")
    page = await staff.page(f"/staff/cases/{case.number}")
    assert f'href="/staff/households/{dongguan_id}"' in page and "户号 DG-0101" in text_of(page, "household")
    assert 'id="household"' not in await staff.page(f"/staff/cases/{other.number}")
    await staff.page(f"/staff/households/{dongguan_id}")  # the link opens


async def test_every_opening_is_recorded_and_listed_and_a_refused_one_is_not(
    login: Login, app_engine: AsyncEngine, clock: FakeClock, people: People
) -> None:
    dongguan_id, xijie_id = await ledger(app_engine, clock)
    dongguan, supervisor = await login("dongguan"), await login("dudao")
    await dongguan.page(f"/staff/households/{xijie_id}", status=404)  # outside the district: nothing recorded
    await dongguan.page(f"/staff/households/{dongguan_id}")
    clock.advance(hours=2)
    page = await supervisor.page(f"/staff/households/{dongguan_id}")
    openings = text_of(page, "openings")
    assert openings.index("dudao") < openings.index("dongguan")  # newest first, the current opening included
    assert openings.count("·") == 2
    assert text_of(await supervisor.page(f"/staff/households/{xijie_id}"), "openings").count("·") == 1
