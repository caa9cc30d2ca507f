"""Importing the household ledger from the dashboard: an admin checks a file (the report, nothing written), then
imports the same file; a changed file must be checked again; a bad file imports nothing; other roles get 403 and a
form without the CSRF token is refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.households.models import Household, HouseholdChange
from bot.settings import Settings
from tests.households.ledger_files import KEY, csv_bytes, rows, xlsx_bytes
from tests.staff.agent import StaffAgent

Login = Callable[[str], Awaitable[StaffAgent]]
PATH = "/staff/households/import"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, household_id_key=KEY, household_import_max_bytes=256 * 1024)


async def send(
    agent: StaffAgent, data: bytes, name: str, *, action: str = "check", checked: str = "", csrf: str | None = None
) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("csrf", agent.csrf if csrf is None else csrf)
    form.add_field("action", action)
    form.add_field("checked", checked)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    response = await agent.session.post(PATH, data=form, allow_redirects=False)
    return response.status, await response.text()


async def count(engine: AsyncEngine, model: type = Household) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table_of(model)))).scalar_one()


def checked_digest(page: str) -> str:
    return page.split('name="checked" value="', 1)[1].split('"', 1)[0]


async def test_check_then_import_then_reimport(login: Login, app_engine: AsyncEngine) -> None:
    admin = await login("admin")
    page = await admin.page(PATH)
    assert "导入分户台账" in page and 'href="/staff/households/import"' in page
    data = xlsx_bytes(rows())
    status, page = await send(admin, data, "台账.xlsx")
    assert status == 200 and "检查通过：台账.xlsx，3 户" in page and "将新增 3，更新 0，未变 0" in page
    assert await count(app_engine) == 0
    status, page = await send(admin, data, "台账.xlsx", action="apply", checked=checked_digest(page))
    assert status == 200 and "已导入 3 户（批次 1）：新增 3，更新 0" in page
    assert await count(app_engine) == 3

    edited = csv_bytes(rows(**{"DG-0001": {"地址": "示例县东关街1号（东）"}}))
    status, page = await send(admin, edited, "改.csv")
    assert "将新增 0，更新 1，未变 2" in page and "address 示例县东关街1号 → 示例县东关街1号（东）" in page
    digest = checked_digest(page)
    other = csv_bytes(rows(**{"DG-0001": {"地址": "示例县东关街9号"}}))
    status, page = await send(admin, other, "改.csv", action="apply", checked=digest)  # not the file checked
    assert status == 409 and "请先点“检查”" in page
    status, page = await send(admin, edited, "改.csv", action="apply", checked=digest)
    assert "更新 1（1 项修改已记入历史）" in page
    async with app_engine.connect() as conn:
        change = (await conn.execute(select(table_of(HouseholdChange)))).mappings().one()
    assert (change["field"], change["new_value"], change["changed_by"]) == (
        "address",
        "示例县东关街1号（东）",
        "staff:admin",
    )


async def test_a_bad_file_shows_the_report_and_imports_nothing(login: Login, app_engine: AsyncEngine) -> None:
    admin = await login("admin")
    await admin.page(PATH)
    bad = csv_bytes(rows(**{"XJ-0002": {"户号": "DG-0001", "合法建筑面积（㎡）": "-5"}}), "gbk")
    status, page = await send(admin, bad, "bad.csv", action="apply", checked="whatever")
    assert status == 409 and await count(app_engine) == 0  # never applied without the check
    status, page = await send(admin, bad, "bad.csv")
    assert status == 422 and "有 2 处问题" in page
    assert "第 3 行「户号」：户号 DG-0001 与第 2 行重复" in page and "合法建筑面积应大于 0" in page
    status, page = await send(admin, b"x" * (300 * 1024), "big.csv")
    assert status == 400 and "文件太大，最大 0.25 MB" in page
    assert await count(app_engine) == 0


async def test_only_admins_and_only_with_the_token(login: Login, app_engine: AsyncEngine) -> None:
    staff = await login("dongguan")
    await staff.page(PATH, status=403)
    assert 'href="/staff/households/import"' not in await staff.page("/staff")
    status, _ = await send(staff, csv_bytes(rows()), "l.csv")
    assert status == 403
    admin = await login("admin")
    await admin.page(PATH)
    status, _ = await send(admin, csv_bytes(rows()), "l.csv", csrf="forged")
    assert status == 403
    assert await count(app_engine) == 0
