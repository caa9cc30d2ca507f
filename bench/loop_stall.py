"""The event loop while staff search and export 200,000 cases on SQLite, and `/api/chat` at 32 clients meanwhile.

    .venv/bin/python -m bench.loop_stall [--cases 200000] [--clients 32] [--duration 30] [--baseline REV] [--no-record]

A SQLite file is seeded once: the real schema (migrations), routing.yaml's departments and staff (bench.cases_seed),
residents and `--cases` generated cases (bench.cases_seed.CaseGenerator; their event history is left out, no page
measured here reads it). Each tree measured (this one; with `--baseline REV` first the tree of commit REV,
exported with `git archive`) serves a fresh copy of it: the real app, as `python -m bot serve` builds it, with two
probes added on its event loop — a ticker task that sleeps 5 ms and records how late it wakes (the loop's stall as a
request waiting on it would see it), and the wall and CPU time of every callback the loop runs (one step of one
task: the most CPU time one took is the longest the app held the loop, which the machine's other load cannot
lengthen — on a shared machine the ticker's lateness also counts the time other processes had the CPU).

Every tree's server runs throughout; the trees take turns in `--rounds` rounds, so that each meets the same
background load of a shared machine. Two phases per tree and round, on the same app: `quiet` — only the chat
clients (bench.chat_throughput's residents and
bodies); `staff` — the same clients while a supervisor, logged in through /staff/login, pages through searches of
every case (`/staff?status=all&q=…`: a common word, a rare one, a street, one found nowhere — each a `LIKE` over
all cases) one after the other, and a second supervisor session downloads `/staff/export.xlsx?status=all` (the
first 10,000 of all cases) again and again.

Target (issue 11 point 4): in the staff phase the loop never stalls more than 20 ms and /api/chat p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

NAME = "loop_stall"
TARGET_STALL_MS = 20.0
TARGET_P99_MS = 50.0
TICK = 0.005
PROBE_PATH = "/__bench/loop"
SEARCHES = ("漏水", "补偿款", "幸福路", "AJ-0000")  # common, less common, a street, nowhere
SUPERVISORS = ("dudao.01", "dudao.02")
SEED = 20261201
# experiments only (a run with either set is printed, never recorded): a file the collector's generation sizes are
# appended to at each older-generation collection; the collector's thresholds "young,older,oldest" after start-up
GC_SIZES_ENV, GC_THRESHOLDS_ENV = "ANJU_BENCH_GC_SIZES", "ANJU_BENCH_GC_THRESHOLDS"


# ---------------------------------------------------------------- the server side (runs in the tree measured)


def serve(port: int) -> None:
    """`python -m bot serve` as bot/cli.py builds it (access log off, as by default), with the loop probes; only
    `bot` imports (any tree's)."""
    import asyncio.events

    from aiohttp import web

    from bot.app import create_app
    from bot.settings import Settings
    from bot.web.server import run_server

    slow: list[tuple[float, str]] = []  # CPU ≥ 10 ms: where the task stopped after that step
    # (wall, CPU of the loop's thread, a staff page's?) of callbacks ≥ 1 ms, seconds
    callbacks: list[tuple[float, float, bool]] = []
    counted = [0]
    waited: list[tuple[float, float, str]] = []  # callbacks of ≥ 50 ms wall: (wall, CPU, where)
    collections: list[tuple[float, float, int]] = []  # garbage collections: (wall, CPU of its thread, generation)
    gc_started = [0.0, 0.0]
    gc_total = [0.0]  # the wall time of every collection so far, whichever thread ran it

    def collecting(phase: str, info: dict) -> None:
        if phase == "start":
            if (sizes_log := os.environ.get(GC_SIZES_ENV)) and info["generation"] > 0:
                sizes = [len(gc.get_objects(g)) for g in range(info["generation"] + 1)]
                with open(sizes_log, "a") as out:
                    print(f"{time.time():.1f} GC {info['generation']} of {sizes} objects", file=out)
            gc_started[:] = time.perf_counter(), time.thread_time()
        else:
            wall, cpu = time.perf_counter() - gc_started[0], time.thread_time() - gc_started[1]
            collections.append((wall, cpu, info["generation"]))
            gc_total[0] += wall

    import gc

    gc.callbacks.append(collecting)
    ticks: list[float] = []  # lateness of each tick, seconds
    # ticks ≥ 10 ms late: (lateness, CPU of the loop's thread, its wait for a CPU, collections' wall), seconds
    late_ticks: list[tuple[float, float, float, float]] = []
    original = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            original(handle)
        finally:
            took = time.perf_counter() - t0
            counted[0] += 1
            if took >= 0.001:
                cpu = time.thread_time() - c0
                where, staff = _where(handle)
                callbacks.append((took, cpu, staff))
                if cpu >= 0.010 and len(slow) < 200:
                    slow.append((cpu, where))
                if took >= 0.050 and len(waited) < 200:
                    waited.append((took, cpu, where))

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]

    async def ticker(_app: web.Application) -> Any:
        loop = asyncio.get_running_loop()

        runqueue = _runqueue_wait()

        async def tick() -> None:
            while True:
                t0, c0, q0, g0 = loop.time(), time.thread_time(), runqueue(), gc_total[0]
                await asyncio.sleep(TICK)
                late = loop.time() - t0 - TICK
                ticks.append(late)
                if late >= 0.010 and len(late_ticks) < 2000:
                    late_ticks.append((late, time.thread_time() - c0, runqueue() - q0, gc_total[0] - g0))

        task = asyncio.create_task(tick())
        yield
        task.cancel()

    async def probe(_request: web.Request) -> web.Response:
        """The ticks and long callbacks since the last call, which starts a new window."""
        body = {
            "ticks": list(ticks),
            "callbacks": list(callbacks),
            "counted": counted[0],
            "slow": list(slow),
            "gc": list(collections),
            "waited": list(waited),
            "late": list(late_ticks),
        }
        late_ticks.clear()
        collections.clear()
        waited.clear()
        ticks.clear()
        callbacks.clear()
        slow.clear()
        counted[0] = 0
        return web.json_response(body)

    from bot.cli import _settle_heap

    app = create_app(Settings.from_env())
    app.on_startup.append(_settle_heap)  # as `serve` does: the knowledge index out of the collector's view
    if thresholds := os.environ.get(GC_THRESHOLDS_ENV):  # an experiment: other thresholds after start-up's

        async def thresholds_set(_app: web.Application) -> None:
            gc.set_threshold(*map(int, thresholds.split(",")))

        app.on_startup.append(thresholds_set)
    app.cleanup_ctx.append(ticker)
    app.router.add_post(PROBE_PATH, probe)
    run_server(app, "127.0.0.1", port, access_log=None)


