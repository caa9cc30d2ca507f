"""Export files are laid out in a worker process (the server's interpreter lock stays free) of lower priority, from
pickled pages of rows, in the order given; a worker that died is replaced, and the file is still made."""

from __future__ import annotations

import csv
import io
import os
import signal
from datetime import date, datetime

from openpyxl import load_workbook

from bot.web.spreadsheets import WORKER_NICENESS, FileMaker, Format, Layout, page


def local(*fields: int) -> datetime:
    """A time as a sheet holds it: no time zone (the export writes Beijing time)."""
    return datetime(*fields)  # noqa: DTZ001


LAYOUT = Layout("清单", ("编号", "摘要", "日期", "时间", "数"), (10, 40, 12, 16, 6))
ROWS = [
    ["AJ-1", "=1+1 不是公式", date(2026, 10, 8), local(2026, 9, 15, 19, 0), 3],
    ["AJ-2", "普通文字", None, None, None],
    ["AJ-3", "@SUM(A1)", date(2026, 1, 2), local(2026, 1, 2, 8, 30), 0],
]


def _worker_pids(files: FileMaker) -> set[int]:
    pool = files._pool
    assert pool is not None
    return {p.pid for p in (pool._processes or {}).values() if p.is_alive()}


async def test_files_are_laid_out_in_a_worker_process_from_pages_in_order() -> None:
    files = FileMaker()
    try:
        pages = [page(ROWS[:2]), page(ROWS[2:])]
        body = await files.make(Format.XLSX, LAYOUT, pages)
        workers = _worker_pids(files)
        assert workers and os.getpid() not in workers
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert {os.getpriority(os.PRIO_PROCESS, w) for w in workers} == {min(19, mine + WORKER_NICENESS)}  # yields
        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet.title == "清单"
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == LAYOUT.headers
        assert [r[0] for r in values[1:]] == ["AJ-1", "AJ-2", "AJ-3"]
        assert sheet.cell(row=2, column=2).data_type == "s"  # text, never a formula
        assert values[1][2] == local(2026, 10, 8) and sheet.cell(row=2, column=3).number_format == "yyyy-mm-dd"
        assert values[1][3] == local(2026, 9, 15, 19, 0)

        text = (await files.make(Format.CSV, LAYOUT, pages)).decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
        assert rows[0] == list(LAYOUT.headers)
        assert rows[1] == ["AJ-1", "'=1+1 不是公式", "2026-10-08", "2026-09-15 19:00", "3"]
        assert rows[3][1] == "'@SUM(A1)" and rows[2][2:] == ["", "", ""]
        assert _worker_pids(files) == workers  # one worker, kept for the next file
    finally:
        await files.close()
    assert files._pool is None


async def test_a_worker_that_died_is_replaced() -> None:
    files = FileMaker()
    try:
        await files.make(Format.CSV, LAYOUT, [page(ROWS)])
        [worker] = _worker_pids(files)
        os.kill(worker, signal.SIGKILL)
        body = await files.make(Format.CSV, LAYOUT, [page(ROWS)])
        assert body.decode("utf-8-sig").splitlines()[3].startswith("AJ-3")
        assert worker not in _worker_pids(files)
    finally:
        await files.close()
