"""Match latency: the knowledge base loaded once, then `KnowledgeBase.match` timed on ≥ 10,000 generated questions,
follow-ups among them matched in the context the router gives them (the topic answered before).

    .venv/bin/python -m bench.match_latency [--n 12000] [--seed 20260915] [--baseline REV] [--no-record]

`--baseline REV` also times the matcher of commit REV (exported with `git archive`, run in a subprocess on the same
texts — its follow-ups without context, which it did not have) in the same run, on the same machine and load.

Target (issue 2, issue 10): p99 ≤ 2 ms, with context.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import common
from bench.queries import Query, categories, generate, generate_follow_ups
from bot.core.port import Conversation, TurnContext
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from handlers.router import context_of
from knowledge.base import Context, KnowledgeBase, load_knowledge

NAME = "match_latency"
TARGET_P99_MS = 2.0
FOLLOW_UP_SHARE = 0.2  # follow-ups added to the standalone mix, as a share of --n


def mixed(kb: KnowledgeBase, n: int, seed: int) -> list[Query]:
    """The standalone mix of `n` questions with FOLLOW_UP_SHARE × n follow-ups shuffled in."""
    queries = generate(kb, DEFAULT_KNOWLEDGE_DIR, n, seed) + generate_follow_ups(kb, round(n * FOLLOW_UP_SHARE), seed)
    random.Random(seed).shuffle(queries)
    return queries


def contexts(kb: KnowledgeBase, queries: list[Query]) -> list[Context | None]:
    """The context the router gives each query: after the answer to its previous question, if it has one."""
    ctx = TurnContext(kb=kb, now=datetime.now(UTC))
    return [
        context_of(Conversation(last_topic=q.previous_topic, last_question=q.previous), ctx) if q.previous else None
        for q in queries
    ]


def measure(kb: KnowledgeBase, queries: list[Query]) -> tuple[list[float], list[float], list[bool]]:
    """Wall-clock and thread-CPU milliseconds per query, in query order (CPU time leaves out the time other
    processes on a shared machine took the core away), and whether each was answered."""
    wall, cpu, answered = [], [], []
    wall_clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for q, context in zip(queries, contexts(kb, queries), strict=True):
        start, start_cpu = wall_clock(), cpu_clock()
        result = kb.match(q.text, context)
        end_cpu, end = cpu_clock(), wall_clock()
        wall.append((end - start) / 1e6)
        cpu.append((end_cpu - start_cpu) / 1e6)
        answered.append(result.label is not None)
    return wall, cpu, answered


def summary(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    return {
        "n": len(s),
        "p50": common.percentile(s, 50),
        "p90": common.percentile(s, 90),
        "p99": common.percentile(s, 99),
        "max": s[-1] if s else float("nan"),
        "mean": sum(s) / len(s) if s else float("nan"),
    }


def run(
    n: int, seed: int, warmup: int, record: bool, argv: list[str], baseline: str | None = None
) -> dict[str, object]:
    settings = Settings.from_env()
    cache_dir = settings.cache_dir if settings.cache_dir.is_absolute() else common.PROJECT_ROOT / settings.cache_dir
    started = time.perf_counter()
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin)
    load_s = time.perf_counter() - started
    queries = mixed(kb, n, seed)
    warm = mixed(kb, warmup, seed + 1)
    # a short warm-up on a different sample (the first calls fill the pinyin and word-weight caches)
    measure(kb, warm)
    baseline_ms = None
    if baseline:
        other = Baseline(baseline, warm)
        load_before = os.getloadavg()[0]
        try:
            latencies, cpu_times, answers, baseline_ms = measure_alternating(kb, queries, other)
        finally:
            other.close()
    else:
        gc.collect()
        load_before = os.getloadavg()[0]
        latencies, cpu_times, answers = measure(kb, queries)

    overall = summary(latencies)
    overall_cpu = summary(cpu_times)
    keys = ("p50", "p90", "p99", "max")
    rows = [["all", overall["n"], *(f"{overall[k]:.3f}" for k in keys), f"{overall_cpu['p99']:.3f}", "—"]]
    for category, qs in categories(queries):
        idx = {id(q) for q in qs}
        values = [ms for q, ms in zip(queries, latencies, strict=True) if id(q) in idx]
        cpu_values = [ms for q, ms in zip(queries, cpu_times, strict=True) if id(q) in idx]
        answered = sum(a for q, a in zip(queries, answers, strict=True) if id(q) in idx)
        s = summary(values)
        avg_len = sum(len(q.text) for q in qs) / len(qs) if qs else 0
        rows.append(
            [
                f"{category} ({avg_len:.0f} chars)",
                s["n"],
                *(f"{s[k]:.3f}" for k in keys),
                f"{summary(cpu_values)['p99']:.3f}",
                f"{answered / len(qs):.0%}" if qs else "—",
            ]
        )
    slowest = sorted(zip(latencies, queries, strict=True), key=lambda x: -x[0])[:5]

    text = common.table(["queries", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 CPU ms", "answered"], rows)
    if baseline_ms is not None:
        text += "\n\n" + comparison(baseline, queries, latencies, cpu_times, baseline_ms)
    ok = overall["p99"] <= TARGET_P99_MS
    result_line = (
        f"p99 {overall['p99']:.3f} ms (target ≤ {TARGET_P99_MS} ms: {common.verdict(ok)}); "
        f"CPU-time p99 {overall_cpu['p99']:.3f} ms; knowledge base loaded in {load_s:.2f} s "
        f"({len(kb.entries)} entries); load average at start {load_before:.2f}"
    )
    cpus = os.cpu_count() or 1
    if load_before > cpus:
        result_line += (
            f" — more runnable processes than the {cpus} CPUs: the wall-clock figures measure the "
            "waiting for a CPU, not matching; read the CPU-time column and the baseline beside it"
        )
    slow_lines = "\n".join(
        f"  {ms:7.3f} ms  {q.category:<11} {len(q.text):4d} chars  {q.text[:40]}…" for ms, q in slowest
    )
    print(text)
    print(result_line)
    print("slowest:\n" + slow_lines)

    if record:
        body = (
            common.record_header(common.command_line("bench.match_latency", argv))
            + f"- what: `KnowledgeBase.match` on {overall['n']} generated questions (seed {seed}; every entry's "
            "title and example questions, perturbed: characters dropped / swapped, synonyms, homophone typos, "
            "Traditional characters, bare keywords; off-topic small talk; long life stories), after a "
            f"{warmup}-question warm-up; one process, one thread. Follow-ups ({FOLLOW_UP_SHARE:.0%} of --n on top "
            "of the mix: 那…呢, 要多久, 谁出钱 … after a topic's example question) are matched in the context the "
            "router gives them"
            + (
                f"; the matcher of `{baseline}` timed in the same run on the same texts (its follow-ups alone, it had "
                f"no context), in {SLICES} slices alternating with this tree's so that both see the same load"
                if baseline
                else ""
            )
            + "\n"
            f"- result: {result_line}\n\n" + text + "\n\nSlowest five:\n\n```\n" + slow_lines + "\n```\n"
        )
        common.update_section(NAME, "Match latency (`bench.match_latency`)", body)
    return {"p50": overall["p50"], "p99": overall["p99"], "max": overall["max"], "ok": ok, "load_s": load_s}


SLICES = 8  # with --baseline, the queries are timed slice by slice, alternating with the baseline's process
BASELINE_PROBE = """
import gc, json, sys, time
from pathlib import Path
root, cache, warm_file, threshold, margin = sys.argv[1:6]
sys.path.insert(0, root)
from knowledge.base import load_knowledge
kb = load_knowledge(Path(root) / "knowledge", Path(cache), float(threshold), float(margin))
for text in json.loads(Path(warm_file).read_text(encoding="utf-8")):
    kb.match(text)
