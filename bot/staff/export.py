"""CSV and XLSX export of the queue as filtered on screen (/staff/export.csv, /staff/export.xlsx, same query).

Rows come from the service's scoped list, so phones are masked and nobody exports a case they cannot see. Headers
are Chinese; the CSV starts with a UTF-8 BOM so that Excel reads it as UTF-8. Text that a spreadsheet would run as
a formula (=, +, -, @ …) is neutralised: a leading apostrophe in the CSV, a plain string cell in the XLSX.

Times are Beijing time. A deadline at the end of a day (24:00) is that day — `2026-10-08`, as the staff pages say
“2026年10月8日前” — never the next day's 00:00; a deadline within a day (urgent cases: hours) keeps its time."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from aiohttp import web

from bot.cases.queries import MAX_PAGE, CaseListItem
from bot.cases.workdays import CHINA_TZ
from bot.staff.context import Desk, staff_page
from bot.staff.queue import QueueQuery, district_label
from bot.staff.state import STAFF

EXPORT_LIMIT = 10_000
HEADERS = (
    "案件编号",
    "类型",
    "类别",
    "片区",
    "状态",
    "承办单位",
    "承办人",
    "联系电话",
    "登记时间",
    "当前期限",
    "是否超期",
    "是否紧急",
    "摘要",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMN_WIDTHS = (16, 10, 22, 10, 9, 26, 14, 16, 18, 18, 9, 9, 60)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CHINA_TZ).replace(tzinfo=None) if moment is not None else None


def _deadline(due: datetime | None) -> date | datetime | None:
    """The day a deadline at 24:00 Beijing time ends, or the Beijing time of one within a day."""
    local = _local(due)
    if local is not None and local.time() == time(0):
        return local.date() - timedelta(days=1)
    return local


def _row(item: CaseListItem, district_names: dict[str, str]) -> list[object]:
    return [
        item.number,
        item.type_label,
        item.category_label,
        district_label(district_names, item.district),
        item.status_label,
        item.department_name or "",
        item.assignee_name or "",
        item.phone_masked,
        _local(item.created_at),
        _deadline(item.next_due),
        "是" if item.overdue else "否",
        "是" if item.urgent else "否",
        item.summary,
    ]


async def queue_rows(request: web.Request, desk: Desk) -> list[list[object]]:
    """The filtered queue, every page of it (at most EXPORT_LIMIT rows), as export rows."""
    service = desk.service
    filters = QueueQuery.parse(request.query, set(service.district_names)).case_filter()
    items: list[CaseListItem] = []
    while len(items) < EXPORT_LIMIT:
        batch = await service.list_cases(desk.viewer, filters, limit=MAX_PAGE, offset=len(items))
        items.extend(batch)
        if len(batch) < MAX_PAGE:
            break
    return [_row(item, service.district_names) for item in items[:EXPORT_LIMIT]]


def _safe_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell_text(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_safe_text(_cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    # imported here: openpyxl takes ~120 ms to import, which every start of the server would pay for an export
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("案件清单")
    for i, width in enumerate(COLUMN_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # str, number, datetime or None
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _filename(request: web.Request, extension: str) -> str:
    now = request.app[STAFF].clock().astimezone(CHINA_TZ)
    return f"anju-cases-{now:%Y%m%d-%H%M}.{extension}"


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@staff_page
async def export_csv(request: web.Request, desk: Desk) -> web.StreamResponse:
    rows = await queue_rows(request, desk)
    response = _download(csv_bytes(rows), "text/csv", _filename(request, "csv"))
    response.charset = "utf-8"
    return response


@staff_page
async def export_xlsx(request: web.Request, desk: Desk) -> web.StreamResponse:
    rows = await queue_rows(request, desk)
    body = await asyncio.to_thread(xlsx_bytes, rows)
    return _download(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _filename(request, "xlsx")
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/export.csv", export_csv, name="staff_export_csv")
    app.router.add_get("/staff/export.xlsx", export_xlsx, name="staff_export_xlsx")
