"""The calendar as the app uses it: a county's Spring Festival in a real case's deadline, a reopened case never due
on a holiday, /healthz, the start-up warning, the admins' banner and 暂按周一至周五计算 on provisional deadlines."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import keys
from bot.app import create_app
from bot.cases.workdays import CHINA_TZ, end_of
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.cases import add_user, case_row, fill_complaint
from tests.support.clock import FakeClock
from tests.support.holidays import write_holidays
from tests.support.transcript import ChatSession

NUMBER = re.compile(r"AJ-\d{4}-\d{6}")


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ).astimezone(UTC)


@pytest.fixture
def county_settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, holidays_file=str(write_holidays(tmp_path)))


async def file_complaint(chat: ChatSession) -> str:
    await fill_complaint(chat)
    await chat.press("确认提交")
    return NUMBER.search(chat.text).group(0)


async def test_a_deadline_across_the_countys_spring_festival(
    aiohttp_client,
    county_settings: Settings,  # noqa: ANN001
    kb: KnowledgeBase,
) -> None:
    clock = FakeClock(beijing(2027, 2, 4, 10, 0))  # Thursday; the county's file: 春节 5–12 Feb 2027
    client = await aiohttp_client(create_app(county_settings, clock=clock, knowledge=kb))
    number = await file_complaint(ChatSession(client))
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["sign_for_due"] == end_of(date(2027, 2, 15))  # 1 working day: Monday after the holiday
    assert row["notify_due"] == end_of(date(2027, 2, 19))  # 15 days, not in the holiday


async def test_a_reopened_case_is_never_due_on_a_holiday(
    aiohttp_client,
    county_settings: Settings,  # noqa: ANN001
    kb: KnowledgeBase,
) -> None:
    clock = FakeClock(beijing(2026, 11, 30, 10, 0))
    client = await aiohttp_client(create_app(county_settings, clock=clock, knowledge=kb))
    chat = ChatSession(client)
    number = await file_complaint(chat)
    staff = await add_user(client.app[keys.ENGINE], "buchang", "department_staff", "comp_office", clock())
    service = client.app[keys.CASES]
    await service.claim(staff, number)
    await service.resolve(staff, number, "经核实，面积无误。")
    clock.advance(days=2)  # 2 Dec 2026: 30 days later is New Year's Day 2027 (元旦 1–3 Jan in the county's file)
    await chat.send(button=f"rate:{number}:1")
    assert "重新交办" in chat.text
    row = await case_row(client.app[keys.ENGINE], number)
    assert row["status"] == "in_progress" and row["finish_due"] == end_of(date(2027, 1, 4))
    assert "2027年1月4日" in chat.text


async def test_healthz_reports_the_calendar_and_the_process(
    aiohttp_client,
    settings: Settings,  # noqa: ANN001
    county_settings: Settings,
    kb: KnowledgeBase,
) -> None:
    import os

    december = FakeClock(beijing(2026, 12, 1, 9, 0))
    shipped = await aiohttp_client(create_app(settings, clock=december, knowledge=kb))
    body = await (await shipped.get("/healthz")).json()
    assert body["status"] == "ok" and body["calendar"] == "missing 2027" and body["pid"] == os.getpid()
    county = await aiohttp_client(create_app(county_settings, clock=december, knowledge=kb))
    assert (await (await county.get("/healthz")).json())["calendar"] == "ok"
    summer = await aiohttp_client(create_app(settings, clock=FakeClock(beijing(2026, 6, 1, 9, 0)), knowledge=kb))
    assert (await (await summer.get("/healthz")).json())["calendar"] == "ok"


async def test_the_start_names_the_missing_year(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,  # noqa: ANN001
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.calendar_watch"):
        await aiohttp_client(create_app(settings, clock=FakeClock(beijing(2026, 12, 1, 9, 0)), knowledge=kb))
    [record] = [r for r in caplog.records if r.name == "bot.calendar_watch"]
    assert "no official data for 2027" in record.getMessage() and "holidays.yaml" in record.getMessage()


async def test_a_broken_holiday_file_stops_the_start(settings: Settings, tmp_path: Path, kb: KnowledgeBase) -> None:
    from bot.cases.workdays import CalendarError

    broken = dataclasses.replace(settings, holidays_file=str(write_holidays(tmp_path, "2027: [1]")))
    with pytest.raises(CalendarError, match="2027"):
        create_app(broken, knowledge=kb)


async def staff_pages(
    aiohttp_client,
    settings: Settings,
    kb: KnowledgeBase,
    clock: FakeClock,  # noqa: ANN001
    username: str,
    role: str,
    department: str | None,
) -> tuple[str, str]:
    """The queue and the page of a case filed at the clock's time, as `username` sees them."""
    from tests.staff.agent import StaffAgent
    from tests.support.cases import load_test_routing

    client = await aiohttp_client(create_app(settings, clock=clock, knowledge=kb))
    engine = client.app[keys.ENGINE]
    await load_test_routing(engine, clock())
    await add_user(engine, username, role, department, clock())
    number = await file_complaint(ChatSession(client))
    agent = StaffAgent(client)
    try:
        await agent.login(username)
        return await agent.page("/staff"), await agent.page(f"/staff/cases/{number}")
    finally:
        await agent.close()


async def test_admins_see_a_banner_and_everyone_the_provisional_deadlines(
    aiohttp_client,
    settings: Settings,  # noqa: ANN001
    kb: KnowledgeBase,
) -> None:
    new_years_eve = FakeClock(beijing(2026, 12, 31, 10, 0))  # 签收 due the next working day: in 2027, unknown
    queue, case = await staff_pages(aiohttp_client, settings, kb, new_years_eve, "admin", "admin", None)
    assert "节假日数据缺失" in queue and "2027 年尚无国务院放假安排" in queue
    assert "badge provisional" in queue.split("<table", 1)[-1]  # in the queue's deadline column
    assert case.count("badge provisional") == 3  # 签收, 首次答复 and 办结 all reach 2027
    staff_queue, _ = await staff_pages(
        aiohttp_client, settings, kb, new_years_eve, "buchang", "department_staff", "comp_office"
    )
    assert "节假日数据缺失" not in staff_queue and "暂按周一至周五计算" in staff_queue


async def test_no_banner_and_no_mark_when_the_calendar_covers_them(
    aiohttp_client,
    settings: Settings,  # noqa: ANN001
    kb: KnowledgeBase,
) -> None:
    queue, case = await staff_pages(
        aiohttp_client, settings, kb, FakeClock(beijing(2026, 8, 3, 10, 0)), "admin", "admin", None
    )
    assert "节假日数据缺失" not in queue and "暂按周一至周五计算" not in queue + case