gc.collect()
clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
print("ready", flush=True)
for line in sys.stdin:  # one slice per line: the file of its texts and the file for its timings
    texts_file, out_file = line.split()
    out = []
    for text in json.loads(Path(texts_file).read_text(encoding="utf-8")):
        start, start_cpu = clock(), cpu_clock()
        kb.match(text)
        end_cpu, end = cpu_clock(), clock()
        out.append(((end - start) / 1e6, (end_cpu - start_cpu) / 1e6))
    Path(out_file).write_text(json.dumps(out))
    print("done", flush=True)
"""


class Baseline:
    """The matcher of commit `rev` in a subprocess, on an exported copy of that commit: it times the slices it is
    given (wall-clock and CPU milliseconds per query), so that the two matchers share the machine's load."""

    def __init__(self, rev: str, warm: list[Query]) -> None:
        settings = Settings.from_env()
        self._tmp = tempfile.TemporaryDirectory(prefix="anju-baseline-")
        self.dir = Path(self._tmp.name)
        root = self.dir / "tree"
        root.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=common.PROJECT_ROOT, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(root, filter="data")
        warm_file = self.dir / "warm.json"
        warm_file.write_text(json.dumps([q.text for q in warm], ensure_ascii=False), encoding="utf-8")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                BASELINE_PROBE,
                str(root),
                str(self.dir / "cache"),
                str(warm_file),
                str(settings.match_threshold),
                str(settings.match_margin),
            ],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")
        self._slices = 0

    def time(self, queries: list[Query]) -> list[tuple[float, float]]:
        self._slices += 1
        texts, out = self.dir / f"texts-{self._slices}.json", self.dir / f"out-{self._slices}.json"
        texts.write_text(json.dumps([q.text for q in queries], ensure_ascii=False), encoding="utf-8")
        self._process.stdin.write(f"{texts} {out}\n")
        self._process.stdin.flush()
        self._expect("done")
        return [tuple(x) for x in json.loads(out.read_text())]

    def _expect(self, word: str) -> None:
        line = self._process.stdout.readline().strip()
        if line != word:
            raise RuntimeError(f"baseline process said {line!r}, expected {word!r}")

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._tmp.cleanup()