def _runqueue_wait() -> Any:
    """A reader of how long the calling thread has waited for a CPU while runnable (seconds, Linux's schedstat),
    or of 0.0 where there is none."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return lambda: 0.0
    return lambda: int(os.pread(fd, 80, 0).split()[1]) / 1e9


def _where(handle: Any) -> tuple[str, bool]:
    """The coroutines of the task whose step a callback ran, down to the line it awaits at now; and whether it is a
    staff page's (bot/staff/ among them)."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    if coro is None:
        return repr(handle)[:160], False
    names, inner, staff = [], coro, False
    while inner is not None and len(names) < 16:
        frame = getattr(inner, "cr_frame", None) or getattr(inner, "gi_frame", None)
        if frame is not None:
            names.append(f"{frame.f_code.co_qualname}:{frame.f_lineno}")
            staff = staff or f"{os.sep}bot{os.sep}staff{os.sep}" in frame.f_code.co_filename
        inner = getattr(inner, "cr_await", None) or getattr(inner, "gi_yieldfrom", None)
    return " > ".join(names), staff


# ---------------------------------------------------------------- seeding


def _sqlite_value(value: Any) -> Any:
    """A generated value as SQLAlchemy stores it on SQLite (bot/db/types.py UtcDateTime: UTC text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


def seed(path: Path, n_cases: int, seed_value: int) -> dict[str, Any]:
    """The schema, departments and staff through the project's code; residents and cases with sqlite3."""
    from bench.cases_seed import (
        CASE_COLUMNS,
        RESIDENT_COLUMNS,
        CaseGenerator,
        seed_people,
    )
    from bot.cases.deadlines import DeadlinePolicy
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.settings import DEFAULT_KNOWLEDGE_DIR
    from knowledge.params import load_params

    params = load_params(DEFAULT_KNOWLEDGE_DIR)
    now = datetime.now(UTC)

    async def people() -> Any:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine)
            return await seed_people(engine, params, now)
        finally:
            await engine.dispose()

    t0 = time.perf_counter()
    world = asyncio.run(people())
    gen = CaseGenerator(world, DeadlinePolicy.from_params(params), now, seed_value, n_cases)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO residents ({', '.join(RESIDENT_COLUMNS)}) VALUES ({', '.join('?' * len(RESIDENT_COLUMNS))})",
            ([_sqlite_value(v) for v in row] for row in gen.residents()),
        )
        insert = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
        done = 0
        for case_rows, _events in gen.chunks(20_000):
            conn.executemany(insert, ([_sqlite_value(v) for v in row] for row in case_rows))
            done += len(case_rows)
            print(f"  cases: {done:,} / {n_cases:,}  {time.perf_counter() - t0:.0f} s", flush=True)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
    finally:
        conn.close()
    return {"cases": done, "seconds": time.perf_counter() - t0, "size_mb": size / 2**20}


