"""CSV and XLSX files laid out from rows of plain values (text, numbers, dates, None), in a process of their own.

Laying out 10,000 rows with openpyxl takes seconds of pure Python. In a thread of the server it would hold the
interpreter's lock (GIL) all that time: the event loop's thread, which lets the lock go whenever it waits (for the
network at every turn of the loop, for the disk), would get it back only at the thread's next switch interval
(5 ms) — chat batches stalled by up to a second (docs/benchmarks.md, `bench:loop_stall`). So the files are laid out
in a worker process (`FileMaker`: one, started at the first file and kept for the next ones, at a lower scheduling
priority than the server), which the server hands the rows as pickled pages: pickling a page of 200 rows is a short
step of the loop, and bytes hold no object the server's garbage collector walks.

Text that a spreadsheet would run as a formula (=, +, -, @ …) is neutralised: a leading apostrophe in the CSV, a
plain string cell in the XLSX. The CSV starts with a UTF-8 BOM so that Excel reads it as UTF-8.

Only the standard library and openpyxl are imported here (and in the worker): the worker process starts with
nothing of the server in it."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import multiprocessing
import os
import pickle
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Row = Sequence[object]


class Format(Enum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Layout:
    """A sheet's title, its column headers and the columns' widths (XLSX; in characters)."""

    title: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]


def page(rows: Sequence[Row]) -> bytes:
    """A page of rows as `FileMaker.make` takes them."""
    return pickle.dumps(list(rows), protocol=pickle.HIGHEST_PROTOCOL)


def _rows(pages: Iterable[bytes]) -> Iterable[Row]:
    for pickled in pages:
        yield from pickle.loads(pickled)  # noqa: S301 - pages pickled by this server's own process (`page`)


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


def csv_bytes(layout: Layout, rows: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(layout.headers)
    for row in rows:
        writer.writerow([_safe_text(_cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(layout: Layout, rows: Iterable[Row]) -> bytes:
    # imported here: openpyxl takes ~120 ms to import, which a process that never lays out a sheet need not pay
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(layout.title)
    for i, width in enumerate(layout.widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in layout.headers:
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


WORKER_NICENESS = 10  # the worker yields the CPU to the server (chat answers) when both want it: a file may wait


def _start_worker() -> None:
    """In the worker process, first: a lower scheduling priority (where the system has one)."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)


def _make(kind: Format, layout: Layout, pages: list[bytes]) -> bytes:
    """In the worker process: the file of the pickled `pages`."""
    build = csv_bytes if kind is Format.CSV else xlsx_bytes
    return build(layout, _rows(pages))


class FileMaker:
    """Lays out files in one worker process, started at the first file and stopped by `close`. Files asked for
    while one is being laid out wait their turn (one process: the server keeps the rest of the machine)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: a fork of a process with threads (the loop's workers) may inherit a held lock
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
            )
        return self._pool

    async def make(self, kind: Format, layout: Layout, pages: list[bytes]) -> bytes:
        """The file of `pages` (each from `page`). A worker that died (killed, out of memory) is replaced once."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            return await loop.run_in_executor(pool, _make, kind, layout, pages)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None
            pool.shutdown(wait=False)
        return await loop.run_in_executor(self._executor(), _make, kind, layout, pages)

    async def close(self) -> None:
        """Stop the worker (after the file it is laying out, if any), off the loop."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
