"""Start to first answer: `python -m bot serve` on a free port with a fresh SQLite file, polled with
`POST /api/chat` until it answers a question with a cited answer.

    .venv/bin/python -m bench.startup [--warm-runs 3] [--no-record]
    .venv/bin/python -m bench.startup --profile      # where the start-up time goes (imports, phases)

Runs: cold (an empty jieba cache directory: jieba builds its prefix dictionary and writes the cache), then warm
(the cache from the cold run present). Python's own bytecode cache is left to work as on any installation
(PYTHONDONTWRITEBYTECODE is removed from the server's environment, and one unrecorded start comes first, as after
the first `make run`).

Target (issue 2): ≤ 2 s warm.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import common

NAME = "startup"
TARGET_S = 2.0
QUESTION = "搬迁费怎么算"
BANNER = "安居助手 running"


@dataclass
class Start:
    label: str
    banner_s: float  # the "running" line printed: imports of the CLI and app done
    port_s: float  # the port accepts connections: knowledge loaded, migrations applied
    answer_s: float  # the first cited answer
    cpu_s: float  # the server's user + system CPU time at that moment


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def start_once(label: str, cache_dir: Path, work: Path, timeout: float = 60.0) -> Start:
    """One start of the server; the wall times of its phases, measured from just before spawning it."""
    db_dir = Path(tempfile.mkdtemp(prefix="db-", dir=work))
    env = common.app_env(common.sqlite_url(db_dir), cache_dir)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached as on any installation
    port = common.free_port()
    log = db_dir / "server.log"
    t0 = time.monotonic()
    server = common.spawn(["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)], env, port, log)
    banner = port_open = None
    n = 0
    try:
        while True:
            now = time.monotonic()
            if now - t0 > timeout:
                raise TimeoutError(f"no answer within {timeout} s:\n{server.tail()}")
            if server.process.poll() is not None:
                raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.tail()}")
            if banner is None and BANNER in log.read_text(errors="replace"):
                banner = now
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.002)
                continue
            port_open = port_open or time.monotonic()
            n += 1
            try:
                status, data = common.post_json(port, "/api/chat", {"session": f"start-{n}", "text": QUESTION}, 10)
            except (OSError, http.client.HTTPException):
                continue
            answered = time.monotonic()
            cpu = _cpu_seconds(server.process.pid)
            text = "".join(r.get("text", "") for r in data.get("replies", ()))
            if status != 200 or "依据：" not in text:
                raise RuntimeError(f"unexpected answer {status}: {data}")
            banner = banner or port_open
            return Start(label, banner - t0, port_open - t0, answered - t0, cpu)
    finally:
        server.stop()


def run(warm_runs: int, record: bool, argv: list[str]) -> dict[str, object]:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="anju-startup-") as tmp:
        work = Path(tmp)
        cache = work / "jieba-cache"
        cache.mkdir()
        # one unrecorded start so that this checkout's bytecode cache exists, as after `make run` once
        start_once("prime", work / "prime-cache", work)
        runs = [start_once("cold (empty jieba cache)", cache, work)]
        cache_files = sorted(p.name for p in cache.iterdir())
        runs += [start_once(f"warm #{i + 1}", cache, work) for i in range(warm_runs)]
        where = profile_in_child(cache)

    warm = [r.answer_s for r in runs if r.label.startswith("warm #")]
    warm_median = statistics.median(warm)
    ok = warm_median <= TARGET_S
    rows = [[r.label, f"{r.banner_s:.2f}", f"{r.port_s:.2f}", f"{r.answer_s:.2f}", f"{r.cpu_s:.2f}"] for r in runs]
    text = common.table(["run", "banner s", "port open s", "first answer s", "server CPU s"], rows)
    result_line = (
        f"warm start to first answer {warm_median:.2f} s (median of {len(warm)}; target ≤ {TARGET_S} s: "
        f"{common.verdict(ok)}); cold {runs[0].answer_s:.2f} s; jieba cache written: "
        f"{', '.join(cache_files) or 'nothing'}; load average at start {load_before:.2f}"
    )
    print(text)
    print(result_line)
    print("\nwhere the time goes (python -m bench.startup --profile):\n" + where)
    if record:
        body = (
            common.record_header(common.command_line("bench.startup", argv))
            + "- what: wall time from spawning `python -m bot serve --port P` (fresh SQLite file in a temp dir, "
            "migrations applied at start) until `POST /api/chat` answers “搬迁费怎么算” with a cited answer. "
            "banner = the CLI printed its “running” line (imports done); port open = knowledge base loaded and "
            "migrations applied; server CPU = its user + system time at the first answer. Cold = empty "
            "`ANJU_CACHE_DIR`; warm = the cache the cold run wrote. Python bytecode caching as on any "
            "installation (one unrecorded start first)\n"
            f"- result: {result_line}\n\n" + text + "\n\n"
            "Where the time goes (`.venv/bin/python -m bench.startup --profile`, one process, cache warm):\n\n"
            + where
            + "\n"
        )
        common.update_section(NAME, "Start to first answer (`bench.startup`)", body)
    return {"warm_s": warm_median, "cold_s": runs[0].answer_s, "ok": ok}


# ---------------------------------------------------------------- --profile

# load_knowledge's steps, timed by wrapping these names where knowledge.base looks them up (when they exist)
LOAD_STEPS = (
    ("params", "knowledge.base", "load_params"),
    ("entries (front matter, jinja2)", "knowledge.base", "load_entries"),
    ("intents", "knowledge.base", "load_intents"),
    ("Analyzer", "knowledge.base", "Analyzer"),
    ("  jieba dictionary", "jieba", "Tokenizer.initialize"),
    ("  pinyin readings", "knowledge.analyzer", "load_readings"),
    ("KnowledgeIndex build", "knowledge.base", "KnowledgeIndex"),
    ("intent rules", "knowledge.base", "load_rules"),
)


def _timed_steps() -> dict[str, float]:
    """Wrap the LOAD_STEPS callables with timers; the dict fills in as they run."""
    import functools
    import importlib

    spent: dict[str, float] = {}
    for label, module_name, attr in LOAD_STEPS:
        owner = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            continue

        def timed(*args, __original=original, __label=label, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                spent[__label] = spent.get(__label, 0.0) + time.perf_counter() - t

        # a class (Analyzer, KnowledgeIndex) is replaced by a timed factory in knowledge.base's namespace only
        setattr(owner, name, timed if isinstance(original, type) else functools.wraps(original)(timed))
    return spent


def profile(cache_dir: Path, brief: bool = False) -> int:
    """Import times by top-level package (python -X importtime, in a child), then the server's start-up steps in
    this process (imports, load_knowledge with its steps from cProfile, migrations, the first match)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(common.PROJECT_ROOT)
    if not cache_dir.exists() or not any(cache_dir.iterdir()):  # warm it first: this profile is of a warm start
        subprocess.run(
            [sys.executable, "-c", _WARM_CACHE, str(cache_dir)], cwd=common.PROJECT_ROOT, env=env, check=True
        )
    code = "import bot.cli, aiohttp.web, bot.app; bot.cli.build_parser()"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=common.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line[len("import time:") :].split("|")
        root = name.strip().split(".")[0]
        totals[root] = totals.get(root, 0) + int(own)
    print("imports up to the banner (python -X importtime; own time of every module, summed by top-level package):\n")
    print(
        common.table(
            ["package", "ms"], [[k, f"{v / 1000:.0f}"] for k, v in sorted(totals.items(), key=lambda kv: -kv[1])[:12]]
        )
    )
    print(f"\nall: {sum(totals.values()) / 1000:.0f} ms (with -X importtime's own overhead)\n")

    import asyncio
    import cProfile
    import pstats

    rows: list[tuple[str, float]] = []
    t = time.perf_counter()
    import aiohttp.web  # noqa: F401, PLC0415

    import bot.app  # noqa: F401, PLC0415
    import bot.cli  # noqa: PLC0415
    from bot.db.engine import make_engine  # noqa: PLC0415
    from bot.db.migrate import upgrade  # noqa: PLC0415
    from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings  # noqa: PLC0415
    from knowledge.base import load_knowledge  # noqa: PLC0415

    bot.cli.build_parser()
    rows.append(("imports up to the banner (bot.cli, aiohttp.web, bot.app)", time.perf_counter() - t))
    settings = Settings()
    spent = _timed_steps()
    t = time.perf_counter()
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin)
    rows.append(("load_knowledge", time.perf_counter() - t))
    rows += [("  " + label, spent[label]) for label, _, _ in LOAD_STEPS if label in spent]

    async def migrate(url: str) -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        asyncio.run(migrate(common.sqlite_url(Path(tmp))))
        rows.append(("migrations on a fresh SQLite file", time.perf_counter() - t))
    t = time.perf_counter()
    kb.match(QUESTION)
    rows.append(("first match", time.perf_counter() - t))
    print("the server's start-up steps, in one process (cache warm):\n")
    print(common.table(["step", "ms"], [[n, f"{sec * 1000:.0f}"] for n, sec in rows]))
    if not brief:
        profiler = cProfile.Profile()
        profiler.runcall(
            load_knowledge, DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin
        )
        print("\ncProfile of load_knowledge (a second time, cache warm; cProfile inflates Python-heavy code):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


_WARM_CACHE = """
import sys
from pathlib import Path
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from knowledge.base import load_knowledge
s = Settings()
load_knowledge(DEFAULT_KNOWLEDGE_DIR, Path(sys.argv[1]), s.match_threshold, s.match_margin)
"""


def profile_in_child(cache_dir: Path) -> str:
    """`--profile --brief` in a fresh interpreter (imports counted from nothing)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    args = ["-m", "bench.startup", "--profile", "--brief", "--cache-dir", str(cache_dir)]
    proc = subprocess.run(
        [sys.executable, *args], cwd=common.PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--profile", action="store_true", help="print where the start-up time goes instead")
    parser.add_argument("--brief", action="store_true", help="with --profile: the tables only")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=common.PROJECT_ROOT / "var" / "cache",
        help="with --profile: the (warm) cache directory to load from",
    )
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.cache_dir, args.brief)
    run(args.warm_runs, not args.no_record, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
