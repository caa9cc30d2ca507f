"""Sustained load on a real `python -m bot serve` (SQLite): does the write-ahead log stay bounded, does memory?

    .venv/bin/python -m bench.sustained_load [--clients 64] [--duration 60] [--warmup 10] [--no-record]
    .venv/bin/python -m bench.sustained_load --only junk --duration 20 --no-record    # a short look while developing

Two runs, each against a fresh server on a fresh SQLite file in a temp dir, with N closed-loop clients posting to
`/api/chat` as fast as answers come back (as bench.chat_throughput does):

- mixed: the residents of bench.chat_throughput (new sessions every few turns, the generated question mix of
  bench.queries, topic / 有用 / 没用 / menu buttons, every message with its own id);
- junk: every message a unique random string (CJK, Latin, digits, punctuation; 2–80 characters) in a new session
  every 12 messages: every one is an unanswered question, every one brings words never seen before.

A sampler beside the load reads the -wal file's size every 50 ms and the server's resident memory (VmRSS of
/proc/PID/status) every second. Recorded: the largest log and its bound (ANJU_SQLITE_WAL_LIMIT_MB plus what a
poll interval lets through), RSS at start (server ready, before load), after the warm-up and at the end, and the
RSS growth per minute after the warm-up. Progress is printed every 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench import common
from bench.chat_throughput import TURNS_PER_SESSION, Client, script
from bot.settings import Settings

NAME = "sustained_load"
PROGRESS_EVERY = 10.0
WAL_SAMPLE = 0.05
RSS_SAMPLE = 1.0
RSS_GROWTH_TARGET_MB_PER_MIN = 5.0
# the log may pass its limit by what is written between two looks of the checkpointer (0.1 s) and during one
# truncating checkpoint: at ~20 MB/s of log, a few MB; 16 MB of slack
WAL_SLACK = 16 * 2**20  # after the warm-up: what "flat" means here
JUNK_ALPHABET = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!?,.;:~#@%&*()[]{}，。？！、"
)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@dataclass
class Samples:
    """What the sampler thread saw."""

    wal_max: int = 0
    wal_max_at: float = 0.0
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since load start, MB)


class Sampler(threading.Thread):
    def __init__(self, pid: int, wal: Path, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.wal, self.started = pid, wal, started
        self.samples = Samples()
        self.stopping = threading.Event()

    def run(self) -> None:
        next_rss = 0.0
        while not self.stopping.is_set():
            now = time.monotonic() - self.started
            size = file_size(self.wal)
            if size > self.samples.wal_max:
                self.samples.wal_max, self.samples.wal_max_at = size, now
            if now >= next_rss:
                self.samples.rss.append((now, rss_mb(self.pid)))
                next_rss = now + RSS_SAMPLE
            self.stopping.wait(WAL_SAMPLE)


def junk_text(rng: random.Random) -> str:
    return "".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(2, 80)))


@dataclass
class JunkClient:
    """One junk-typing visitor after another: a new session every few messages, every text unique."""

    number: int
    run_id: str
    rng: random.Random
    sent: int = 0

    def next_body(self) -> bytes:
        self.sent += 1
        session = f"junk-{self.run_id}-{self.number}-{self.sent // TURNS_PER_SESSION}"
        body = {"session": session, "id": f"j{self.sent}", "text": f"{junk_text(self.rng)}{self.number}x{self.sent}"}
        return json.dumps(body, ensure_ascii=False).encode()


@dataclass
class RunResult:
    name: str
    duration: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    samples: Samples = field(default_factory=Samples)
    rss_ready: float = float("nan")
    db_bytes: int = 0
    gap_rows: int = 0
    wal_after: int = 0

    def rss_at(self, t: float) -> float:
        """RSS of the sample nearest `t` seconds into the load."""
        return min(self.samples.rss, key=lambda s: abs(s[0] - t))[1] if self.samples.rss else float("nan")

    @property
    def rss_end(self) -> float:
        return self.samples.rss[-1][1] if self.samples.rss else float("nan")

    def growth_per_min(self, warmup: float) -> float:
        """Least-squares slope of RSS after the warm-up, MB per minute."""
        points = [(t, m) for t, m in self.samples.rss if t >= warmup]
        if len(points) < 3:
            return float("nan")
        n = len(points)
        mt, mm = sum(t for t, _ in points) / n, sum(m for _, m in points) / n
        var = sum((t - mt) ** 2 for t, _ in points)
        return 60 * sum((t - mt) * (m - mm) for t, m in points) / var if var else float("nan")


async def load(
    kind: str, server: common.Server, clients: int, duration: float, turns: list[dict], result: RunResult
) -> None:
    loop = asyncio.get_running_loop()
    t_end = loop.time() + duration
    run_id = f"{kind}{int(time.time())}"
    timeout = aiohttp.ClientTimeout(total=30)
    headers = {"Content-Type": "application/json"}

    async def one(number: int) -> None:
        client = (
            Client(number, turns, run_id, position=number * 97)
            if kind == "mixed"
            else JunkClient(number, run_id, random.Random(number))
        )
        async with aiohttp.ClientSession(
            server.base_url, connector=aiohttp.TCPConnector(limit=1), timeout=timeout
        ) as http:
            while loop.time() < t_end:
                try:
                    async with http.post("/api/chat", data=client.next_body(), headers=headers) as response:
                        data = await response.read()
                        ok = response.status == 200 and b'"replies"' in data
                        error = None if ok else f"{response.status}: {data[:120]!r}"
                except (TimeoutError, aiohttp.ClientError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                if error is None:
                    result.requests += 1
                else:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(error)

    async def progress() -> None:
        started, last = loop.time(), 0
        while loop.time() < t_end:
            await asyncio.sleep(min(PROGRESS_EVERY, max(0.0, t_end - loop.time())))
            elapsed = loop.time() - started
            rss = result.samples.rss[-1][1] if result.samples.rss else float("nan")
            print(
                f"  {kind} {elapsed:5.0f}/{duration:.0f} s: {result.requests} answered "
                f"({(result.requests - last) / PROGRESS_EVERY:.0f}/s lately), {result.errors} errors; "
                f"WAL largest {result.samples.wal_max / 2**20:.1f} MB; RSS {rss:.0f} MB",
                flush=True,
            )
            last = result.requests

    await asyncio.gather(progress(), *(one(i) for i in range(clients)))


def one_run(kind: str, clients: int, duration: float, extra_env: dict[str, str]) -> RunResult:
    turns = script(5000) if kind == "mixed" else []
    result = RunResult(kind, duration)
    with tempfile.TemporaryDirectory(prefix="anju-sustained-") as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "anju.db"
        server = common.spawn_app(
            common.sqlite_url(tmp_path), common.PROJECT_ROOT / "var" / "cache", tmp_path / "server.log", **extra_env
        )
        try:
            common.wait_until_answering(server)
            result.rss_ready = rss_mb(server.process.pid)
            sampler = Sampler(server.process.pid, Path(f"{db}-wal"), time.monotonic())
            result.samples = sampler.samples
            sampler.start()
            try:
                asyncio.run(load(kind, server, clients, duration, turns, result))
            finally:
                sampler.stopping.set()
                sampler.join()
            result.db_bytes = file_size(db)
            result.wal_after = file_size(Path(f"{db}-wal"))
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                result.gap_rows = conn.execute("SELECT count(*) FROM unanswered_questions").fetchone()[0]
        finally:
            server.stop()
        if server.process.returncode not in (0, None):
            print(server.tail())
    return result


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


def run(clients: int, duration: float, warmup: float, only: str | None, record: bool, argv: list[str]) -> int:
    s = Settings()
    wal_limit = s.sqlite_wal_limit_mb * 2**20
    junk_env = {"ANJU_RETENTION_INTERVAL": "15"}  # the cap on unanswered questions applied during the run
    kinds = [only] if only else ["mixed", "junk"]
    load_before = os.getloadavg()[0]
    results: list[RunResult] = []
    for kind in kinds:
        print(f"{kind}: {clients} clients for {duration:g} s on a fresh SQLite file …", flush=True)
        results.append(one_run(kind, clients, duration, junk_env if kind == "junk" else {}))
    rows, verdicts = [], []
    for r in results:
        rate = r.requests / r.duration
        wal_bound = wal_limit + WAL_SLACK
        wal_ok = r.samples.wal_max <= wal_bound
        growth = r.growth_per_min(warmup)
        rss_ok = growth <= RSS_GROWTH_TARGET_MB_PER_MIN
        verdicts.append((r, wal_bound, wal_ok, growth, rss_ok))
        rows.append(
            [
                r.name,
                r.requests,
                f"{rate:.0f}",
                r.errors,
                _mb(r.samples.wal_max),
                f"{r.samples.wal_max_at:.0f} s",
                _mb(r.wal_after),
                _mb(r.db_bytes),
                f"{r.rss_ready:.0f}",
                f"{r.rss_at(warmup):.0f}",
                f"{r.rss_end:.0f}",
                f"{growth:+.1f}",
                r.gap_rows,
            ]
        )
    text = common.table(
        [
            "run",
            "answered",
            "req/s",
            "errors",
            "WAL largest",
            "at",
            "WAL after",
            "database",
            "RSS ready MB",
            f"RSS at {warmup:g} s",
            "RSS end",
            "RSS MB/min after warm-up",
            "gap rows",
        ],
        rows,
    )
    lines = []
    for r, bound, wal_ok, growth, rss_ok in verdicts:
        lines.append(
            f"{r.name}: WAL largest {_mb(r.samples.wal_max)} (bound {_mb(bound)}: "
            f"{common.verdict(wal_ok)}); RSS {r.rss_ready:.0f} → {r.rss_end:.0f} MB, "
            f"{growth:+.1f} MB/min after {warmup:g} s (target ≤ {RSS_GROWTH_TARGET_MB_PER_MIN:g}: "
            f"{common.verdict(rss_ok)})"
        )
    print(text)
    print("\n".join(lines))
    for r in results:
        for sample in r.error_samples:
            print(f"  {r.name} error: {sample}")
    if record:
        curve = "\n".join(
            f"- {r.name}: "
            + ", ".join(f"{t:.0f} s {m:.0f}" for t, m in r.samples.rss[:: max(1, len(r.samples.rss) // 12)])
            for r in results
        )
        body = (
            common.record_header(common.command_line("bench.sustained_load", argv))
            + f"- what: {clients} closed-loop clients (aiohttp, keep-alive) posting to `/api/chat` of `python -m bot "
            f"serve` for {duration:g} s per run, each run on a fresh SQLite file in a temp dir with the default "
            f"settings (ANJU_SQLITE_WAL_LIMIT_MB={s.sqlite_wal_limit_mb}, synchronous=FULL). mixed = the residents "
            "of bench.chat_throughput; junk = every message a unique random string (2–80 characters) in a new "
            "session every 12 messages (every one unanswered, with words never seen before; "
            "ANJU_RETENTION_INTERVAL=15 so that the cap on stored unanswered questions, ANJU_GAPS_MAX="
            f"{s.gaps_max}, applies during the run). WAL: the -wal file's size every 50 ms. RSS: VmRSS of the "
            "server process every second (ready = answering, before the load). WAL bound: the limit plus 16 MB "
            "(what is written between two looks of the checkpointer and during one truncating checkpoint)\n"
            + "".join(f"- result: {line}\n" for line in lines)
            + f"- load average at start: {load_before:.2f}\n"
            + "\n"
            + text
            + "\n\nRSS over the run (seconds into the load, MB):\n\n"
            + curve
            + "\n"
        )
        common.update_section(
            NAME if not only else f"{NAME}_{only}",
            "Sustained load (`bench.sustained_load`)" + (f", {only} only" if only else ""),
            body,
        )
    return 0 if all(v[2] for v in verdicts) else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.sustained_load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per run")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds after which RSS should stay flat")
    parser.add_argument("--only", choices=["mixed", "junk"], help="one of the two runs")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    return run(args.clients, args.duration, args.warmup, args.only, not args.no_record, argv)


if __name__ == "__main__":
    raise SystemExit(main())
