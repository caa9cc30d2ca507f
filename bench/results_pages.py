"""阳光征收 over a full ledger (issue 14, point 4): 50,000 households imported (bench.households_import's rows, one
project of four districts), then the queries behind the published results page — its first page, a page in the
middle, the last page (OFFSET 49,900), a 户号 search — and the /stats signing progress (per district and by day),
each timed over repeated runs, as the page runs them (one connection, the count and the page). On PostgreSQL the
table is analysed first, as autovacuum does within a minute of an import this size.

Target: every page of the results under 100 ms at the 95th percentile, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from sqlalchemy import text

from bench.common import command_line, record_header, table, update_section, verdict
from bench.households_import import create_database, csv_file, drop_database, import_ledger, records
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.households.progress import progress, signing_start
from bot.households.projects import load_projects
from bot.households.results import PER_PAGE, results_page
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.params import load_params

TARGET_MS = 100.0
RUNS = 30


async def measure(url: str, rows: int) -> list[list[str]]:
    params = load_params(DEFAULT_KNOWLEDGE_DIR)
    projects = load_projects(params)
    project = projects.all[0]
    names = dict(projects.district_names)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        outcome = await import_ledger(engine, "ledger.csv", csv_file(records(rows)), params)
        assert outcome.result is not None
        if engine.dialect.name == "postgresql":  # what autovacuum does within a minute of an import this size
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE households"))
        pages = -(-rows // PER_PAGE)
        districts = [(d, names[d]) for d in project.districts]
        start = signing_start(params)
        cases: list[tuple[str, Callable[..., Awaitable[object]]]] = [
            ("results, page 1", lambda c: results_page(c, project.districts, names, 1)),
            (f"results, page {pages // 2}", lambda c: results_page(c, project.districts, names, pages // 2)),
            (f"results, page {pages} (last)", lambda c: results_page(c, project.districts, names, pages)),
            ("results, 户号 search", lambda c: results_page(c, project.districts, names, 1, f"B-{rows // 2:06d}")),
            ("/stats progress", lambda c: progress(c, districts, start, date(2026, 12, 31))),
        ]
        lines = []
        for label, run in cases:
            times = []
            for _ in range(RUNS):
                async with engine.connect() as conn:
                    began = time.perf_counter()
                    await run(conn)
                    times.append((time.perf_counter() - began) * 1000)
            times.sort()
            lines.append(
                [
                    label,
                    f"{statistics.median(times):.1f}",
                    f"{times[int(0.95 * (len(times) - 1))]:.1f}",
                    f"{max(times):.1f}",
                ]
            )
        return lines
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL (a database is made for the run)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    start_load = os.getloadavg()[0]
    lines: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'results.db'}")]
        pg_url = asyncio.run(create_database(args.postgres)) if args.postgres else None
        if pg_url:
            targets.append(("PostgreSQL", pg_url))
        try:
            for db_label, url in targets:
                for line in asyncio.run(measure(url, args.rows)):
                    lines.append([db_label, *line])
                    print(lines[-1], flush=True)
        finally:
            if pg_url:
                asyncio.run(drop_database(args.postgres, pg_url))
    worst = max(float(line[3]) for line in lines if line[1].startswith("results"))
    body = record_header(command_line("bench.results_pages", sys.argv[1:] if argv is None else argv))
    body += (
        f"- what: {args.rows:,} households (bench.households_import's rows) in one project; the queries of "
        f"`/results/<project>` (count + one page of {PER_PAGE} by 户号, names masked in SQL) and of the /stats "
        f"signing progress (per district, and by day from signing_start to 2026-12-31), {RUNS} runs each\n"
    )
    body += (
        f"- result: slowest results page p95 {worst:.1f} ms (target < {TARGET_MS:.0f} ms: "
        f"{verdict(worst < TARGET_MS)}); load average at start {start_load:.2f}\n\n"
    )
    body += table(["database", "query", "median ms", "p95 ms", "max ms"], lines)
    print(body)
    if not args.no_record:
        update_section("results_pages", "阳光征收 pages over 50,000 households (`bench.results_pages`)", body)
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