# ---------------------------------------------------------------- one tree under load


@dataclass
class Phase:
    name: str
    chat_ms: list[float]
    chat_seconds: float
    chat_errors: int
    ticks_ms: list[float]
    callbacks_ms: list[tuple[float, float, bool]]  # (wall, CPU, a staff page's?)
    callbacks_counted: int
    staff: dict[str, list[float]] = field(default_factory=dict)  # kind → latencies, ms
    staff_errors: list[str] = field(default_factory=list)
    slow: list[tuple[float, str]] = field(default_factory=list)
    gc_ms: list[tuple[float, float, int]] = field(default_factory=list)  # (wall, CPU, generation)
    waited: list[tuple[float, float, str]] = field(default_factory=list)  # callbacks ≥ 50 ms wall: (wall, CPU, where)
    late: list[tuple[float, float, float, float]] = field(default_factory=list)  # late ticks (see serve), ms

    def add(self, other: Phase) -> Phase:
        """This and another round of the same tree and phase together."""
        return Phase(
            self.name,
            self.chat_ms + other.chat_ms,
            self.chat_seconds + other.chat_seconds,
            self.chat_errors + other.chat_errors,
            self.ticks_ms + other.ticks_ms,
            self.callbacks_ms + other.callbacks_ms,
            self.callbacks_counted + other.callbacks_counted,
            {k: self.staff.get(k, []) + other.staff.get(k, []) for k in {*self.staff, *other.staff}},
            self.staff_errors + other.staff_errors,
            self.slow + other.slow,
            self.gc_ms + other.gc_ms,
            self.waited + other.waited,
            self.late + other.late,
        )

    def chat(self, p: float) -> float:
        from bench import common

        return common.percentile(sorted(self.chat_ms), p)

    @property
    def chat_rps(self) -> float:
        return len(self.chat_ms) / self.chat_seconds if self.chat_seconds else 0.0

    def stall(self, p: float) -> float:
        from bench import common

        return common.percentile(sorted(self.ticks_ms), p)

    @property
    def longest_callback(self) -> float:
        """The most CPU time the loop's thread spent in one callback (the machine's other load cannot add to it)."""
        return max((cpu for _wall, cpu, _staff in self.callbacks_ms), default=0.0)

    @property
    def longest_staff_callback(self) -> float:
        """The same for a step of a staff page's request (searches, lists, exports: where their statements run)."""
        return max((cpu for _wall, cpu, staff in self.callbacks_ms if staff), default=0.0)


