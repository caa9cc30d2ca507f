"""Scope at the web edge: a case outside the viewer's scope is a 404 — page, actions, search, exports — exactly like
a case that does not exist; and the discipline wall: a staff-conduct complaint about a department never reaches
that department's staff by any path."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from openpyxl import load_workbook

from bot.cases.vocabulary import Category
from tests.staff.agent import StaffAgent

Login = Callable[[str], Awaitable[StaffAgent]]


async def exported_numbers(agent: StaffAgent, query: str = "status=all") -> tuple[set[str], set[str]]:
    csv_response = await agent.get(f"/staff/export.csv?{query}")
    rows = list(csv.reader(io.StringIO((await csv_response.read()).decode("utf-8-sig"))))
    xlsx_response = await agent.get(f"/staff/export.xlsx?{query}")
    sheet = load_workbook(io.BytesIO(await xlsx_response.read()), read_only=True).active
    return {r[0] for r in rows[1:]}, {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)}


async def test_another_departments_case_is_not_found(login: Login, file) -> None:  # noqa: ANN001
    theirs = await file(category=Category.COMPENSATION, description="补偿办的案件")
    dongguan = await login("dongguan")
    response = await dongguan.get(f"/staff/cases/{theirs.number}")
    assert response.status == 404 and "没有找到这个案件" in await response.text()
    nothing = await dongguan.get("/staff/cases/AJ-2026-999999")
    assert nothing.status == 404 and await nothing.text() == await response.text()  # indistinguishable
    assert (await dongguan.get("/staff/cases/not-a-number")).status == 404
    for action in ("claim", "reply", "note", "return"):
        refused = await dongguan.post(f"/staff/cases/{theirs.number}/{action}", {"text": "x", "reason": "理由理由"})
        assert refused.status == 404, action
    queue = await dongguan.page(f"/staff?q={theirs.number}&status=all")
    assert f'data-number="{theirs.number}"' not in queue and 'id="total">0<' in queue
    assert (await (await login("comp1")).get(f"/staff/cases/{theirs.number}")).status == 200


async def test_the_discipline_wall(login: Login, file) -> None:  # noqa: ANN001
    conduct = await file(
        category=Category.STAFF_CONDUCT,
        named_unit="wg_dongguan",
        district="dongguan",
        description="东关组工作人员上门时拍桌子威胁",
        phone="13912345678",
    )
    ordinary = await file(category=Category.OTHER, district="dongguan", description="东关路面坑洼")
    for username in ("dongguan", "paidan"):  # the accused department; dispatchers never see 纪检监察's cases
        agent = await login(username)
        for query in (
            "status=all",
            f"q={conduct.number}&status=all",
            "q=拍桌子&status=all",
            "q=13912345678&status=all",
            "category=staff_conduct&status=all",
        ):
            page = await agent.page(f"/staff?{query}")
            assert f'data-number="{conduct.number}"' not in page and "上门时拍桌子威胁" not in page, (username, query)
        assert (await agent.get(f"/staff/cases/{conduct.number}")).status == 404
        assert (await agent.post(f"/staff/cases/{conduct.number}/note", {"text": "看看"})).status == 404
        in_csv, in_xlsx = await exported_numbers(agent)
        assert conduct.number not in in_csv | in_xlsx, username
        if username == "dongguan":
            assert ordinary.number in in_csv and ordinary.number in in_xlsx  # the export itself works
    discipline = await login("jijian")
    assert f'data-number="{conduct.number}"' in await discipline.page("/staff?q=拍桌子")
    page = await discipline.page(f"/staff/cases/{conduct.number}")
    assert "东关片区征收工作组" in page and "被反映单位" in page
    assert f'data-number="{ordinary.number}"' not in await discipline.page("/staff?status=all")
    supervisor = await login("dudao")
    assert conduct.number in (await exported_numbers(supervisor))[0]