def measure_alternating(
    kb: KnowledgeBase, queries: list[Query], baseline: Baseline
) -> tuple[list[float], list[float], list[bool], list[tuple[float, float]]]:
    """`measure` slice by slice, each slice timed by the baseline's process just before: both see the same load."""
    wall, cpu, answered, base = [], [], [], []
    size = -(-len(queries) // SLICES)
    for start in range(0, len(queries), size):
        part = queries[start : start + size]
        base += baseline.time(part)
        gc.collect()
        w, c, a = measure(kb, part)
        wall += w
        cpu += c
        answered += a
    return wall, cpu, answered, base


def comparison(
    rev: str, queries: list[Query], now_ms: list[float], now_cpu: list[float], base: list[tuple[float, float]]
) -> str:
    """p50 / p99 (wall clock) and CPU p99 per category, this tree beside the baseline commit."""
    rows = []
    groups = [("all", list(range(len(queries))))] + [
        (category, [i for i, q in enumerate(queries) if q.category == category]) for category, _ in categories(queries)
    ]
    for name, idx in groups:
        if not idx:
            continue
        now_s, now_c = summary([now_ms[i] for i in idx]), summary([now_cpu[i] for i in idx])
        base_s, base_c = summary([base[i][0] for i in idx]), summary([base[i][1] for i in idx])
        rows.append(
            [
                name,
                len(idx),
                f"{now_s['p50']:.3f}",
                f"{now_s['p99']:.3f}",
                f"{now_c['p99']:.3f}",
                f"{base_s['p50']:.3f}",
                f"{base_s['p99']:.3f}",
                f"{base_c['p99']:.3f}",
            ]
        )
    return common.table(
        ["queries", "n", "p50 ms", "p99 ms", "p99 CPU ms", f"p50 ms `{rev}`", f"p99 ms `{rev}`", f"p99 CPU ms `{rev}`"],
        rows,
    )


def profile(n: int, seed: int, category: str) -> int:
    """Where the matching time goes, by function (cumulative and own time)."""
    import cProfile
    import pstats

    settings = Settings.from_env()
    cache_dir = settings.cache_dir if settings.cache_dir.is_absolute() else common.PROJECT_ROOT / settings.cache_dir
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin)
    queries = [q for q in mixed(kb, n, seed) if category in ("all", q.category)]
    measure(kb, mixed(kb, 500, seed + 1))
    profiler = cProfile.Profile()
    profiler.runcall(measure, kb, queries)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.match_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12_000, help="queries to time (≥ 10,000 for the record)")
    parser.add_argument("--seed", type=int, default=20260915)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--baseline", metavar="REV", help="also time the matcher of this commit, in the same run")
    parser.add_argument(
        "--profile",
        metavar="CATEGORY",
        nargs="?",
        const="all",
        help="instead of timing, print a cProfile of matching (all queries or one category)",
    )
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.n, args.seed, args.profile)
    run(args.n, args.seed, args.warmup, not args.no_record, argv, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
