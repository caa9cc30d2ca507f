"""`POST /api/chat` under 32 concurrent clients, beside a bare aiohttp JSON echo driven the same way in the same run.

    .venv/bin/python -m bench.chat_throughput [--clients 32] [--duration 20] [--warmup 3] [--no-record]
    .venv/bin/python -m bench.chat_throughput --database-url postgresql://user@127.0.0.1:5432/anju_bench
    .venv/bin/python -m bench.chat_throughput --database-url postgresql://… --workers 2   # `serve --workers 2`
    .venv/bin/python -m bench.chat_throughput --profile    # the app under cProfile: where a request's time goes

Both servers are subprocesses (`python -m bench.echo_server`, `python -m bot serve` on a fresh SQLite file in a
temp dir, or on `--database-url`). One load generator drives each in turn: N clients, each its own aiohttp
ClientSession with one keep-alive connection, posting as fast as answers come back (closed loop). The bodies are
the same for both servers: residents (a new session every few turns, opened with the start message) typing the
generated question mix of bench.queries, tapping topic / 有用 / 没用 / menu buttons, every message with its own id.
Echo and app take turns in a few short rounds so that both meet the same background load (on a shared machine);
requests started during the warm-ups are not counted.

Targets (issue 2): app ≥ 25 % of the echo's requests/s, app p99 ≤ 25 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench import common
from bench.queries import generate
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from knowledge.base import load_knowledge

NAME = "chat_throughput"
TARGET_RATIO = 0.25
TARGET_P99_MS = 25.0
TURNS_PER_SESSION = 12
ROUND_WARMUP = 0.5  # seconds not counted at the start of every round after the first (new connections)
SEED = 20260915


# ---------------------------------------------------------------- what residents send


def script(n_turns: int, seed: int = SEED) -> list[dict]:
    """Message bodies without session and id: typed questions (generated mix) and button taps."""
    s = Settings()
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, common.PROJECT_ROOT / "var" / "cache", s.match_threshold, s.match_margin)
    questions = [q.text for q in generate(kb, DEFAULT_KNOWLEDGE_DIR, n_turns, seed)]
    topics = sorted(e.id for e in kb.topics)
    rng = random.Random(seed)
    turns: list[dict] = []
    for text in questions:
        r = rng.random()
        if r < 0.12:
            turns.append({"button": f"topic:{rng.choice(topics)}"})
        elif r < 0.17:
            turns.append({"button": f"fb:1:{rng.choice(topics)}"})
        elif r < 0.20:
            turns.append({"button": f"fb:0:{rng.choice(topics)}"})
        elif r < 0.25:
            turns.append({"button": rng.choice(["menu:ask", "menu"])})
        else:
            turns.append({"text": text})
    return turns


@dataclass
class Client:
    """One resident after another on one keep-alive connection."""

    number: int
    turns: list[dict]
    run_id: str
    position: int = 0
    resident: int = 0
    in_session: int = TURNS_PER_SESSION

    def next_body(self) -> bytes:
        if self.in_session >= TURNS_PER_SESSION:
            self.resident += 1
            self.in_session = 0
            body: dict = {"text": "", "start": True}
        else:
            body = dict(self.turns[self.position % len(self.turns)])
            self.position += 1
        self.in_session += 1
        body["session"] = f"bench-{self.run_id}-{self.number}-{self.resident}"
        body["id"] = f"m{self.position}-{self.in_session}"
        return json.dumps(body, ensure_ascii=False).encode()


# ---------------------------------------------------------------- the load generator


@dataclass
class LoadResult:
    name: str
    duration: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    server_cpu: float = float("nan")  # share of one core during the measured window
    generator_cpu: float = float("nan")
    database_cpu: float = float("nan")  # the PostgreSQL backends of the app's database, share of one core

    def cpu_ms(self, share: float) -> float:
        """Milliseconds of CPU per request at `share` of a core."""
        return share * self.duration * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.duration

    def pct(self, p: float) -> float:
        return common.percentile(sorted(self.latencies_ms), p)

    def add(self, other: LoadResult) -> LoadResult:
        """This and another round of the same server together."""
        total = self.duration + other.duration
        return LoadResult(
            self.name,
            total,
            self.latencies_ms + other.latencies_ms,
            self.errors + other.errors,
            (self.error_samples + other.error_samples)[:5],
            (self.server_cpu * self.duration + other.server_cpu * other.duration) / total,
            (self.generator_cpu * self.duration + other.generator_cpu * other.duration) / total,
            (self.database_cpu * self.duration + other.database_cpu * other.duration) / total,
        )


async def drive(
    name: str,
    base_url: str,
    server_pid: int,
    turns: list[dict],
    clients: int,
    warmup: float,
    duration: float,
    round_no: int = 0,
    database: common.PostgresBackends | None = None,
) -> LoadResult:
    """`clients` closed-loop clients for warmup + duration seconds; requests started after the warm-up count."""
    result = LoadResult(name, duration)
    loop = asyncio.get_running_loop()
    t_start = loop.time()
    t_measure, t_end = t_start + warmup, t_start + warmup + duration
    run_id = f"{name}{int(time.time())}r{round_no}"
    timeout = aiohttp.ClientTimeout(total=30)
    headers = {"Content-Type": "application/json"}

    async def one(number: int) -> None:
        client = Client(number, turns, run_id, position=number * 97 + round_no * 31)
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as http:
            while (started := loop.time()) < t_end:
                body = client.next_body()
                t0 = time.perf_counter()
                error = None
                try:
                    async with http.post("/api/chat", data=body, headers=headers) as response:
                        data = await response.read()
                        if response.status != 200 or b'"replies"' not in data:
                            error = f"{response.status}: {data[:120]!r}"
                except (TimeoutError, aiohttp.ClientError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                elapsed = (time.perf_counter() - t0) * 1000
                if started < t_measure:
                    continue
                if error is None:
                    result.latencies_ms.append(elapsed)
                else:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(error)

    async def meter() -> None:
        await asyncio.sleep(max(0.0, t_measure - loop.time()))
        if database is not None:
            await database.start()
        server0, gen0, wall0 = common.process_cpu_seconds(server_pid), time.process_time(), time.monotonic()
        await asyncio.sleep(max(0.0, t_end - loop.time()))
        wall = time.monotonic() - wall0
        result.server_cpu = (common.process_cpu_seconds(server_pid) - server0) / wall
        result.generator_cpu = (time.process_time() - gen0) / wall
        if database is not None:
            result.database_cpu = await database.seconds() / wall

    await asyncio.gather(meter(), *(one(i) for i in range(clients)))
    return result


def _ready(server: common.Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.tail()}")
        try:
            status, _ = common.post_json(server.port, "/api/chat", {"session": "ready", "text": "搬迁费怎么算"})
        except OSError:
            time.sleep(0.02)
            continue
        if status == 200:
            return
        raise RuntimeError(f"server answered {status}")
    raise TimeoutError(server.tail())


# ---------------------------------------------------------------- the run


def run(
    clients: int,
    duration: float,
    warmup: float,
    database_url: str | None,
    record: bool,
    argv: list[str],
    rounds: int = 4,
    workers: int = 1,
) -> dict[str, object]:
    turns = script(5000)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="anju-throughput-") as tmp:
        tmp_path = Path(tmp)
        port = common.free_port()
        echo = common.spawn(
            ["-m", "bench.echo_server", "--port", str(port)], common.app_env("", tmp_path), port, tmp_path / "echo.log"
        )
        if workers > 1:
            app_port = common.free_port()
            app = common.spawn(
                ["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(app_port), "--workers", str(workers)],
                common.app_env(database_url or "", common.PROJECT_ROOT / "var" / "cache"),
                app_port,
                tmp_path / "app.log",
            )
        else:
            app = common.spawn_app(
                database_url or common.sqlite_url(tmp_path), common.PROJECT_ROOT / "var" / "cache", tmp_path / "app.log"
            )
        try:
            _ready(echo)
            _ready(app)
            # echo and app take turns in short rounds, so that both meet the same background load of a shared machine
            results: list[LoadResult | None] = [None, None]
            on_postgres = bool(database_url) and database_url.startswith("postgres")
            backends = common.PostgresBackends(database_url) if on_postgres else None  # type: ignore[arg-type]
            for round_no in range(rounds):
                for i, (name, server) in enumerate((("echo", echo), ("app", app))):
                    r = asyncio.run(
                        drive(
                            name,
                            server.base_url,
                            server.process.pid,
                            turns,
                            clients,
                            warmup if round_no == 0 else ROUND_WARMUP,
                            duration / rounds,
                            round_no,
                            backends if name == "app" else None,
                        )
                    )
                    results[i] = r if results[i] is None else results[i].add(r)
        finally:
            echo.stop()
            app.stop()
    echo_r, app_r = results
    assert echo_r is not None and app_r is not None
    ratio = app_r.rps / echo_r.rps if echo_r.rps else float("nan")
    ratio_ok, p99_ok = ratio >= TARGET_RATIO, app_r.pct(99) <= TARGET_P99_MS
    backend = "PostgreSQL" if database_url and "postgres" in database_url else "SQLite (fresh file in a temp dir)"
    rows = [
        [
            r.name if r.name == "echo" else f"app ({backend.split()[0]})",
            len(r.latencies_ms),
            f"{r.rps:.0f}",
            f"{r.pct(50):.1f}",
            f"{r.pct(90):.1f}",
            f"{r.pct(99):.1f}",
            f"{max(r.latencies_ms, default=0):.1f}",
            r.errors,
            f"{r.server_cpu:.0%}",
            f"{r.cpu_ms(r.server_cpu):.2f}",
            "" if math.isnan(r.database_cpu) else f"{r.cpu_ms(r.database_cpu):.2f}",
            f"{r.generator_cpu:.0%}",
        ]
        for r in results
    ]
    text = common.table(
        [
            "server",
            "requests",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "errors",
            "server CPU",
            "server CPU ms/req",
            "PostgreSQL CPU ms/req",
            "generator CPU",
        ],
        rows,
    )
    result_line = (
        f"app {app_r.rps:.0f} req/s = {ratio:.0%} of echo's {echo_r.rps:.0f} (target ≥ "
        f"{TARGET_RATIO:.0%}: {common.verdict(ratio_ok)}); app p99 {app_r.pct(99):.1f} ms (target ≤ "
        f"{TARGET_P99_MS:.0f} ms: {common.verdict(p99_ok)}); errors: echo {echo_r.errors}, app "
        f"{app_r.errors}; load average at start {load_before:.2f}"
    )
    notes = []
    if echo_r.generator_cpu > 0.7:
        notes.append(
            f"the load generator itself used {echo_r.generator_cpu:.0%} of a core against the echo "
            f"(machine: {common.machine()['nproc']} CPUs for generator and server): the echo's rate is "
            "partly the generator's limit, so the ratio flatters the app rather than the echo"
        )
    print(text)
    print(result_line)
    for note in notes:
        print("note: " + note)
    for r in results:
        for sample in r.error_samples:
            print(f"  {r.name} error: {sample}")
    if record:
        body = (
            common.record_header(common.command_line("bench.chat_throughput", argv))
            + f"- what: {clients} concurrent closed-loop clients (aiohttp ClientSession each, keep-alive), "
            f"{duration:g} s measured per server, against a bare aiohttp JSON echo (`bench/echo_server.py`) and the "
            f"real app (`python -m bot serve{f' --workers {workers}' if workers > 1 else ''}`, {backend}), "
            f"taking turns in {rounds} rounds of {duration / rounds:g} s "
            f"({warmup:g} s warm-up before the first, {ROUND_WARMUP:g} s before the others, not counted) with the "
            "same load generator and the same bodies: new residents every "
            f"{TURNS_PER_SESSION} turns (start message first), the generated question mix of `bench/queries.py`, "
            "topic / 有用 / 没用 / menu buttons. Latency is measured in the client. CPU = share of one core used "
            "during the measured window (server process and its workers; load-generator process); ms/req = CPU "
            "per answered request, of the server and (PostgreSQL) of the backends serving the app's database "
            "(from /proc; the server's WAL writer and checkpointer not counted)\n"
            f"- result: {result_line}\n" + "".join(f"- note: {n}\n" for n in notes) + "\n" + text + "\n"
        )
        section = NAME if not database_url else f"{NAME}_postgres"
        title = "Chat API throughput (`bench.chat_throughput`)" + (" on PostgreSQL" if database_url else "")
        if workers > 1:
            section, title = f"{section}_workers{workers}", f"{title}, `serve --workers {workers}`"
        common.update_section(section, title, body)
    return {
        "app_rps": app_r.rps,
        "echo_rps": echo_r.rps,
        "ratio": ratio,
        "app_p99": app_r.pct(99),
        "ok": ratio_ok and p99_ok,
    }


def profile(clients: int, duration: float, database_url: str | None) -> int:
    """The app under cProfile (main thread: the event loop) while the load generator drives it."""
    turns = script(5000)
    with tempfile.TemporaryDirectory(prefix="anju-throughput-") as tmp:
        tmp_path = Path(tmp)
        out = tmp_path / "app.prof"
        port = common.free_port()
        env = common.app_env(database_url or common.sqlite_url(tmp_path), common.PROJECT_ROOT / "var" / "cache")
        app = common.spawn(
            ["-m", "cProfile", "-o", str(out), "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env,
            port,
            tmp_path / "app.log",
        )
        try:
            _ready(app)
            result = asyncio.run(drive("app", app.base_url, app.process.pid, turns, clients, 1.0, duration))
        finally:
            app.stop()
        print(f"under cProfile: {result.rps:.0f} req/s, p99 {result.pct(99):.1f} ms, {result.errors} errors\n")
        import pstats

        stats = pstats.Stats(str(out))
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.chat_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--rounds", type=int, default=4, help="echo and app alternate in this many rounds")
    parser.add_argument("--database-url", help="run the app on this database (e.g. PostgreSQL) instead of SQLite")
    parser.add_argument("--workers", type=int, default=1, help="run the app as `serve --workers N` (PostgreSQL)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--profile", action="store_true", help="profile the app under load instead")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.clients, args.duration, args.database_url)
    run(
        args.clients, args.duration, args.warmup, args.database_url, not args.no_record, argv, args.rounds, args.workers
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