async def _login(http: Any, username: str) -> None:
    from bench.cases_seed import STAFF_PASSWORD

    async with http.get("/staff/login") as response:
        page = await response.text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None, page[:300]
    async with http.post(
        "/staff/login",
        data={"username": username, "password": STAFF_PASSWORD, "csrf": token.group(1), "next": "/staff"},
        allow_redirects=False,
    ) as response:
        if response.status != 303:
            raise RuntimeError(f"login of {username}: {response.status}")


async def _probe(base_url: str) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession(base_url) as http, http.post(PROBE_PATH) as response:
        return await response.json()


async def _phase(
    name: str, base_url: str, pid: int, turns: list[dict], clients: int, warmup: float, duration: float, staff: bool
) -> Phase:
    import aiohttp

    from bench.chat_throughput import drive

    stop = asyncio.Event()
    latencies: dict[str, list[float]] = {"search": [], "xlsx": []}
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=300)

    async def worker(username: str, kind: str) -> None:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base_url, cookie_jar=jar, timeout=timeout) as http:
            await _login(http, username)
            n = 0
            while not stop.is_set():
                if kind == "search":
                    path = f"/staff?status=all&q={SEARCHES[n % len(SEARCHES)]}&page={1 + (n // len(SEARCHES)) % 3}"
                else:
                    path = "/staff/export.xlsx?status=all"
                n += 1
                t0 = time.perf_counter()
                async with http.get(path) as response:
                    body = await response.read()
                if response.status != 200 or (kind == "xlsx" and not body.startswith(b"PK")):
                    errors.append(f"{path}: {response.status} {body[:80]!r}")
                    await asyncio.sleep(0.5)
                    continue
                latencies[kind].append((time.perf_counter() - t0) * 1000)

    workers = (
        [asyncio.create_task(worker(SUPERVISORS[0], "search")), asyncio.create_task(worker(SUPERVISORS[1], "xlsx"))]
        if staff
        else []
    )
    chat = asyncio.create_task(drive("app", base_url, pid, turns, clients, warmup, duration))
    await asyncio.sleep(warmup)  # chat and staff work under way (an export takes seconds) before the window opens
    await _probe(base_url)  # a new window
    result = await chat
    window = await _probe(base_url)
    stop.set()  # the requests under way finish (a server goes on with one its client left), then the next phase
    if workers:
        await asyncio.wait(workers, timeout=180)
    with contextlib.suppress(asyncio.CancelledError):
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return Phase(
        name,
        result.latencies_ms,
        result.duration,
        result.errors,
        [t * 1000 for t in window["ticks"]],
        [(w * 1000, c * 1000, staff) for w, c, staff in window["callbacks"]],
        window["counted"],
        latencies,
        errors,
        [(c * 1000, w) for c, w in window.get("slow", [])],
        [(w * 1000, c * 1000, g) for w, c, g in window.get("gc", [])],
        [(w * 1000, c * 1000, where) for w, c, where in window.get("waited", [])],
        [(late * 1000, c * 1000, q * 1000, g * 1000) for late, c, q, g in window.get("late", [])],
    )


def _tree(rev: str | None, tmp: Path) -> Path:
    """The project root of `rev` (exported with git archive), or this tree."""
    from bench import common

    if rev is None:
        return common.PROJECT_ROOT
    root = tmp / f"tree-{rev}"
    root.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=common.PROJECT_ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive.stdout)) as tar:
        tar.extractall(root, filter="data")
    return root


