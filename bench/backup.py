"""`db backup` on a SQLite database of a county's size while a writer keeps committing: how long the backup takes,
and how long the writer's commits take while it runs (the backup must not hold writes up).

The database: the real schema (migrations), then residents and their message log bulk-inserted with sqlite3 (the
message log is most of a live database's size). The writer commits one message-log row at a time in another thread,
as the dialogue core would, before, during and after the backup."""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import command_line, percentile, record_header, table, update_section
from bot.backup import backup
from bot.db.engine import make_engine
from bot.db.migrate import upgrade

TEXT = "我家房子在东关街，评估报告上的面积比房产证少了十二平方米，想问一下该怎么申请复核评估？"


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()


def build(path: Path, residents: int, messages: int) -> None:
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    now = datetime.now(UTC).isoformat()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        conn.executemany(
            "INSERT INTO residents (channel, user_key, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            (("web", f"s-{i}", now, now) for i in range(residents)),
        )
        payload = json.dumps({"kind": "text"})
        conn.executemany(
            "INSERT INTO message_log (resident_id, direction, text, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            ((1 + i % residents, "in" if i % 2 else "out", TEXT, payload, now) for i in range(messages)),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def writer(path: Path, stop: threading.Event, commits: list[tuple[float, float]]) -> None:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    now = datetime.now(UTC).isoformat()
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO message_log (resident_id, direction, text, payload, created_at) VALUES (1, 'in', ?, NULL, ?)",
            (TEXT, now),
        )
        conn.execute("COMMIT")
        commits.append((started, time.perf_counter() - started))
        time.sleep(0.001)
    conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backup")
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db, copy = Path(tmp) / "anju.db", Path(tmp) / "anju.backup.db"
        t0 = time.perf_counter()
        build(db, args.residents, args.messages)
        built = time.perf_counter() - t0
        size = db.stat().st_size
        stop, commits = threading.Event(), []
        thread = threading.Thread(target=writer, args=(db, stop, commits))
        thread.start()
        time.sleep(1.0)
        started = time.perf_counter()
        result = backup(f"sqlite:///{db}", copy)
        ended = time.perf_counter()
        time.sleep(1.0)
        stop.set()
        thread.join()
    took = ended - started
    phases = {
        "before": [d for s, d in commits if s < started],
        "during": [d for s, d in commits if started <= s < ended],
        "after": [d for s, d in commits if s >= ended],
    }
    rows = []
    for name, values in phases.items():
        values.sort()
        rows.append(
            [
                name,
                len(values),
                f"{percentile(values, 0.5) * 1000:.2f}" if values else "—",
                f"{percentile(values, 0.99) * 1000:.2f}" if values else "—",
                f"{values[-1] * 1000:.2f}" if values else "—",
            ]
        )
    body = (
        record_header(command_line("bench.backup", argv or []))
        + f"- what: `bot.backup.backup` (SQLite online backup API, one step, then quick_check and rename) of a "
        f"{size / 2**20:.0f} MiB database ({args.residents:,} residents, {args.messages:,} message-log rows; "
        f"built in {built:.0f} s) while another thread commits one row at a time\n"
        + f"- result: backup {result.bytes / 2**20:.0f} MiB in {took:.2f} s "
        f"({result.bytes / 2**20 / took:.0f} MiB/s); the writer kept committing during it:\n\n"
        + table(["writer commits", "n", "p50 ms", "p99 ms", "max ms"], rows)
        + "\n"
    )
    print(body)
    update_section("backup", "Backup while writing (`bench.backup`)", body)


if __name__ == "__main__":
    main()
