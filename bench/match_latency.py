"""Match latency: the knowledge base loaded once, then `KnowledgeBase.match` timed on ≥ 10,000 generated questions.

    .venv/bin/python -m bench.match_latency [--n 12000] [--seed 20260915] [--no-record]

Target (issue 2): p99 ≤ 2 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

from bench import common
from bench.queries import Query, categories, generate
from bot.settings import DEFAULT_KNOWLEDGE_DIR, Settings
from knowledge.base import KnowledgeBase, load_knowledge

NAME = "match_latency"
TARGET_P99_MS = 2.0


def measure(kb: KnowledgeBase, queries: list[Query]) -> tuple[list[float], list[float], list[bool]]:
    """Wall-clock and thread-CPU milliseconds per query, in query order (CPU time leaves out the time other
    processes on a shared machine took the core away), and whether each was answered."""
    wall, cpu, answered = [], [], []
    wall_clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for q in queries:
        start, start_cpu = wall_clock(), cpu_clock()
        result = kb.match(q.text)
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


def run(n: int, seed: int, warmup: int, record: bool, argv: list[str]) -> dict[str, object]:
    settings = Settings.from_env()
    cache_dir = settings.cache_dir if settings.cache_dir.is_absolute() else common.PROJECT_ROOT / settings.cache_dir
    started = time.perf_counter()
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin)
    load_s = time.perf_counter() - started
    queries = generate(kb, DEFAULT_KNOWLEDGE_DIR, n, seed)
    # a short warm-up on a different sample (the first calls fill the pinyin and word-weight caches)
    measure(kb, generate(kb, DEFAULT_KNOWLEDGE_DIR, warmup, seed + 1))
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
        rows.append([f"{category} ({avg_len:.0f} chars)", s["n"], *(f"{s[k]:.3f}" for k in keys),
                     f"{summary(cpu_values)['p99']:.3f}", f"{answered / len(qs):.0%}" if qs else "—"])
    slowest = sorted(zip(latencies, queries, strict=True), key=lambda x: -x[0])[:5]

    text = common.table(["queries", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 CPU ms", "answered"], rows)
    ok = overall["p99"] <= TARGET_P99_MS
    result_line = (f"p99 {overall['p99']:.3f} ms (target ≤ {TARGET_P99_MS} ms: {common.verdict(ok)}); "
                   f"CPU-time p99 {overall_cpu['p99']:.3f} ms; knowledge base loaded in {load_s:.2f} s "
                   f"({len(kb.entries)} entries); load average at start {load_before:.2f}")
    slow_lines = "\n".join(f"  {ms:7.3f} ms  {q.category:<11} {len(q.text):4d} chars  {q.text[:40]}…"
                           for ms, q in slowest)
    print(text)
    print(result_line)
    print("slowest:\n" + slow_lines)

    if record:
        body = (
            common.record_header(common.command_line("bench.match_latency", argv))
            + f"- what: `KnowledgeBase.match` on {overall['n']} generated questions (seed {seed}; every entry's "
            "title and example questions, perturbed: characters dropped / swapped, synonyms, homophone typos, "
            "Traditional characters, bare keywords; off-topic small talk; long life stories), after a "
            f"{warmup}-question warm-up; one process, one thread\n"
            f"- result: {result_line}\n\n"
            + text
            + "\n\nSlowest five:\n\n```\n" + slow_lines + "\n```\n"
        )
        common.update_section(NAME, "Match latency (`bench.match_latency`)", body)
    return {"p50": overall["p50"], "p99": overall["p99"], "max": overall["max"], "ok": ok, "load_s": load_s}


def profile(n: int, seed: int, category: str) -> int:
    """Where the matching time goes, by function (cumulative and own time)."""
    import cProfile
    import pstats

    settings = Settings.from_env()
    cache_dir = settings.cache_dir if settings.cache_dir.is_absolute() else common.PROJECT_ROOT / settings.cache_dir
    kb = load_knowledge(DEFAULT_KNOWLEDGE_DIR, cache_dir, settings.match_threshold, settings.match_margin)
    queries = [q for q in generate(kb, DEFAULT_KNOWLEDGE_DIR, n, seed) if category in ("all", q.category)]
    measure(kb, generate(kb, DEFAULT_KNOWLEDGE_DIR, 500, seed + 1))
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
    parser.add_argument("--profile", metavar="CATEGORY", nargs="?", const="all",
                        help="instead of timing, print a cProfile of matching (all queries or one category)")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.n, args.seed, args.profile)
    run(args.n, args.seed, args.warmup, not args.no_record, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
