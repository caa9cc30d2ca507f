"""What every benchmark shares: the machine description, percentiles, tables, the app in a subprocess,
and updating one's own section of docs/benchmarks.md (other sections are left exactly as they are)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import http.client
import json
import math
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = PROJECT_ROOT / "docs" / "benchmarks.md"
MD_HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by its benchmark (`python -m bench.<name>`, or all of them with `make bench`);\n"
    "re-running a benchmark replaces only its own section.\n"
)


# ---------------------------------------------------------------- the machine


def machine() -> dict[str, str]:
    """nproc, CPU model, RAM and Python version, for the record."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "ram": ram,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
    }


def machine_line() -> str:
    m = machine()
    return f"{m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['python']}, {m['os']}"


# ---------------------------------------------------------------- figures


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (p in 0 … 100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table that also reads well in a terminal."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def command_line(module: str, argv: Sequence[str]) -> str:
    """How to reproduce a run, passwords in URLs masked."""
    args = [re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", a) for a in argv]
    return " ".join([".venv/bin/python", "-m", module, *(shlex.quote(a) for a in args)])


# ---------------------------------------------------------------- docs/benchmarks.md


def update_section(name: str, title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section between `<!-- bench:NAME -->` markers; leave the rest of the file alone."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = Path(tempfile.gettempdir()) / f"anju-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two benchmarks finishing together must not lose each other's section
        text = path.read_text(encoding="utf-8") if path.exists() else MD_HEADER
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        if pattern.search(text):
            text = pattern.sub(lambda _: section, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".benchmarks.", suffix=".md")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def record_header(command: str) -> str:
    """The lines every section starts with: when, where, how to reproduce."""
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    nice = os.nice(0)
    shared = f"; run at niceness {nice} (the machine was shared)" if nice else ""
    return (
        f"- date: {now}\n- machine: {machine_line()}\n- command: `{command}`\n"
        f"- load average (1, 5, 15 min) when recorded: {load}{shared}\n"
    )


# ---------------------------------------------------------------- the app in a subprocess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'anju.db'}"


@dataclass
class Server:
    """A `python -m bot serve` (or any module) process listening on 127.0.0.1:port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def app_env(database_url: str, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, ANJU_CACHE_DIR=str(cache_dir), PYTHONUNBUFFERED="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def spawn(args: Sequence[str], env: dict[str, str], port: int, log: Path) -> Server:
    """Start `python <args>` in the project root, output to `log`."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(process, port, log)


def spawn_app(database_url: str, cache_dir: Path, log: Path, port: int | None = None, **extra_env: str) -> Server:
    port = port or free_port()
    env = app_env(database_url, cache_dir, **extra_env)
    return spawn(["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)], env, port, log)


def post_json(port: int, path: str, body: dict, timeout: float = 5.0) -> tuple[int, dict]:
    """One POST with the standard library (no event loop): status and decoded JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body, ensure_ascii=False).encode()
        conn.request("POST", path, payload, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})
    finally:
        conn.close()


def wait_until_answering(server: Server, timeout: float = 60.0, question: str = "搬迁费怎么算") -> float:
    """Poll `POST /api/chat` until it answers `question` with a cited answer; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    n = 0
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.tail()}")
        n += 1
        try:
            status, data = post_json(server.port, "/api/chat", {"session": f"poll-{n}", "text": question}, 10)
        except (ConnectionError, OSError, http.client.HTTPException):
            time.sleep(0.005)
            continue
        if status == 200 and "依据：" in "".join(r.get("text", "") for r in data.get("replies", ())):
            return time.monotonic()
        raise RuntimeError(f"server answered {status}: {data}")
    raise TimeoutError(f"no answer within {timeout} s:\n{server.tail()}")


@contextlib.contextmanager
def running_app(database_url: str | None = None, **extra_env: str) -> Iterator[Server]:
    """The real app on a free port with a fresh SQLite file (or `database_url`) and the project's jieba cache."""
    with tempfile.TemporaryDirectory(prefix="anju-bench-") as tmp:
        tmp_path = Path(tmp)
        url = database_url or sqlite_url(tmp_path)
        server = spawn_app(url, PROJECT_ROOT / "var" / "cache", tmp_path / "server.log", **extra_env)
        try:
            wait_until_answering(server)
            yield server
        finally:
            server.stop()


# ---------------------------------------------------------------- CPU of processes (Linux /proc)


def process_cpu_seconds(pid: int, children: bool = True) -> float:
    """CPU seconds (user + system) of the process, and of its living children (the workers of
    `serve --workers N`); NaN when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split() if children else []
    except (OSError, IndexError, ValueError):
        return float("nan")
    return own + sum(process_cpu_seconds(int(child)) for child in kids)


class PostgresBackends:
    """CPU used by the PostgreSQL backends serving one database (a server on this machine): the backends are
    found in pg_stat_activity, their CPU read from /proc. Background processes (WAL writer, checkpointer) are
    shared by every database on the server and not counted."""

    QUERY = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"

    def __init__(self, database_url: str) -> None:
        self._url = re.sub(r"^postgresql\+\w+://", "postgresql://", database_url)
        self._start: dict[int, float] = {}

    async def _pids(self) -> list[int]:
        import asyncpg

        conn = await asyncpg.connect(self._url)
        try:
            return [r["pid"] for r in await conn.fetch(self.QUERY)]
        finally:
            await conn.close()

    async def start(self) -> None:
        self._start = {pid: process_cpu_seconds(pid, children=False) for pid in await self._pids()}

    async def seconds(self) -> float:
        """CPU seconds since `start` of the backends living then or now (one that started meanwhile counts whole;
        one that ended meanwhile is lost)."""
        total = 0.0
        for pid in set(await self._pids()) | self._start.keys():
            now = process_cpu_seconds(pid, children=False)
            if not math.isnan(now):  # still running
                total += now - self._start.get(pid, 0.0)
        return total
