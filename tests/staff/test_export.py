"""CSV and XLSX exports of the filtered queue: Chinese headers, a BOM for Excel, masked phones, the viewer's scope
and filters, dates in Beijing time, and resident text that cannot turn into a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from openpyxl import load_workbook

from bot.cases.vocabulary import Category
from bot.staff.export import HEADERS
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]


async def read_csv(agent: StaffAgent, query: str = "") -> list[list[str]]:
    response = await agent.get(f"/staff/export.csv{query}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="anju-cases-')
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def read_xlsx(agent: StaffAgent, query: str = "") -> list[tuple]:
    response = await agent.get(f"/staff/export.xlsx{query}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(await response.read()))
    sheet = workbook.active
    assert sheet.title == "案件清单"
    return list(sheet.iter_rows(values_only=True))


async def test_csv_and_xlsx_hold_the_filtered_queue(login: Login, file, clock: FakeClock) -> None:  # noqa: ANN001
    first = await file(description="评估面积少算了十二平方米", phone="13812345678")
    clock.advance(hours=2)
    second = await file(
        category=Category.PAYMENT_DELAY, description="补偿款没到账", phone="0571-87654321", district="xijie"
    )
    await file(category=Category.OTHER, description="别的单位的案件")  # 东关组's
    comp1 = await login("comp1")

    rows = await read_csv(comp1)
    assert tuple(rows[0]) == HEADERS and rows[0][:3] == ["案件编号", "类型", "类别"]
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {first.number, second.number}
    row = by_number[second.number]
    assert row[1:8] == ["诉求", "补偿款没按时发", "西街片区", "待签收", "县房屋征收补偿办公室", "", "0571-****4321"]
    assert row[8] == "2026-09-15 19:00" and row[10] in ("是", "否") and row[12] == "补偿款没到账"
    assert by_number[first.number][7] == "138****5678"
    everything = "\n".join(",".join(r) for r in rows)
    assert "13812345678" not in everything and "87654321" not in everything

    sheet = await read_xlsx(comp1)
    assert sheet[0] == HEADERS
    xlsx_rows = {r[0]: r for r in sheet[1:]}
    assert set(xlsx_rows) == set(by_number)
    assert xlsx_rows[second.number][7] == "0571-****4321" and xlsx_rows[first.number][7] == "138****5678"
    assert xlsx_rows[second.number][8] == datetime(2026, 9, 15, 19, 0)  # Beijing time

    assert [r[0] for r in (await read_csv(comp1, "?category=payment_delay"))[1:]] == [second.number]
    assert [r[0] for r in (await read_xlsx(comp1, "?q=面积少算"))[1:]] == [first.number]
    assert (await read_csv(comp1, "?q=nothing-like-this"))[1:] == []


async def test_text_never_becomes_a_formula(login: Login, file) -> None:  # noqa: ANN001
    case = await file(description='=HYPERLINK("http://evil.example","点这里")')
    comp1 = await login("comp1")
    [_, row] = await read_csv(comp1)
    assert row[12] == '\'=HYPERLINK("http://evil.example","点这里")'
    response = await comp1.get("/staff/export.xlsx")
    workbook = load_workbook(io.BytesIO(await response.read()))
    cell = workbook.active.cell(row=2, column=13)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","点这里")'
    assert workbook.active.cell(row=2, column=1).value == case.number


async def test_export_needs_a_login(agents) -> None:  # noqa: ANN001
    agent = await agents()
    response = await agent.get("/staff/export.csv")
    assert response.status == 303 and response.headers["Location"].startswith("/staff/login?next=/staff/export.csv")


async def test_deadlines_are_the_beijing_day_they_end_or_their_hour(login: Login, file, clock: FakeClock) -> None:  # noqa: ANN001
    """Issue 9 point 15: a deadline at the end of 16 September read "2026-09-17 00:00" (failed before the fix)."""
    clock.now = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)  # 09:00 Beijing time, a Tuesday
    daily = await file(description="评估面积少算了")  # 签收 within one working day: by the end of Wednesday 16th
    urgent = await file(category=Category.UTILITY_CUT, description="昨晚被停水")  # within 4 hours
    supervisor = await login("dudao")
    rows = {r[0]: r for r in (await read_csv(supervisor))[1:]}
    assert rows[daily.number][9] == "2026-09-16"
    assert rows[urgent.number][9] == "2026-09-15 13:00"
    response = await supervisor.get("/staff/export.xlsx")
    sheet = load_workbook(io.BytesIO(await response.read())).active
    cells = {row[0].value: row[9] for row in sheet.iter_rows(min_row=2)}
    assert cells[daily.number].value == datetime(2026, 9, 16) and cells[daily.number].number_format == "yyyy-mm-dd"
    assert cells[urgent.number].value == datetime(2026, 9, 15, 13, 0)
    assert cells[urgent.number].number_format == "yyyy-mm-dd hh:mm"
