"""Importing the household ledger (issue 14, point 1): 50,000 households from XLSX and from CSV into an empty
ledger, then a re-import with every tenth household changed (the history written). Each phase is timed as staff
wait for it: reading and checking the file (the preview's report), then the one transaction that writes it.

The rows are invented households of the sample county (示例县), every column filled as a signed household's would
be. Target: under a minute for 50,000 rows (the whole import: read, check, write)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import command_line, record_header, table, update_section, verdict
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.households.columns import COLUMNS
from bot.households.ledger import Outcome, check_file, import_file
from bot.households.template import sample_id
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.params import load_params

TARGET_S = 60.0
KEY = "bench-household-key"
TODAY = date(2026, 12, 2)
MAX_BYTES = 200 * 1024 * 1024


def records(n: int, changed_every: int = 0) -> list[list[str]]:
    districts = [d["name"] for d in load_params(DEFAULT_KNOWLEDGE_DIR)["districts"]]
    out = []
    for i in range(n):
        area = f"{55 + i % 95}.{i % 100:02d}"
        signed = i % 3 != 0
        address = f"示例县测试路{i // 10}号{i % 10}室" + (
            "（更正）" if changed_every and i % changed_every == 0 else ""
        )
        out.append(
            [
                f"B-{i:06d}",
                districts[i % len(districts)],
                address,
                f"示例{i}",
                sample_id("19600101", f"{i % 1000:03d}"),
                "",
                area,
                "",
                "住宅",
                f"{(55 + i % 95) * 5000}",
                f"SL-PG-2026-{i:05d}",
                "30000",
                "货币补偿" if signed else "",
                "已签约" if signed else "未签约",
                "2026-03-15" if signed else "",
                f"A-{i:05d}" if signed else "",
                "2026-04-10" if signed else "",
                "",
                "",
                "2026-04:1500；2026-05:1500；2026-06:1500" if signed else "",
            ]
        )
    return out


def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(rows)
    return buffer.getvalue().encode("gbk")


def xlsx_file(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("分户台账")
    sheet.append([c.header for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def import_ledger(engine: AsyncEngine, name: str, data: bytes, params: Mapping) -> Outcome:
    """The file imported as `python -m bot households import FILE --apply` does it (the benches' shared step)."""
    return await import_file(
        engine,
        name,
        data,
        params=params,
        key=KEY,
        by="bench",
        now=datetime.now(UTC),
        today=TODAY,
        max_bytes=MAX_BYTES,
        apply=True,
    )


async def timed_import(url: str, name: str, data: bytes) -> tuple[float, float, object]:
    params = load_params(DEFAULT_KNOWLEDGE_DIR)
    started = time.perf_counter()
    report = check_file(name, data, params, TODAY, MAX_BYTES)
    checked = time.perf_counter()
    assert report.ok, report.problems[:5]
    engine = make_engine(url)
    try:
        await upgrade(engine)
        begun = time.perf_counter()
        outcome = await import_ledger(engine, name, data, params)
        total = time.perf_counter() - begun  # check + write, as `import --apply` does it
    finally:
        await engine.dispose()
    return checked - started, total, outcome.result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--postgres",
        help="also on PostgreSQL: a server URL (a fresh database is created there for the run and dropped afterwards)",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    start_load = os.getloadavg()[0]
    first, changed = records(args.rows), records(args.rows, changed_every=10)
    files = {
        "csv (GBK)": ("ledger.csv", csv_file(first), csv_file(changed)),
        "xlsx": ("ledger.xlsx", xlsx_file(first), xlsx_file(changed)),
    }
    lines = []
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for label, (name, data, again) in files.items():
            url = f"sqlite+aiosqlite:///{Path(tmp) / (name + '.db')}"
            pg_url = asyncio.run(create_database(args.postgres)) if args.postgres else None
            targets = [("SQLite", url)] + ([("PostgreSQL", pg_url)] if pg_url else [])
            for db_label, db_url in targets:
                check_s, total_s, result = asyncio.run(timed_import(db_url, name, data))
                _, total2_s, result2 = asyncio.run(timed_import(db_url, name, again))
                worst = max(worst, total_s, total2_s)
                lines.append(
                    [
                        label,
                        db_label,
                        f"{len(data) / 1e6:.1f} MB",
                        f"{check_s:.1f}",
                        f"{total_s:.1f}",
                        f"{result.created:,}",
                        f"{total2_s:.1f}",
                        f"{result2.updated:,} / {result2.changes:,}",
                    ]
                )
                print(lines[-1], flush=True)
            if pg_url:
                asyncio.run(drop_database(args.postgres, pg_url))
    body = record_header(command_line("bench.households_import", sys.argv[1:] if argv is None else argv))
    body += (
        f"- what: {args.rows:,} invented households of 示例县 (every column filled as a signed household's), "
        "imported into an empty ledger, then re-imported with every tenth address changed (history written). "
        "`check` = read + validate (what the preview costs); `import` = check + the one transaction, as "
        "`python -m bot households import FILE --apply` does it\n"
    )
    body += (
        f"- result: slowest import {worst:.1f} s (target < {TARGET_S:.0f} s for 50,000 rows: "
        f"{verdict(worst < TARGET_S)}); load average at start {start_load:.2f}\n\n"
    )
    body += table(
        ["file", "database", "size", "check s", "import s", "created", "re-import s", "updated / changes"], lines
    )
    print(body)
    if not args.no_record:
        update_section("households_import", "Household ledger import (`bench.households_import`)", body)
    return 0 if worst < TARGET_S else 1


def _dsn(url: str) -> str:
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


async def create_database(server_url: str) -> str:
    import asyncpg

    name = f"anju_bench_households_{os.getpid()}"
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(_dsn(server_url))
    return urlunsplit(parts._replace(path="/" + name))


async def drop_database(server_url: str, database_url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(database_url).path.lstrip("/")}"')
    finally:
        await conn.close()


if __name__ == "__main__":
    raise SystemExit(main())
