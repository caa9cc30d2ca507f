"""CSV and XLSX export of the queue as filtered on screen (/staff/export.csv, /staff/export.xlsx, same query).

Rows come from the service's scoped list, so phones are masked and nobody exports a case they cannot see. Headers
are Chinese; the file's layout — the CSV's BOM, text that must not become a formula — is bot/web/spreadsheets.py's,
which lays it out in a worker process: the server reads the cases page by page (each page after the last one's
place in the queue, never an OFFSET that reads again every case before it), pickles each page's rows and drops
them, and waits for the file without holding the event loop or the interpreter's lock.

Times are Beijing time. A deadline at the end of a day (24:00) is that day — `2026-10-08`, as the staff pages say
“2026年10月8日前” — never the next day's 00:00; a deadline within a day (urgent cases: hours) keeps its time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time, timedelta

from aiohttp import web

from bot.cases.queries import ITEMS_PER_STEP, MAX_PAGE, CaseListItem, QueuePosition
from bot.cases.workdays import CHINA_TZ
from bot.staff.context import Desk, staff_page
from bot.staff.queue import QueueQuery, district_label
from bot.staff.state import STAFF
from bot.web.spreadsheets import FileMaker, Format, Layout, page

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
COLUMN_WIDTHS = (16, 10, 22, 10, 9, 26, 14, 16, 18, 18, 9, 9, 60)
LAYOUT = Layout("案件清单", HEADERS, COLUMN_WIDTHS)
FILES = web.AppKey("staff_export_files", FileMaker)


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


async def queue_pages(request: web.Request, desk: Desk) -> AsyncIterator[list[CaseListItem]]:
    """The filtered queue page by page, at most EXPORT_LIMIT cases; the service reads them off the loop."""
    service = desk.service
    filters = QueueQuery.parse(request.query, set(service.district_names)).case_filter()
    after: QueuePosition | None = None
    left = EXPORT_LIMIT
    while left > 0:
        size = min(MAX_PAGE, left)
        items = await service.list_cases(desk.viewer, filters, limit=size, after=after)
        if items:
            yield items
        if len(items) < size:
            return
        left -= size
        after = items[-1].position


def rows(items: Sequence[CaseListItem], district_names: dict[str, str]) -> list[list[object]]:
    """Export rows of `items`."""
    return [_row(item, district_names) for item in items]


async def _built(request: web.Request, desk: Desk, kind: Format) -> bytes:
    """The export file: the queue's rows read page by page, the file laid out in the worker process. Each page is
    made into rows and pickled a part at a time, the event loop going on between parts (200 cases at once held it
    ~5 ms)."""
    names = desk.service.district_names
    pages: list[bytes] = []
    async for items in queue_pages(request, desk):
        for start in range(0, len(items), ITEMS_PER_STEP):
            if pages:
                await asyncio.sleep(0)
            pages.append(page(rows(items[start : start + ITEMS_PER_STEP], names)))
    return await request.app[FILES].make(kind, LAYOUT, pages)


def _filename(request: web.Request, extension: str) -> str:
    now = request.app[STAFF].clock().astimezone(CHINA_TZ)
    return f"anju-cases-{now:%Y%m%d-%H%M}.{extension}"


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@staff_page
async def export_csv(request: web.Request, desk: Desk) -> web.StreamResponse:
    response = _download(await _built(request, desk, Format.CSV), "text/csv", _filename(request, "csv"))
    response.charset = "utf-8"
    return response


@staff_page
async def export_xlsx(request: web.Request, desk: Desk) -> web.StreamResponse:
    body = await _built(request, desk, Format.XLSX)
    return _download(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _filename(request, "xlsx")
    )


async def _files(app: web.Application) -> AsyncIterator[None]:
    app[FILES] = files = FileMaker()  # its worker process starts at the first export
    yield
    await files.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_files)
    app.router.add_get("/staff/export.csv", export_csv, name="staff_export_csv")
    app.router.add_get("/staff/export.xlsx", export_xlsx, name="staff_export_xlsx")