def start_server(label: str, tree: Path, template: Path, tmp: Path) -> Any:
    """The instrumented app of `tree` on a fresh copy of the seeded file."""
    from bench import common

    work = tmp / f"db-{label}"
    work.mkdir()
    db = work / "anju.db"
    shutil.copy(template, db)
    port = common.free_port()
    env = common.app_env(f"sqlite+aiosqlite:///{db}", common.PROJECT_ROOT / "var" / "cache")
    env["PYTHONPATH"] = os.pathsep.join([str(tree), env["PYTHONPATH"]])
    with open(work / "server.log", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = common.Server(process, port, work / "server.log")
    common.wait_until_answering(server, timeout=120)
    return server


def measure(
    servers: list[tuple[str, Any]], turns: list[dict], clients: int, warmup: float, duration: float, rounds: int
) -> list[tuple[str, list[Phase]]]:
    """Each tree's quiet and staff phases, the trees taking turns in `rounds` rounds (the same background load)."""
    results: dict[str, list[Phase]] = {}
    for round_no in range(rounds):
        for label, server in servers:
            for name, staff in (("quiet", False), ("staff", True)):
                print(f"  round {round_no + 1}/{rounds}, {label}: {name}, {duration / rounds:g} s", flush=True)
                phase = asyncio.run(
                    _phase(name, server.base_url, server.process.pid, turns, clients, warmup, duration / rounds, staff)
                )
                found = results.setdefault(label, [])
                index = 0 if name == "quiet" else 1
                if len(found) <= index:
                    found.append(phase)
                else:
                    found[index] = found[index].add(phase)
    return list(results.items())


# ---------------------------------------------------------------- the run


HEADERS = [
    "tree",
    "phase",
    "stall max ms",
    "stall p99 ms",
    "stall p99.9 ms",
    "longest callback CPU ms",
    "longest staff-page callback CPU ms",
    "callbacks ≥ 20 ms CPU (staff pages')",
    "longest GC ms",
    "longest GC CPU ms (generation)",
    "chat req/s",
    "chat p50 ms",
    "chat p99 ms",
    "chat errors",
    "searches (p50 ms)",
    "exports (p50 ms)",
]


def _rows(label: str, phases: list[Phase]) -> list[list[object]]:
    from bench import common

    rows = []
    for p in phases:
        searches, exports = (sorted(p.staff.get(k, [])) for k in ("search", "xlsx"))
        long_ones = sum(1 for _w, c, _s in p.callbacks_ms if c >= TARGET_STALL_MS)
        long_staff = sum(1 for _w, c, s in p.callbacks_ms if c >= TARGET_STALL_MS and s)
        rows.append(
            [
                label,
                p.name,
                f"{max(p.ticks_ms, default=0):.1f}",
                f"{p.stall(99):.1f}",
                f"{p.stall(99.9):.1f}",
                f"{p.longest_callback:.1f}",
                f"{p.longest_staff_callback:.1f}",
                f"{long_ones} ({long_staff})",
                f"{max((w for w, _c, _g in p.gc_ms), default=0):.1f}",
                _longest_gc_cpu(p),
                f"{p.chat_rps:.0f}",
                f"{p.chat(50):.1f}",
                f"{p.chat(99):.1f}",
                p.chat_errors,
                f"{len(searches)} ({common.percentile(searches, 50):.0f})" if searches else "–",
                f"{len(exports)} ({common.percentile(exports, 50):.0f})" if exports else "–",
            ]
        )
    return rows


def _longest_gc_cpu(phase: Phase) -> str:
    cpu, generation = max(((c, g) for _w, c, g in phase.gc_ms), default=(0.0, None))
    return f"{cpu:.1f} ({generation})" if generation is not None else "–"


def _late_tick(tick: tuple[float, float, float, float]) -> str:
    """What the loop's thread did while a tick was late: ran (callbacks, collections), waited for a CPU (the
    operating system ran other threads), or neither (waited for the interpreter's lock, or slept)."""
    late, cpu, queued, collecting = tick
    rest = max(0.0, TICK * 1000 + late - cpu - queued)
    return (
        f"{late:.1f} ms late: the loop's thread ran {cpu:.1f} ms (collections {collecting:.1f} ms), waited for a CPU "
        f"{queued:.1f} ms, for the GIL or nothing {rest:.1f} ms"
    )


def _top(phase: Phase) -> str:
    """Where the phase's longest callbacks stopped (the code they ran leads there), most CPU first."""
    counts: dict[str, tuple[int, float]] = {}
    for cpu, where in phase.slow:
        frames = [
            f
            for f in where.split(" > ")
            if f
            and not any(
                generic in f for generic in ("RequestHandler.", "Application._handle", "_fix_request", "middleware")
            )
        ]
        head = " > ".join(frames[:3]) or "(a task that finished in that step)"
        n, most = counts.get(head, (0, 0.0))
        counts[head] = (n + 1, max(most, cpu))
    ranked = sorted(counts.items(), key=lambda kv: -kv[1][1])[:2]
    return "; ".join(f"`{head}` ({n} ≥ 10 ms, up to {most:.1f} ms)" for head, (n, most) in ranked)


def run(args: argparse.Namespace, argv: list[str]) -> int:
    from bench import common
    from bench.chat_throughput import script

    print(f"machine: {common.machine_line()}")
    turns = script(5000)
    with tempfile.TemporaryDirectory(prefix="anju-loopstall-") as tmp_name:
        tmp = Path(tmp_name)
        template = args.seeded or tmp / "template.db"
        if args.seeded is not None and args.seeded.exists():
            with contextlib.closing(sqlite3.connect(args.seeded)) as conn:
                n = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            seeded = {"cases": n, "seconds": 0.0, "size_mb": args.seeded.stat().st_size / 2**20}
            print(f"== {n:,} cases seeded before, in {args.seeded} ==", flush=True)
        else:
            print(f"== seeding {args.cases:,} cases ==", flush=True)
            seeded = seed(template, args.cases, args.seed)
            print(f"  {seeded['cases']:,} cases, {seeded['size_mb']:.0f} MB, {seeded['seconds']:.0f} s", flush=True)
        load_before = os.getloadavg()
        trees = [(rev, rev) for rev in (args.baseline or "").split(",") if rev] + [("this tree", None)]
        servers: list[tuple[str, Any]] = []
        try:
            for label, rev in trees:
                servers.append((label, start_server(label.replace(" ", "-"), _tree(rev, tmp), template, tmp)))
            results = measure(servers, turns, args.clients, args.warmup, args.duration, args.rounds)
        finally:
            for _label, server in servers:
                server.stop()
        load_after = os.getloadavg()
    rows = [row for label, phases in results for row in _rows(label, phases)]
    text = common.table(HEADERS, rows)
    mine = results[-1][1][-1]
    stall_ok = max(mine.ticks_ms, default=0) <= TARGET_STALL_MS
    held_ok = mine.longest_staff_callback <= TARGET_STALL_MS
    p99_ok = mine.chat(99) <= TARGET_P99_MS
    result_line = (
        f"staff phase, this tree: loop stall max {max(mine.ticks_ms, default=0):.1f} ms (target ≤ "
        f"{TARGET_STALL_MS:.0f} ms: {common.verdict(stall_ok)}); the longest a staff page held the loop "
        f"{mine.longest_staff_callback:.1f} ms of CPU ({common.verdict(held_ok)}; any callback: "
        f"{mine.longest_callback:.1f} ms); /api/chat p99 {mine.chat(99):.1f} ms (target ≤ "
        f"{TARGET_P99_MS:.0f} ms: {common.verdict(p99_ok)}); load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after"
    )
    print(text)
    print(result_line)
    for label, phases in results:
        for p in phases:
            for error in p.staff_errors[:3]:
                print(f"  {label} {p.name} staff error: {error}")
            if args.verbose:
                for cpu, where in sorted(p.slow, reverse=True)[:8]:
                    print(f"  {label} {p.name} {cpu:.1f} ms CPU: {where}")
                for wall, cpu, where in sorted(p.waited, reverse=True)[:4]:
                    print(f"  {label} {p.name} {wall:.1f} ms wall ({cpu:.1f} ms CPU): {where}")
                for wall, cpu, generation in sorted(p.gc_ms, key=lambda g: -g[1])[:3]:
                    print(f"  {label} {p.name} GC of generation {generation}: {cpu:.1f} ms CPU, {wall:.1f} ms wall")
                for tick in sorted(p.late, reverse=True)[:6]:
                    print(f"  {label} {p.name} tick {_late_tick(tick)}")
    experiment = [name for name in (GC_SIZES_ENV, GC_THRESHOLDS_ENV) if os.environ.get(name)]
    if experiment:
        print(f"not recorded: an experiment ({', '.join(experiment)} set)")
    if not args.no_record and not experiment:
        body = (
            common.record_header(common.command_line("bench.loop_stall", argv))
            + f"- what: {seeded['cases']:,} generated cases on SQLite ({seeded['size_mb']:.0f} MB; "
            "bench.cases_seed's generator, without their event history), the real app with two probes on its event "
            f"loop: a {TICK * 1000:g} ms ticker task (stall = how late it woke) and the CPU time of the loop's thread in "
            "every callback the loop ran (a staff page's: a step of a request task with bot/staff/ code in its "
            f"stack). Per tree: `quiet` = {args.clients} chat clients (bench.chat_throughput's) for "
            f"{args.duration:g} s; `staff` = the same while one supervisor pages through searches of all cases "
            f"({', '.join(SEARCHES)}: each a LIKE over every case) and another downloads /staff/export.xlsx?status=all "
            f"(10,000 rows) over and over ({args.warmup:g} s head start before the window; the requests under way at its "
            "end are waited for before the next phase, and counted)"
            + (
                f"; `{args.baseline}` measured in the same run, each tree on a copy of the same file, the trees "
                f"taking turns in {args.rounds} rounds"
                if args.baseline
                else ""
            )
            + "\n"
            f"- result: {result_line}\n"
            "- note: the ticker's lateness includes the time the operating system gave the CPU to other processes "
            "(2 shared cores); the longest callback's CPU time (of the loop's thread) is the longest the app itself held "
            "the loop, whatever else ran on the machine; a garbage collection (longest GC: wall, and CPU of the thread "
            "it ran in, with its generation: 2 is a full collection) stops the whole process, whichever thread it "
            "runs in; the loop's callbacks' CPU includes the collections run in them\n"
            + "".join(
                f"- note: {label}, {p.name} phase: the longest callbacks ran {_top(p)}\n"
                for label, phases in results
                for p in phases
                if p.slow
            )
            + "".join(
                f"- note: {label}, {p.name} phase, the three latest ticks: "
                + "; ".join(_late_tick(t) for t in sorted(p.late, reverse=True)[:3])
                + "\n"
                for label, phases in results
                for p in phases
                if p.late
            )
            + "\n"
            + text
            + "\n"
        )
        common.update_section(NAME, "Event loop under staff searches and exports on SQLite (`bench.loop_stall`)", body)
    return 0 if stall_ok and p99_ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.loop_stall", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase and tree")
    parser.add_argument("--rounds", type=int, default=3, help="the trees take turns in this many rounds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of staff work before each window")
    parser.add_argument(
        "--baseline", metavar="REV", help="measure the tree of commit REV first, in the same run (REV,REV…: several)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--seeded", type=Path, help="the seeded file: made there if missing, else used as it is")
    parser.add_argument("--verbose", action="store_true", help="print where the longest callbacks were")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    return run(args, argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.path[0] = os.getcwd()  # run as a file in the root of the tree measured: its `bot`, not bench/'s neighbours
    sys.exit(main())
